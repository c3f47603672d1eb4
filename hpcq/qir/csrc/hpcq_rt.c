/*
 * hpcq_rt.c: hpcq's QIR runtime library: lifecycle, a state-vector simulator for the QIR
 * gate set, measurement, output recording and command-line handling. See hpcq_rt.h.
 */
#define _POSIX_C_SOURCE 200809L
#include "hpcq_rt.h"

#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    double re, im;
} amp_t;

enum { RT_NEW = 0, RT_LIVE = 1, RT_FINALIZED = 2 };

static struct {
    int phase;
    unsigned nq;      /* qubits held by the state vector */
    size_t capacity;  /* amplitudes allocated */
    amp_t *amp;
    unsigned char *results;
    size_t num_results;
    /* measurements not yet sampled: consecutive mz on distinct qubits are sampled
     * together from one pass over the state (they commute with gates elsewhere) */
    size_t pending;
    uintptr_t pending_result[HPCQ_RT_MAX_QUBITS];
    uint64_t rng[4];
    int seeded;
    FILE *out;
    int own_out;
    /* command line */
    int argc;
    char **argv;
    const char *program;
    int64_t shots;
    int help;
    char **positional;
    int num_positional;
    /* hooks */
    int depth;
    /* in-process sessions */
    jmp_buf *jump;
    char message[512];
} rt;

/* --- errors ------------------------------------------------------------------------ */

static void fail(const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    vsnprintf(rt.message, sizeof rt.message, fmt, args);
    va_end(args);
    if (rt.jump != NULL)
        longjmp(*rt.jump, 1);
    if (rt.out != NULL)
        fflush(rt.out);
    fprintf(stderr, "hpcq runtime: error: %s\n", rt.message);
    exit(1);
}

static void require_live(const char *what)
{
    if (rt.phase == RT_NEW)
        fail("%s called before __quantum__rt__initialize", what);
    if (rt.phase == RT_FINALIZED)
        fail("%s called after __quantum__rt__finalize", what);
}

/* --- random numbers: xoshiro256** seeded through splitmix64 ------------------------ */

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

void hpcq_rt_seed(uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        rt.rng[i] = splitmix64(&seed);
    rt.seeded = 1;
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static double uniform(void)
{
    uint64_t *s = rt.rng;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return (double)(result >> 11) * 0x1.0p-53;
}

/* --- state vector ------------------------------------------------------------------- */

static void reset_state(void)
{
    rt.nq = 0;
    rt.pending = 0;
    if (rt.amp != NULL) {
        rt.amp[0].re = 1.0;
        rt.amp[0].im = 0.0;
    }
    if (rt.results != NULL)
        memset(rt.results, 0, rt.num_results);
}

static void ensure_capacity(size_t needed, unsigned qubits)
{
    if (needed <= rt.capacity)
        return;
    amp_t *grown = realloc(rt.amp, needed * sizeof(amp_t));
    if (grown == NULL)
        fail("not enough memory for a state vector of %u qubits (%.1f MiB)", qubits,
             (double)needed * sizeof(amp_t) / 1048576.0);
    rt.amp = grown;
    rt.capacity = needed;
}

static void flush_measurements(void);

/* Make sure qubit `q` is held by the state vector; returns its bit mask. New qubits are
 * the high bits, so growing keeps every amplitude where it is and zeroes the rest. */
static size_t qubit(const Qubit *pointer)
{
    uintptr_t q = (uintptr_t)pointer;
    if (q < HPCQ_RT_MAX_QUBITS && (rt.pending >> q) & 1)
        flush_measurements();
    if (q < rt.nq)
        return (size_t)1 << q;
    if (q >= HPCQ_RT_MAX_QUBITS)
        fail("qubit id %lu is beyond the simulator's limit of %d qubits", (unsigned long)q,
             HPCQ_RT_MAX_QUBITS);
    size_t old = (size_t)1 << rt.nq, size = (size_t)1 << (q + 1);
    ensure_capacity(size, (unsigned)q + 1);
    memset(rt.amp + old, 0, (size - old) * sizeof(amp_t));
    rt.nq = (unsigned)q + 1;
    return (size_t)1 << q;
}

static size_t dimension(void) { return (size_t)1 << rt.nq; }

static void check_distinct(size_t a, size_t b, const char *gate)
{
    if (a == b)
        fail("%s applied twice to the same qubit", gate);
}

/* Apply [[m00, m01], [m10, m11]] on the qubit with mask `bit`. */
static void apply_1q(size_t bit, amp_t m00, amp_t m01, amp_t m10, amp_t m11)
{
    size_t dim = dimension();
    for (size_t hi = 0; hi < dim; hi += 2 * bit) {
        for (size_t i = hi; i < hi + bit; i++) {
            amp_t a = rt.amp[i], b = rt.amp[i + bit];
            rt.amp[i].re = m00.re * a.re - m00.im * a.im + m01.re * b.re - m01.im * b.im;
            rt.amp[i].im = m00.re * a.im + m00.im * a.re + m01.re * b.im + m01.im * b.re;
            rt.amp[i + bit].re = m10.re * a.re - m10.im * a.im + m11.re * b.re - m11.im * b.im;
            rt.amp[i + bit].im = m10.re * a.im + m10.im * a.re + m11.re * b.im + m11.im * b.re;
        }
    }
}

/* The `i`-th index (in increasing order) whose bits in `mask` are all clear. */
static size_t spread(size_t i, size_t mask)
{
    while (mask != 0) {
        size_t low = mask & (~mask + 1);
        i = ((i & ~(low - 1)) << 1) | (i & (low - 1));
        mask ^= low;
    }
    return i;
}

static unsigned popcount(size_t mask)
{
    unsigned count = 0;
    for (; mask != 0; mask &= mask - 1)
        count++;
    return count;
}

/* Multiply the amplitudes whose `mask` bits are all set by `phase`. */
static void apply_phase(size_t mask, amp_t phase)
{
    size_t count = dimension() >> popcount(mask);
    for (size_t k = 0; k < count; k++) {
        size_t i = spread(k, mask) | mask;
        amp_t a = rt.amp[i];
        rt.amp[i].re = a.re * phase.re - a.im * phase.im;
        rt.amp[i].im = a.re * phase.im + a.im * phase.re;
    }
}

/* For every i with the `controls` bits set and the (single) `flip` bit clear:
 * new[i | flip] = to_hi * old[i], new[i] = to_lo * old[i | flip]. */
static void flip_pair(size_t i, size_t j, int plain, amp_t to_hi, amp_t to_lo)
{
    amp_t a = rt.amp[i], b = rt.amp[j];
    if (plain) {
        rt.amp[j] = a;
        rt.amp[i] = b;
        return;
    }
    rt.amp[j].re = to_hi.re * a.re - to_hi.im * a.im;
    rt.amp[j].im = to_hi.re * a.im + to_hi.im * a.re;
    rt.amp[i].re = to_lo.re * b.re - to_lo.im * b.im;
    rt.amp[i].im = to_lo.re * b.im + to_lo.im * b.re;
}

static void apply_flip(size_t controls, size_t flip, amp_t to_hi, amp_t to_lo)
{
    size_t dim = dimension(), mask = controls | flip;
    int plain = to_hi.re == 1.0 && to_hi.im == 0.0 && to_lo.re == 1.0 && to_lo.im == 0.0;
    if (popcount(mask) <= 2) {
        /* nested blocks over the indices with both bits clear: no per-index bit work */
        size_t low = mask & (~mask + 1), high = mask ^ low;
        if (high == 0)
            high = dim; /* one bit only: a single outer block */
        for (size_t hi = 0; hi < dim; hi += 2 * high)
            for (size_t mid = hi; mid < hi + high && mid < dim; mid += 2 * low)
                for (size_t i = mid; i < mid + low; i++)
                    flip_pair(i | controls, i | controls | flip, plain, to_hi, to_lo);
        return;
    }
    size_t count = dim >> popcount(mask);
    for (size_t k = 0; k < count; k++) {
        size_t i = spread(k, mask) | controls;
        flip_pair(i, i | flip, plain, to_hi, to_lo);
    }
}

static const amp_t ONE = {1.0, 0.0};
static const double QUARTER_PI = 0.78539816339744830962;

static amp_t cis(double angle)
{
    amp_t out = {cos(angle), sin(angle)};
    return out;
}

#define GATE_PROLOGUE(name) require_live(name)

void __quantum__qis__x__body(Qubit *q)
{
    GATE_PROLOGUE("__quantum__qis__x__body");
    size_t b = qubit(q);
    apply_flip(0, b, ONE, ONE);
}

void __quantum__qis__y__body(Qubit *q)
{
    GATE_PROLOGUE("__quantum__qis__y__body");
    size_t b = qubit(q);
    amp_t plus_i = {0.0, 1.0}, minus_i = {0.0, -1.0};
    apply_flip(0, b, plus_i, minus_i);
}

void __quantum__qis__z__body(Qubit *q)
{
    GATE_PROLOGUE("__quantum__qis__z__body");
    amp_t minus = {-1.0, 0.0};
    apply_phase(qubit(q), minus);
}

void __quantum__qis__h__body(Qubit *q)
{
    GATE_PROLOGUE("__quantum__qis__h__body");
    size_t bit = qubit(q), dim = dimension();
    const double r = 0.70710678118654752440;
    for (size_t hi = 0; hi < dim; hi += 2 * bit) {
        for (size_t i = hi; i < hi + bit; i++) {
            amp_t a = rt.amp[i], b = rt.amp[i + bit];
            rt.amp[i].re = r * (a.re + b.re);
            rt.amp[i].im = r * (a.im + b.im);
            rt.amp[i + bit].re = r * (a.re - b.re);
            rt.amp[i + bit].im = r * (a.im - b.im);
        }
    }
}

void __quantum__qis__s__body(Qubit *q)
{
    GATE_PROLOGUE("__quantum__qis__s__body");
    amp_t i = {0.0, 1.0};
    apply_phase(qubit(q), i);
}

void __quantum__qis__s__adj(Qubit *q)
{
    GATE_PROLOGUE("__quantum__qis__s__adj");
    amp_t i = {0.0, -1.0};
    apply_phase(qubit(q), i);
}

void __quantum__qis__t__body(Qubit *q)
{
    GATE_PROLOGUE("__quantum__qis__t__body");
    apply_phase(qubit(q), cis(QUARTER_PI));
}

void __quantum__qis__t__adj(Qubit *q)
{
    GATE_PROLOGUE("__quantum__qis__t__adj");
    apply_phase(qubit(q), cis(-QUARTER_PI));
}

void __quantum__qis__sx__body(Qubit *q)
{
    GATE_PROLOGUE("__quantum__qis__sx__body");
    amp_t p = {0.5, 0.5}, m = {0.5, -0.5};
    apply_1q(qubit(q), p, m, m, p);
}

void __quantum__qis__rx__body(double theta, Qubit *q)
{
    GATE_PROLOGUE("__quantum__qis__rx__body");
    amp_t c = {cos(theta / 2), 0.0}, s = {0.0, -sin(theta / 2)};
    apply_1q(qubit(q), c, s, s, c);
}

void __quantum__qis__ry__body(double theta, Qubit *q)
{
    GATE_PROLOGUE("__quantum__qis__ry__body");
    amp_t c = {cos(theta / 2), 0.0}, s = {sin(theta / 2), 0.0}, ms = {-sin(theta / 2), 0.0};
    apply_1q(qubit(q), c, ms, s, c);
}

void __quantum__qis__rz__body(double theta, Qubit *q)
{
    GATE_PROLOGUE("__quantum__qis__rz__body");
    size_t bit = qubit(q), dim = dimension();
    amp_t lo = cis(-theta / 2), hi = cis(theta / 2);
    for (size_t block = 0; block < dim; block += 2 * bit) {
        for (size_t i = block; i < block + bit; i++) {
            amp_t a = rt.amp[i], b = rt.amp[i + bit];
            rt.amp[i].re = a.re * lo.re - a.im * lo.im;
            rt.amp[i].im = a.re * lo.im + a.im * lo.re;
            rt.amp[i + bit].re = b.re * hi.re - b.im * hi.im;
            rt.amp[i + bit].im = b.re * hi.im + b.im * hi.re;
        }
    }
}

void __quantum__qis__cx__body(Qubit *control, Qubit *target)
{
    GATE_PROLOGUE("__quantum__qis__cx__body");
    size_t c = qubit(control), t = qubit(target);
    check_distinct(c, t, "cx");
    apply_flip(c, t, ONE, ONE);
}

void __quantum__qis__cnot__body(Qubit *control, Qubit *target)
{
    __quantum__qis__cx__body(control, target);
}

void __quantum__qis__cy__body(Qubit *control, Qubit *target)
{
    GATE_PROLOGUE("__quantum__qis__cy__body");
    size_t c = qubit(control), t = qubit(target);
    check_distinct(c, t, "cy");
    amp_t plus_i = {0.0, 1.0}, minus_i = {0.0, -1.0};
    apply_flip(c, t, plus_i, minus_i);
}

void __quantum__qis__cz__body(Qubit *control, Qubit *target)
{
    GATE_PROLOGUE("__quantum__qis__cz__body");
    size_t c = qubit(control), t = qubit(target);
    check_distinct(c, t, "cz");
    amp_t minus = {-1.0, 0.0};
    apply_phase(c | t, minus);
}

void __quantum__qis__swap__body(Qubit *a, Qubit *b)
{
    GATE_PROLOGUE("__quantum__qis__swap__body");
    size_t x = qubit(a), y = qubit(b), dim = dimension();
    check_distinct(x, y, "swap");
    for (size_t i = 0; i < dim; i++) {
        if ((i & x) && !(i & y)) {
            size_t j = i ^ x ^ y;
            amp_t t = rt.amp[i];
            rt.amp[i] = rt.amp[j];
            rt.amp[j] = t;
        }
    }
}

void __quantum__qis__ccx__body(Qubit *c0, Qubit *c1, Qubit *target)
{
    GATE_PROLOGUE("__quantum__qis__ccx__body");
    size_t a = qubit(c0), b = qubit(c1), t = qubit(target);
    check_distinct(a, b, "ccx");
    check_distinct(a, t, "ccx");
    check_distinct(b, t, "ccx");
    apply_flip(a | b, t, ONE, ONE);
}

/* exp(-i theta/2 P(x)P) for P = X or Y, on the pairs (i, i ^ (a|b)). */
static void apply_pair_rotation(size_t a, size_t b, double theta, int yy)
{
    size_t dim = dimension(), both = a | b;
    double c = cos(theta / 2), s = sin(theta / 2);
    for (size_t i = 0; i < dim; i++) {
        if (i & a)
            continue; /* visit each pair once, from the member with bit a clear */
        size_t j = i ^ both;
        /* XX maps |i> to |j> with +1; YY with -1 when the bits are equal, +1 otherwise. */
        double sign = (yy && !(i & b)) ? -1.0 : 1.0;
        amp_t x = rt.amp[i], y = rt.amp[j];
        /* new_i = c x - i s sign y ; new_j = c y - i s sign x */
        rt.amp[i].re = c * x.re + s * sign * y.im;
        rt.amp[i].im = c * x.im - s * sign * y.re;
        rt.amp[j].re = c * y.re + s * sign * x.im;
        rt.amp[j].im = c * y.im - s * sign * x.re;
    }
}

void __quantum__qis__rxx__body(double theta, Qubit *a, Qubit *b)
{
    GATE_PROLOGUE("__quantum__qis__rxx__body");
    size_t x = qubit(a), y = qubit(b);
    check_distinct(x, y, "rxx");
    apply_pair_rotation(x, y, theta, 0);
}

void __quantum__qis__ryy__body(double theta, Qubit *a, Qubit *b)
{
    GATE_PROLOGUE("__quantum__qis__ryy__body");
    size_t x = qubit(a), y = qubit(b);
    check_distinct(x, y, "ryy");
    apply_pair_rotation(x, y, theta, 1);
}

void __quantum__qis__rzz__body(double theta, Qubit *a, Qubit *b)
{
    GATE_PROLOGUE("__quantum__qis__rzz__body");
    size_t x = qubit(a), y = qubit(b), dim = dimension();
    check_distinct(x, y, "rzz");
    amp_t same = cis(-theta / 2), differ = cis(theta / 2);
    for (size_t i = 0; i < dim; i++) {
        amp_t p = (!(i & x) == !(i & y)) ? same : differ, v = rt.amp[i];
        rt.amp[i].re = v.re * p.re - v.im * p.im;
        rt.amp[i].im = v.re * p.im + v.im * p.re;
    }
}

void __quantum__qis__barrier__body(void) { require_live("__quantum__qis__barrier__body"); }

/* --- measurement -------------------------------------------------------------------- */

static void set_result(const Result *pointer, int value)
{
    uintptr_t id = (uintptr_t)pointer;
    if (id >= rt.num_results) {
        size_t size = rt.num_results ? rt.num_results : 8;
        while (size <= id)
            size *= 2;
        unsigned char *grown = realloc(rt.results, size);
        if (grown == NULL)
            fail("not enough memory for %lu results", (unsigned long)id + 1);
        memset(grown + rt.num_results, 0, size - rt.num_results);
        rt.results = grown;
        rt.num_results = size;
    }
    rt.results[id] = (unsigned char)value;
}

/* Measure in the Z basis and collapse; returns 0 or 1. */
static int measure(const Qubit *pointer)
{
    uintptr_t q = (uintptr_t)pointer;
    flush_measurements();
    if (q >= rt.nq)
        return 0; /* never touched: still |0> */
    size_t bit = (size_t)1 << q, half = dimension() >> 1;
    double one = 0.0;
    for (size_t k = 0; k < half; k++) {
        size_t i = spread(k, bit) | bit;
        one += rt.amp[i].re * rt.amp[i].re + rt.amp[i].im * rt.amp[i].im;
    }
    int outcome = uniform() < one;
    double norm = 1.0 / sqrt(outcome ? one : 1.0 - one);
    size_t keep = outcome ? bit : 0, drop = bit ^ keep;
    for (size_t k = 0; k < half; k++) {
        size_t base = spread(k, bit);
        rt.amp[base | keep].re *= norm;
        rt.amp[base | keep].im *= norm;
        rt.amp[base | drop].re = 0.0;
        rt.amp[base | drop].im = 0.0;
    }
    return outcome;
}

void __quantum__qis__mz__body(Qubit *q, Result *r)
{
    require_live("__quantum__qis__mz__body");
    uintptr_t id = (uintptr_t)q;
    if (id >= HPCQ_RT_MAX_QUBITS) {
        set_result(r, measure(q));
        return;
    }
    if ((rt.pending >> id) & 1)
        flush_measurements();
    set_result(r, 0); /* grows the results now; the value comes with the flush */
    rt.pending |= (size_t)1 << id;
    rt.pending_result[id] = (uintptr_t)r;
}

/* Sample every pending measurement at once: draw one basis state from the joint
 * distribution, read the pending qubits' bits from it, and project onto them. */
static void flush_measurements(void)
{
    size_t pending = rt.pending;
    rt.pending = 0;
    if (pending == 0)
        return;
    size_t mask = pending & (dimension() - 1), dim = dimension(), sampled = 0;
    double u = uniform(), total = 0.0;
    for (size_t i = 0; i < dim; i++) {
        double p = rt.amp[i].re * rt.amp[i].re + rt.amp[i].im * rt.amp[i].im;
        if (p > 0.0)
            sampled = i; /* rounding may leave u above the total: take the last state */
        total += p;
        if (total > u)
            break;
    }
    size_t want = sampled & mask;
    double kept = 0.0;
    for (size_t i = 0; i < dim; i++) {
        if ((i & mask) == want) {
            kept += rt.amp[i].re * rt.amp[i].re + rt.amp[i].im * rt.amp[i].im;
        } else {
            rt.amp[i].re = 0.0;
            rt.amp[i].im = 0.0;
        }
    }
    double norm = 1.0 / sqrt(kept);
    size_t count = dim >> popcount(mask);
    for (size_t k = 0; k < count; k++) {
        size_t i = spread(k, mask) | want;
        rt.amp[i].re *= norm;
        rt.amp[i].im *= norm;
    }
    for (unsigned q = 0; q < HPCQ_RT_MAX_QUBITS; q++)
        if ((pending >> q) & 1)
            rt.results[rt.pending_result[q]] = (unsigned char)((sampled >> q) & 1);
}

void __quantum__qis__reset__body(Qubit *q)
{
    require_live("__quantum__qis__reset__body");
    if (measure(q))
        apply_flip(0, qubit(q), ONE, ONE);
}

void __quantum__qis__mresetz__body(Qubit *q, Result *r)
{
    require_live("__quantum__qis__mresetz__body");
    int outcome = measure(q);
    set_result(r, outcome);
    if (outcome)
        apply_flip(0, qubit(q), ONE, ONE);
}

int hpcq_rt_result(int64_t id)
{
    require_live("hpcq_rt_result");
    flush_measurements();
    return id >= 0 && (uint64_t)id < rt.num_results ? rt.results[id] : 0;
}

bool __quantum__rt__read_result(Result *r)
{
    require_live("__quantum__rt__read_result");
    return hpcq_rt_result((int64_t)(uintptr_t)r) != 0;
}

bool __quantum__qis__read_result__body(Result *r) { return __quantum__rt__read_result(r); }

int hpcq_rt_num_qubits(void) { return (int)rt.nq; }

/* --- output ------------------------------------------------------------------------- */

static FILE *output(const char *what)
{
    require_live(what);
    return rt.out != NULL ? rt.out : stdout;
}

static const char *tab_label(const char *label) { return label != NULL ? label : ""; }

static void record(const char *what, const char *kind, const char *value, const char *label)
{
    FILE *out = output(what);
    if (label != NULL && label[0] != '\0')
        fprintf(out, "OUTPUT\t%s\t%s\t%s\n", kind, value, tab_label(label));
    else
        fprintf(out, "OUTPUT\t%s\t%s\n", kind, value);
}

void __quantum__rt__tuple_record_output(int64_t size, const char *label)
{
    char text[32];
    snprintf(text, sizeof text, "%lld", (long long)size);
    record("__quantum__rt__tuple_record_output", "TUPLE", text, label);
}

void __quantum__rt__array_record_output(int64_t size, const char *label)
{
    char text[32];
    snprintf(text, sizeof text, "%lld", (long long)size);
    record("__quantum__rt__array_record_output", "ARRAY", text, label);
}

void __quantum__rt__result_record_output(Result *r, const char *label)
{
    record("__quantum__rt__result_record_output", "RESULT",
           hpcq_rt_result((int64_t)(uintptr_t)r) ? "1" : "0", label);
}

void __quantum__rt__bool_record_output(bool value, const char *label)
{
    record("__quantum__rt__bool_record_output", "BOOL", value ? "true" : "false", label);
}

void __quantum__rt__int_record_output(int64_t value, const char *label)
{
    char text[32];
    snprintf(text, sizeof text, "%lld", (long long)value);
    record("__quantum__rt__int_record_output", "INT", text, label);
}

void __quantum__rt__double_record_output(double value, const char *label)
{
    char text[64];
    snprintf(text, sizeof text, "%.17g", value);
    record("__quantum__rt__double_record_output", "DOUBLE", text, label);
}

static void close_output(void)
{
    if (rt.out != NULL) {
        fflush(rt.out);
        if (rt.own_out)
            fclose(rt.out);
    } else {
        fflush(stdout);
    }
    rt.out = NULL;
    rt.own_out = 0;
}

int hpcq_rt_set_output_path(const char *path)
{
    close_output();
    if (path == NULL)
        return 0;
    rt.out = fopen(path, "w");
    if (rt.out == NULL)
        return -1;
    rt.own_out = 1;
    return 0;
}

/* --- lifecycle ------------------------------------------------------------------------ */

void __quantum__rt__initialize(char *reserved)
{
    (void)reserved;
    if (rt.phase == RT_FINALIZED)
        fail("__quantum__rt__initialize called after __quantum__rt__finalize");
    if (rt.phase == RT_LIVE)
        return; /* idempotent: runners call it before every shot */
    if (!rt.seeded)
        hpcq_rt_seed((uint64_t)time(NULL) ^ ((uint64_t)clock() << 32));
    ensure_capacity(1, 0);
    rt.phase = RT_LIVE;
    reset_state();
}

void __quantum__rt__initialize_default(void) { __quantum__rt__initialize(NULL); }

static int parse_count(const char *text, long long *value)
{
    char *end;
    errno = 0;
    *value = strtoll(text, &end, 10);
    return errno == 0 && end != text && *end == '\0';
}

static void usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "%s: error: ", rt.program);
    fprintf(stderr, fmt, arg);
    fprintf(stderr, " (try --help)\n");
    exit(2);
}

void __quantum__rt__initialize_args(int32_t argc, char **argv)
{
    if (rt.phase == RT_FINALIZED)
        fail("__quantum__rt__initialize_args called after __quantum__rt__finalize");
    rt.argc = argc;
    rt.argv = argv;
    rt.program = argc > 0 && argv[0] != NULL ? argv[0] : "program";
    rt.shots = 1;
    free(rt.positional);
    rt.positional = malloc(sizeof(char *) * (argc > 0 ? (size_t)argc : 1));
    if (rt.positional == NULL)
        fail("out of memory");
    rt.num_positional = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *value = NULL;
        int is_shots = strncmp(arg, "--shots", 7) == 0 && (arg[7] == '\0' || arg[7] == '=');
        int is_seed = strncmp(arg, "--seed", 6) == 0 && (arg[6] == '\0' || arg[6] == '=');
        if (is_shots || is_seed) {
            const char *eq = strchr(arg, '=');
            if (eq != NULL)
                value = eq + 1;
            else if (i + 1 < argc)
                value = argv[++i];
            else
                usage_error("%s needs a value", arg);
            long long number;
            if (!parse_count(value, &number) || number < (is_shots ? 1 : 0))
                usage_error(is_shots ? "--shots needs a positive integer, not '%s'"
                                     : "--seed needs a non-negative integer, not '%s'",
                            value);
            if (is_shots)
                rt.shots = number;
            else
                hpcq_rt_seed((uint64_t)number);
        } else if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            rt.help = 1;
        } else if (strcmp(arg, "--") == 0) {
            while (++i < argc)
                rt.positional[rt.num_positional++] = argv[i];
        } else if (arg[0] == '-' && arg[1] == '-') {
            usage_error("unknown option '%s'", arg);
        } else {
            rt.positional[rt.num_positional++] = argv[i];
        }
    }
    __quantum__rt__initialize(NULL);
}

void __hpcq__rt__bind_params(int32_t count, const char *const *names, double *values)
{
    require_live("__hpcq__rt__bind_params");
    const char *program = rt.program != NULL ? rt.program : "program";
    if (rt.help || rt.num_positional != count) {
        FILE *to = rt.help ? stdout : stderr;
        fprintf(to, "usage: %s [--shots N] [--seed S]", program);
        for (int i = 0; i < count; i++)
            fprintf(to, " %s", names[i]);
        fprintf(to, "\n");
        if (rt.help) {
            fprintf(to, "Runs the program's entry point once per shot (default 1 shot).\n");
            for (int i = 0; i < count; i++)
                fprintf(to, "  %-12s a real number (double)\n", names[i]);
            exit(0);
        }
        fprintf(stderr, "%s: error: expected %d parameter(s), got %d\n", program, count,
                rt.num_positional);
        exit(2);
    }
    for (int i = 0; i < count; i++) {
        char *end;
        errno = 0;
        values[i] = strtod(rt.positional[i], &end);
        if (errno != 0 || end == rt.positional[i] || *end != '\0' || !isfinite(values[i])) {
            fprintf(stderr, "usage: %s [--shots N] [--seed S]", program);
            for (int k = 0; k < count; k++)
                fprintf(stderr, " %s", names[k]);
            fprintf(stderr, "\n%s: error: parameter %s must be a real number, not '%s'\n",
                    program, names[i], rt.positional[i]);
            exit(2);
        }
    }
}

int64_t __hpcq__rt__shots(void)
{
    require_live("__hpcq__rt__shots");
    return rt.shots > 0 ? rt.shots : 1;
}

void __hpcq__rt__shot_begin(const char *metadata)
{
    FILE *out = output("__hpcq__rt__shot_begin");
    reset_state();
    fputs("START\n", out);
    while (metadata != NULL && *metadata != '\0') {
        const char *end = strchr(metadata, '\n');
        size_t length = end != NULL ? (size_t)(end - metadata) : strlen(metadata);
        fprintf(out, "METADATA\t%.*s\n", (int)length, metadata);
        metadata += length + (end != NULL);
    }
}

void __hpcq__rt__shot_end(int64_t status)
{
    fprintf(output("__hpcq__rt__shot_end"), "END\t%lld\n", (long long)status);
}

void __quantum__rt__begin_function(const char *name)
{
    if (rt.phase != RT_LIVE)
        fail("quantum function '%s' called %s", name != NULL ? name : "?",
             rt.phase == RT_NEW ? "before __quantum__rt__initialize"
                                : "after __quantum__rt__finalize");
    if (rt.depth++ == 0)
        reset_state();
}

void __quantum__rt__end_function(const char *name)
{
    require_live("__quantum__rt__end_function");
    if (rt.depth <= 0)
        fail("__quantum__rt__end_function('%s') without a matching begin",
             name != NULL ? name : "?");
    rt.depth--;
}

void __quantum__rt__finalize(void)
{
    if (rt.phase == RT_NEW)
        fail("__quantum__rt__finalize called before __quantum__rt__initialize");
    if (rt.phase == RT_FINALIZED)
        fail("__quantum__rt__finalize called twice");
    close_output();
    free(rt.amp);
    free(rt.results);
    free(rt.positional);
    rt.amp = NULL;
    rt.results = NULL;
    rt.positional = NULL;
    rt.capacity = 0;
    rt.num_results = 0;
    rt.num_positional = 0;
    rt.nq = 0;
    rt.depth = 0;
    rt.phase = RT_FINALIZED;
}

int hpcq_rt_run_session(int64_t (*shot)(const double *), const double *params, int64_t shots,
                        uint64_t seed, const char *metadata, const char *output_path,
                        char *error, size_t error_size)
{
    jmp_buf jump;
    /* A new session: whatever an earlier one left is released first. */
    if (rt.phase == RT_LIVE)
        __quantum__rt__finalize();
    memset(&rt, 0, sizeof rt);
    if (setjmp(jump) != 0) {
        rt.jump = NULL;
        if (error != NULL && error_size > 0)
            snprintf(error, error_size, "%s", rt.message);
        if (rt.phase == RT_LIVE)
            __quantum__rt__finalize();
        return 1;
    }
    rt.jump = &jump;
    hpcq_rt_seed(seed);
    __quantum__rt__initialize(NULL);
    if (hpcq_rt_set_output_path(output_path) != 0)
        fail("cannot write output to %s", output_path);
    for (int64_t i = 0; i < shots; i++) {
        __hpcq__rt__shot_begin(metadata);
        __hpcq__rt__shot_end(shot(params));
    }
    __quantum__rt__finalize();
    rt.jump = NULL;
    return 0;
}
