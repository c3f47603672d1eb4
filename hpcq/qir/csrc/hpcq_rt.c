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
    /* gates recorded since the state was last brought up to date */
    struct op *ops;
    size_t nops, ops_capacity;
    uint64_t hash;    /* of the recorded gates, for the shot cache */
    unsigned ops_nq;  /* qubits the recorded gates need */
    int fresh;        /* the shot's state is |0...0> plus the recorded gates */
    int use_cache;    /* the shot cache is on (HPCQ_QIR_SHOT_CACHE, --no-shot-cache) */
    int no_cache_flag;
    /* view: the state is the shot cache's, projected by (proj_mask, proj_want) if
     * projecting; it is copied into amp only when the shot needs it */
    int view, projecting;
    size_t proj_mask, proj_want;
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
    /* loop iterations in this shot, and the most allowed */
    uint64_t loop_steps, max_loop_steps;
    /* --counts / --json: shots are tallied by their key instead of printed */
    int summary; /* 0 records, 1 counts table, 2 JSON */
    int in_shot;
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

static void flush_measurements(void);

/* --- state vector kernels ------------------------------------------------------------ */

/* Gates are not applied when called: they are recorded (see "deferred gates" below) and
 * applied in order when something needs the state. The kernels work on rt.amp. */

static const amp_t ONE = {1.0, 0.0};
static const double QUARTER_PI = 0.78539816339744830962;

static amp_t cis(double angle)
{
    amp_t out = {cos(angle), sin(angle)};
    return out;
}

static amp_t cmul(amp_t a, amp_t b)
{
    amp_t out = {a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re};
    return out;
}

/* |amplitude|^2: the one formula every sampling path uses (bit-identical results). */
static double norm2(amp_t a) { return a.re * a.re + a.im * a.im; }

static size_t dimension(void) { return (size_t)1 << rt.nq; }

static unsigned popcount(size_t mask)
{
    unsigned count = 0;
    for (; mask != 0; mask &= mask - 1)
        count++;
    return count;
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

/* Apply [[m00, m01], [m10, m11]] on the qubit with mask `bit`. */
static void apply_1q(size_t bit, amp_t m00, amp_t m01, amp_t m10, amp_t m11)
{
    amp_t *restrict v = rt.amp;
    size_t dim = dimension();
    for (size_t hi = 0; hi < dim; hi += 2 * bit) {
        for (size_t i = hi; i < hi + bit; i++) {
            amp_t a = v[i], b = v[i + bit];
            v[i].re = m00.re * a.re - m00.im * a.im + m01.re * b.re - m01.im * b.im;
            v[i].im = m00.re * a.im + m00.im * a.re + m01.re * b.im + m01.im * b.re;
            v[i + bit].re = m10.re * a.re - m10.im * a.im + m11.re * b.re - m11.im * b.im;
            v[i + bit].im = m10.re * a.im + m10.im * a.re + m11.re * b.im + m11.im * b.re;
        }
    }
}

/* Multiply the amplitudes with bit `bit` clear by `lo` and those with it set by `hi`. */
static void apply_diag_1q(size_t bit, amp_t lo, amp_t hi)
{
    amp_t *restrict v = rt.amp;
    size_t dim = dimension();
    for (size_t block = 0; block < dim; block += 2 * bit) {
        for (size_t i = block; i < block + bit; i++) {
            v[i] = cmul(v[i], lo);
            v[i + bit] = cmul(v[i + bit], hi);
        }
    }
}

/* Multiply the amplitudes whose `mask` bits are all set by `phase`. */
static void apply_phase(size_t mask, amp_t phase)
{
    amp_t *restrict v = rt.amp;
    size_t count = dimension() >> popcount(mask);
    for (size_t k = 0; k < count; k++) {
        size_t i = spread(k, mask) | mask;
        v[i] = cmul(v[i], phase);
    }
}

/* For every i with the `controls` bits set and the (single) `flip` bit clear:
 * new[i | flip] = to_hi * old[i], new[i] = to_lo * old[i | flip]. */
static void flip_pair(size_t i, size_t j, int plain, amp_t to_hi, amp_t to_lo)
{
    amp_t *restrict v = rt.amp;
    amp_t a = v[i], b = v[j];
    if (plain) {
        v[j] = a;
        v[i] = b;
        return;
    }
    v[j] = cmul(to_hi, a);
    v[i] = cmul(to_lo, b);
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

static void apply_h(size_t bit)
{
    amp_t *restrict v = rt.amp;
    size_t dim = dimension();
    const double r = 0.70710678118654752440;
    for (size_t hi = 0; hi < dim; hi += 2 * bit) {
        for (size_t i = hi; i < hi + bit; i++) {
            amp_t a = v[i], b = v[i + bit];
            v[i].re = r * (a.re + b.re);
            v[i].im = r * (a.im + b.im);
            v[i + bit].re = r * (a.re - b.re);
            v[i + bit].im = r * (a.im - b.im);
        }
    }
}

static void apply_swap(size_t x, size_t y)
{
    amp_t *restrict v = rt.amp;
    size_t dim = dimension();
    for (size_t i = 0; i < dim; i++) {
        if ((i & x) && !(i & y)) {
            size_t j = i ^ x ^ y;
            amp_t t = v[i];
            v[i] = v[j];
            v[j] = t;
        }
    }
}

/* exp(-i theta/2 P(x)P) for P = X or Y, on the pairs (i, i ^ (a|b)). */
static void apply_pair_rotation(size_t a, size_t b, double theta, int yy)
{
    amp_t *restrict v = rt.amp;
    size_t dim = dimension(), both = a | b;
    double c = cos(theta / 2), s = sin(theta / 2);
    for (size_t i = 0; i < dim; i++) {
        if (i & a)
            continue; /* visit each pair once, from the member with bit a clear */
        size_t j = i ^ both;
        /* XX maps |i> to |j> with +1; YY with -1 when the bits are equal, +1 otherwise. */
        double sign = (yy && !(i & b)) ? -1.0 : 1.0;
        amp_t x = v[i], y = v[j];
        /* new_i = c x - i s sign y ; new_j = c y - i s sign x */
        v[i].re = c * x.re + s * sign * y.im;
        v[i].im = c * x.im - s * sign * y.re;
        v[j].re = c * y.re + s * sign * x.im;
        v[j].im = c * y.im - s * sign * x.re;
    }
}

static void apply_rzz(size_t x, size_t y, double theta)
{
    amp_t *restrict v = rt.amp;
    size_t dim = dimension();
    amp_t same = cis(-theta / 2), differ = cis(theta / 2);
    for (size_t i = 0; i < dim; i++)
        v[i] = cmul(v[i], (!(i & x) == !(i & y)) ? same : differ);
}

/* --- deferred gates and the shot cache ------------------------------------------------ */

/* A recorded gate. 24 bytes without padding, so sequences compare with memcmp; unused
 * qubit slots are 0. */
typedef struct op {
    double theta;
    int32_t kind;
    int32_t q[3];
} op_t;

enum {
    OP_H, OP_X, OP_Y, OP_Z, OP_S, OP_SDG, OP_T, OP_TDG, OP_SX, OP_RX, OP_RY, OP_RZ,
    OP_CX, OP_CY, OP_CZ, OP_SWAP, OP_CCX, OP_RXX, OP_RYY, OP_RZZ,
    OP_CU /* a single-qubit gate (kind q[2], angle theta) on q[1], controlled by q[0] */
};

/* More recorded gates than this are applied at once (and the shot is not cached). */
#define OPS_LIMIT ((size_t)1 << 18)
/* Cumulative probabilities (8 bytes per amplitude) are kept up to this many qubits. */
#define CUM_MAX_QUBITS 28
#define HASH_START 0xCBF29CE484222325ULL

static struct {
    int valid;
    op_t *ops;          /* the gates from |0...0> that produced `amp` */
    size_t nops, ops_capacity;
    uint64_t hash;
    amp_t *amp;         /* the state before the shot's first measurement */
    size_t capacity;
    unsigned nq;
    double *cum;        /* running sums of |amp|^2, built at the second sampling */
    size_t last_nonzero;
    unsigned long uses;
} cache;

static uint64_t mix(uint64_t h, uint64_t value)
{
    h = (h ^ value) * 0x100000001B3ULL;
    return h ^ (h >> 29);
}

static void clear_ops(void)
{
    rt.nops = 0;
    rt.ops_nq = 0;
    rt.hash = HASH_START;
}

/* A new shot (or outermost quantum function): |0...0>, no results, nothing recorded. */
static void reset_state(void)
{
    rt.nq = 0;
    rt.pending = 0;
    rt.view = 0;
    rt.projecting = 0;
    rt.fresh = 1;
    rt.loop_steps = 0;
    clear_ops();
    if (rt.results != NULL)
        memset(rt.results, 0, rt.num_results);
}

static void cache_invalidate(void)
{
    free(cache.cum);
    cache.cum = NULL;
    cache.valid = 0;
}

static void cache_free(void)
{
    cache_invalidate();
    free(cache.ops);
    free(cache.amp);
    memset(&cache, 0, sizeof cache);
}

static void swap_buffers(void)
{
    amp_t *amp = rt.amp;
    size_t capacity = rt.capacity;
    rt.amp = cache.amp;
    rt.capacity = cache.capacity;
    cache.amp = amp;
    cache.capacity = capacity;
}

static int try_capacity(size_t needed)
{
    if (needed <= rt.capacity)
        return 1;
    amp_t *grown = realloc(rt.amp, needed * sizeof(amp_t));
    if (grown == NULL)
        return 0;
    rt.amp = grown;
    rt.capacity = needed;
    return 1;
}

static void ensure_capacity(size_t needed, unsigned qubits)
{
    if (try_capacity(needed))
        return;
    if (cache.amp != NULL && !rt.view) { /* give up the cached state before giving up */
        cache_invalidate();
        free(cache.amp);
        cache.amp = NULL;
        cache.capacity = 0;
        if (try_capacity(needed))
            return;
    }
    fail("not enough memory for a state vector of %u qubits (%.1f MiB)", qubits,
         (double)needed * sizeof(amp_t) / 1048576.0);
}

/* Keep the amplitudes whose `mask` bits equal `want`, zero the others, renormalize. */
static void project(size_t mask, size_t want)
{
    amp_t *restrict v = rt.amp;
    size_t dim = dimension();
    double kept = 0.0;
    for (size_t i = 0; i < dim; i++) {
        if ((i & mask) == want) {
            kept += norm2(v[i]);
        } else {
            v[i].re = 0.0;
            v[i].im = 0.0;
        }
    }
    double norm = 1.0 / sqrt(kept);
    for (size_t i = 0; i < dim; i++) {
        if ((i & mask) == want) {
            v[i].re *= norm;
            v[i].im *= norm;
        }
    }
}

/* The state is the cache's (rt.view): copy it into the working buffer, projected by a
 * measurement sampled from it if any. Without memory for a copy, take the cache's. */
static void materialize(void)
{
    if (!rt.view)
        return;
    size_t dim = (size_t)1 << cache.nq;
    if (try_capacity(dim)) {
        memcpy(rt.amp, cache.amp, dim * sizeof(amp_t));
    } else {
        swap_buffers();
        cache_invalidate();
    }
    rt.nq = cache.nq;
    rt.view = 0;
    if (rt.projecting) {
        rt.projecting = 0;
        project(rt.proj_mask, rt.proj_want);
    }
}

static void apply_op(const op_t *op)
{
    size_t a = (size_t)1 << op->q[0], b = (size_t)1 << op->q[1], c = (size_t)1 << op->q[2];
    double theta = op->theta;
    amp_t plus_i = {0.0, 1.0}, minus_i = {0.0, -1.0}, minus = {-1.0, 0.0};
    switch (op->kind) {
    case OP_H: apply_h(a); break;
    case OP_X: apply_flip(0, a, ONE, ONE); break;
    case OP_Y: apply_flip(0, a, plus_i, minus_i); break;
    case OP_Z: apply_phase(a, minus); break;
    case OP_S: apply_phase(a, plus_i); break;
    case OP_SDG: apply_phase(a, minus_i); break;
    case OP_T: apply_phase(a, cis(QUARTER_PI)); break;
    case OP_TDG: apply_phase(a, cis(-QUARTER_PI)); break;
    case OP_SX: {
        amp_t p = {0.5, 0.5}, m = {0.5, -0.5};
        apply_1q(a, p, m, m, p);
        break;
    }
    case OP_RX: {
        amp_t co = {cos(theta / 2), 0.0}, si = {0.0, -sin(theta / 2)};
        apply_1q(a, co, si, si, co);
        break;
    }
    case OP_RY: {
        amp_t co = {cos(theta / 2), 0.0}, si = {sin(theta / 2), 0.0};
        amp_t ms = {-sin(theta / 2), 0.0};
        apply_1q(a, co, ms, si, co);
        break;
    }
    case OP_RZ: apply_diag_1q(a, cis(-theta / 2), cis(theta / 2)); break;
    case OP_CX: apply_flip(a, b, ONE, ONE); break;
    case OP_CY: apply_flip(a, b, plus_i, minus_i); break;
    case OP_CZ: apply_phase(a | b, minus); break;
    case OP_SWAP: apply_swap(a, b); break;
    case OP_CCX: apply_flip(a | b, c, ONE, ONE); break;
    case OP_RXX: apply_pair_rotation(a, b, theta, 0); break;
    case OP_RYY: apply_pair_rotation(a, b, theta, 1); break;
    case OP_RZZ: apply_rzz(a, b, theta); break;
    default: fail("internal error: unknown recorded gate %d", (int)op->kind);
    }
}

/* --- gate fusion ---------------------------------------------------------------------- */

/* Recorded gates are applied in fewer passes over the state: single-qubit gates wait on
 * their wire and multiply into one 2x2 (they commute with gates on other wires); a run of
 * gates on the same pair of qubits multiplies into one 4x4 together with the waiting
 * single-qubit gates of that pair. A 4x4 is applied as a diagonal (one multiplication
 * per amplitude), a permutation with phases, or a dense matrix. Matrices are in the
 * (first qubit = least significant bit) order. */

typedef amp_t mat2[2][2];
typedef amp_t mat4[4][4];

static const amp_t ZERO = {0.0, 0.0};

static amp_t cadd(amp_t a, amp_t b)
{
    amp_t out = {a.re + b.re, a.im + b.im};
    return out;
}

static int is_zero(amp_t a) { return a.re == 0.0 && a.im == 0.0; }
static int is_one(amp_t a) { return a.re == 1.0 && a.im == 0.0; }

static void set2(mat2 m, amp_t m00, amp_t m01, amp_t m10, amp_t m11)
{
    m[0][0] = m00;
    m[0][1] = m01;
    m[1][0] = m10;
    m[1][1] = m11;
}

static void op_matrix1(const op_t *op, mat2 m)
{
    const double r = 0.70710678118654752440, half = op->theta / 2;
    amp_t plus_i = {0.0, 1.0}, minus_i = {0.0, -1.0}, minus = {-1.0, 0.0};
    amp_t rp = {r, 0.0}, rm = {-r, 0.0};
    switch (op->kind) {
    case OP_H: set2(m, rp, rp, rp, rm); break;
    case OP_X: set2(m, ZERO, ONE, ONE, ZERO); break;
    case OP_Y: set2(m, ZERO, minus_i, plus_i, ZERO); break;
    case OP_Z: set2(m, ONE, ZERO, ZERO, minus); break;
    case OP_S: set2(m, ONE, ZERO, ZERO, plus_i); break;
    case OP_SDG: set2(m, ONE, ZERO, ZERO, minus_i); break;
    case OP_T: set2(m, ONE, ZERO, ZERO, cis(QUARTER_PI)); break;
    case OP_TDG: set2(m, ONE, ZERO, ZERO, cis(-QUARTER_PI)); break;
    case OP_SX: {
        amp_t p = {0.5, 0.5}, q = {0.5, -0.5};
        set2(m, p, q, q, p);
        break;
    }
    case OP_RX: {
        amp_t c = {cos(half), 0.0}, s = {0.0, -sin(half)};
        set2(m, c, s, s, c);
        break;
    }
    case OP_RY: {
        amp_t c = {cos(half), 0.0}, s = {sin(half), 0.0}, ms = {-sin(half), 0.0};
        set2(m, c, ms, s, c);
        break;
    }
    case OP_RZ: set2(m, cis(-half), ZERO, ZERO, cis(half)); break;
    default: fail("internal error: gate %d is not a single-qubit gate", (int)op->kind);
    }
}

/* The 4x4 of a two-qubit gate, basis index = bit(q[0]) + 2 bit(q[1]). */
static void op_matrix2(const op_t *op, mat4 m)
{
    const double half = op->theta / 2;
    amp_t plus_i = {0.0, 1.0}, minus_i = {0.0, -1.0}, minus = {-1.0, 0.0};
    for (int r = 0; r < 4; r++)
        for (int c = 0; c < 4; c++)
            m[r][c] = ZERO;
    switch (op->kind) {
    case OP_CX:
        m[0][0] = m[2][2] = m[3][1] = m[1][3] = ONE;
        break;
    case OP_CY:
        m[0][0] = m[2][2] = ONE;
        m[3][1] = plus_i;
        m[1][3] = minus_i;
        break;
    case OP_CZ:
        m[0][0] = m[1][1] = m[2][2] = ONE;
        m[3][3] = minus;
        break;
    case OP_SWAP:
        m[0][0] = m[1][2] = m[2][1] = m[3][3] = ONE;
        break;
    case OP_RZZ:
        m[0][0] = m[3][3] = cis(-half);
        m[1][1] = m[2][2] = cis(half);
        break;
    case OP_RXX:
    case OP_RYY:
        for (int k = 0; k < 4; k++) {
            /* YY takes |k> to -|k^3> when the two bits are equal, +|k^3> otherwise */
            double sign = (op->kind == OP_RYY && (k == 0 || k == 3)) ? -1.0 : 1.0;
            amp_t off = {0.0, -sin(half) * sign};
            m[k][k].re = cos(half);
            m[k ^ 3][k] = off;
        }
        break;
    case OP_CU: {
        /* identity while the control (the low bit) is 0; the gate on the high bit else */
        op_t base = {op->theta, op->q[2], {0, 0, 0}};
        mat2 u;
        op_matrix1(&base, u);
        m[0][0] = m[2][2] = ONE;
        m[1][1] = u[0][0];
        m[1][3] = u[0][1];
        m[3][1] = u[1][0];
        m[3][3] = u[1][1];
        break;
    }
    default: fail("internal error: gate %d is not a two-qubit gate", (int)op->kind);
    }
}

static void mul2(mat2 out, mat2 a, mat2 b) /* out = a b; out may alias b */
{
    mat2 t;
    for (int r = 0; r < 2; r++)
        for (int c = 0; c < 2; c++)
            t[r][c] = cadd(cmul(a[r][0], b[0][c]), cmul(a[r][1], b[1][c]));
    memcpy(out, t, sizeof t);
}

static void mul4(mat4 out, mat4 a, mat4 b) /* out = a b; out may alias b */
{
    mat4 t;
    for (int r = 0; r < 4; r++)
        for (int c = 0; c < 4; c++) {
            amp_t sum = cmul(a[r][0], b[0][c]);
            for (int k = 1; k < 4; k++)
                sum = cadd(sum, cmul(a[r][k], b[k][c]));
            t[r][c] = sum;
        }
    memcpy(out, t, sizeof t);
}

/* u0 on the low bit, u1 on the high bit. */
static void kron(mat4 out, mat2 u0, mat2 u1)
{
    for (int r = 0; r < 4; r++)
        for (int c = 0; c < 4; c++)
            out[r][c] = cmul(u0[r & 1][c & 1], u1[r >> 1][c >> 1]);
}

static int swap_bits(int k) { return ((k & 1) << 1) | (k >> 1); }

/* Diagonal gates commute with each other, so a run of them waits in a group and is
 * applied in one pass: with the index split into L low bits and the high rest, for each
 * value of the high bits every term is a constant, a one-bit factor on a low qubit, or
 * (both qubits low) part of a table over the low bits computed once; the product over
 * the low bits is built by doubling, so a pass costs a few multiplications per
 * amplitude however many terms the group holds. */

#define DIAG_MAX_TERMS 512
#define DIAG_LOW_BITS 10

typedef struct {
    int32_t a, b; /* b < 0: a one-qubit term d[0], d[1]; else index bit(a) + 2 bit(b) */
    amp_t d[4];
} dterm_t;

static struct {
    dterm_t terms[DIAG_MAX_TERMS];
    int count;
    size_t qubits; /* mask of the qubits the terms act on */
    amp_t low[1 << DIAG_LOW_BITS], table[1 << DIAG_LOW_BITS];
    amp_t factor[DIAG_LOW_BITS][2];
} diag;

static void diag_apply(void)
{
    if (diag.count == 0)
        return;
    amp_t *restrict v = rt.amp;
    unsigned low_bits = rt.nq < DIAG_LOW_BITS ? rt.nq : DIAG_LOW_BITS;
    size_t width = (size_t)1 << low_bits, dim = dimension();
    int32_t limit = (int32_t)low_bits;
    /* the terms on low qubits only, tabulated once */
    for (size_t l = 0; l < width; l++)
        diag.low[l] = ONE;
    for (int k = 0; k < diag.count; k++) {
        const dterm_t *t = &diag.terms[k];
        if (t->a >= limit || t->b >= limit)
            continue;
        for (size_t l = 0; l < width; l++) {
            size_t index = (l >> t->a) & 1;
            if (t->b >= 0)
                index |= ((l >> t->b) & 1) << 1;
            diag.low[l] = cmul(diag.low[l], t->d[index]);
        }
    }
    for (size_t base = 0; base < dim; base += width) {
        amp_t constant = ONE;
        for (unsigned q = 0; q < low_bits; q++)
            diag.factor[q][0] = diag.factor[q][1] = ONE;
        int any = 0;
        for (int k = 0; k < diag.count; k++) {
            const dterm_t *t = &diag.terms[k];
            int a_low = t->a < limit, b_low = t->b < limit; /* b < 0 counts as low */
            if (a_low && b_low)
                continue;
            size_t bit_a = (base >> t->a) & 1;
            if (t->b < 0) {
                constant = cmul(constant, t->d[bit_a]);
            } else if (!a_low && !b_low) {
                constant = cmul(constant, t->d[bit_a | ((base >> t->b) & 1) << 1]);
            } else if (a_low) { /* b high: a one-bit factor on a */
                size_t high = ((base >> t->b) & 1) << 1;
                diag.factor[t->a][0] = cmul(diag.factor[t->a][0], t->d[high]);
                diag.factor[t->a][1] = cmul(diag.factor[t->a][1], t->d[high | 1]);
                any = 1;
            } else { /* a high: a one-bit factor on b */
                diag.factor[t->b][0] = cmul(diag.factor[t->b][0], t->d[bit_a]);
                diag.factor[t->b][1] = cmul(diag.factor[t->b][1], t->d[bit_a | 2]);
                any = 1;
            }
        }
        amp_t *restrict table = diag.table;
        table[0] = constant;
        size_t filled = 1;
        for (unsigned q = 0; q < low_bits; q++, filled *= 2) {
            amp_t f0 = diag.factor[q][0], f1 = diag.factor[q][1];
            if (!any) { /* no one-bit factors: a constant table */
                for (size_t l = 0; l < filled; l++)
                    table[l + filled] = table[l];
                continue;
            }
            for (size_t l = 0; l < filled; l++) {
                table[l + filled] = cmul(table[l], f1);
                table[l] = cmul(table[l], f0);
            }
        }
        amp_t *restrict block = v + base;
        for (size_t l = 0; l < width; l++)
            block[l] = cmul(block[l], cmul(table[l], diag.low[l]));
    }
    diag.count = 0;
    diag.qubits = 0;
}

static void diag_add(int32_t a, int32_t b, const amp_t *d, int n)
{
    if (diag.count == DIAG_MAX_TERMS)
        diag_apply();
    dterm_t *t = &diag.terms[diag.count++];
    t->a = a;
    t->b = b;
    for (int k = 0; k < n; k++)
        t->d[k] = d[k];
    diag.qubits |= (size_t)1 << a;
    if (b >= 0)
        diag.qubits |= (size_t)1 << b;
}

/* Before a non-diagonal pass on the qubits `mask`: the waiting diagonals that do not
 * commute with it go first. */
static void diag_before(size_t mask)
{
    if (diag.qubits & mask)
        diag_apply();
}

static void apply_u(int32_t q, mat2 u)
{
    size_t bit = (size_t)1 << q;
    if (is_zero(u[0][1]) && is_zero(u[1][0])) {
        if (!is_one(u[0][0]) || !is_one(u[1][1])) {
            amp_t d[2] = {u[0][0], u[1][1]};
            diag_add(q, -1, d, 2);
        }
        return;
    }
    diag_before(bit);
    if (is_zero(u[0][0]) && is_zero(u[1][1])) {
        apply_flip(0, bit, u[1][0], u[0][1]);
    } else {
        apply_1q(bit, u[0][0], u[0][1], u[1][0], u[1][1]);
    }
}

/* Loop over the indices with bits `a` and `b` clear: BODY sees i (base) and the masks. */
#define FOR_PAIR_BASES(a, b, ...)                                                        \
    do {                                                                                  \
        size_t lo_ = (a) < (b) ? (a) : (b), hi_ = (a) ^ (b) ^ lo_, dim_ = dimension();    \
        for (size_t h_ = 0; h_ < dim_; h_ += 2 * hi_)                                     \
            for (size_t m_ = h_; m_ < h_ + hi_; m_ += 2 * lo_)                            \
                for (size_t i = m_; i < m_ + lo_; i++) {                                  \
                    __VA_ARGS__                                                           \
                }                                                                         \
    } while (0)

static void apply_4x4(int32_t qa, int32_t qb, mat4 m)
{
    size_t a = (size_t)1 << qa, b = (size_t)1 << qb;
    amp_t *restrict v = rt.amp;
    int perm[4], diagonal = 1, monomial = 1, plain = 1;
    for (int r = 0; r < 4 && monomial; r++) {
        int found = 0;
        for (int c = 0; c < 4; c++)
            if (!is_zero(m[r][c])) {
                found++;
                perm[r] = c;
            }
        if (found != 1)
            monomial = 0;
    }
    if (monomial) {
        int seen = 0;
        for (int r = 0; r < 4; r++) {
            seen |= 1 << perm[r];
            diagonal &= perm[r] == r;
            plain &= is_one(m[r][perm[r]]);
        }
        monomial = seen == 15;
    }
    if (monomial && diagonal) {
        if (!plain) {
            amp_t d[4] = {m[0][0], m[1][1], m[2][2], m[3][3]};
            diag_add(qa, qb, d, 4);
        }
        return;
    }
    diag_before(a | b);
    if (monomial) {
        size_t off[4] = {0, a, b, a | b};
        size_t src0 = off[perm[0]], src1 = off[perm[1]], src2 = off[perm[2]], src3 = off[perm[3]];
        if (plain) {
            FOR_PAIR_BASES(a, b, {
                amp_t x0 = v[i | src0], x1 = v[i | src1], x2 = v[i | src2], x3 = v[i | src3];
                v[i] = x0;
                v[i | a] = x1;
                v[i | b] = x2;
                v[i | a | b] = x3;
            });
        } else {
            amp_t p0 = m[0][perm[0]], p1 = m[1][perm[1]], p2 = m[2][perm[2]], p3 = m[3][perm[3]];
            FOR_PAIR_BASES(a, b, {
                amp_t x0 = v[i | src0], x1 = v[i | src1], x2 = v[i | src2], x3 = v[i | src3];
                v[i] = cmul(p0, x0);
                v[i | a] = cmul(p1, x1);
                v[i | b] = cmul(p2, x2);
                v[i | a | b] = cmul(p3, x3);
            });
        }
    } else {
        FOR_PAIR_BASES(a, b, {
            amp_t x[4] = {v[i], v[i | a], v[i | b], v[i | a | b]}, y[4];
            for (int r = 0; r < 4; r++) {
                double re = 0.0, im = 0.0;
                for (int c = 0; c < 4; c++) {
                    re += m[r][c].re * x[c].re - m[r][c].im * x[c].im;
                    im += m[r][c].re * x[c].im + m[r][c].im * x[c].re;
                }
                y[r].re = re;
                y[r].im = im;
            }
            v[i] = y[0];
            v[i | a] = y[1];
            v[i | b] = y[2];
            v[i | a | b] = y[3];
        });
    }
}

static struct {
    mat2 u[HPCQ_RT_MAX_QUBITS]; /* waiting single-qubit gates, after the block */
    unsigned char has[HPCQ_RT_MAX_QUBITS];
    int in_block;
    int32_t s0, s1; /* the block's qubits: s0 is its matrix's low bit */
    mat4 m;
} fuse;

/* Absorb the waiting gates of the block's qubits into it (they come after it). */
static void absorb_waiting(void)
{
    int32_t s0 = fuse.s0, s1 = fuse.s1;
    if (!fuse.has[s0] && !fuse.has[s1])
        return;
    mat2 id = {{ONE, ZERO}, {ZERO, ONE}};
    mat4 k;
    kron(k, fuse.has[s0] ? fuse.u[s0] : id,
         fuse.has[s1] ? fuse.u[s1] : id);
    mul4(fuse.m, k, fuse.m);
    fuse.has[s0] = fuse.has[s1] = 0;
}

static void flush_block(void)
{
    if (!fuse.in_block)
        return;
    fuse.in_block = 0;
    apply_4x4(fuse.s0, fuse.s1, fuse.m);
}

static void flush_all(void)
{
    if (fuse.in_block)
        absorb_waiting();
    flush_block();
    for (int q = 0; q < HPCQ_RT_MAX_QUBITS; q++)
        if (fuse.has[q]) {
            fuse.has[q] = 0;
            apply_u(q, fuse.u[q]);
        }
    diag_apply();
}

static void fuse_1q(const op_t *op)
{
    int32_t q = op->q[0];
    mat2 g;
    op_matrix1(op, g);
    if (fuse.has[q]) {
        mul2(fuse.u[q], g, fuse.u[q]);
    } else {
        memcpy(fuse.u[q], g, sizeof g);
        fuse.has[q] = 1;
    }
}

static void fuse_2q(const op_t *op)
{
    int32_t a = op->q[0], b = op->q[1];
    mat4 g;
    op_matrix2(op, g);
    int same = fuse.in_block && ((a == fuse.s0 && b == fuse.s1) || (a == fuse.s1 && b == fuse.s0));
    if (!same) {
        flush_block();
        fuse.in_block = 1;
        fuse.s0 = a;
        fuse.s1 = b;
        for (int r = 0; r < 4; r++)
            for (int c = 0; c < 4; c++)
                fuse.m[r][c] = r == c ? ONE : ZERO;
    } else if (a != fuse.s0) {
        mat4 t;
        for (int r = 0; r < 4; r++)
            for (int c = 0; c < 4; c++)
                t[r][c] = g[swap_bits(r)][swap_bits(c)];
        memcpy(g, t, sizeof t);
    }
    absorb_waiting();
    mul4(fuse.m, g, fuse.m);
}

static void apply_fused(const op_t *ops, size_t count)
{
    for (size_t k = 0; k < count; k++) {
        const op_t *op = &ops[k];
        if (op->kind <= OP_RZ) {
            fuse_1q(op);
        } else if (op->kind == OP_CCX) {
            flush_all();
            apply_op(op);
        } else {
            fuse_2q(op);
        }
    }
    flush_all();
}

/* Apply the recorded gates to the working state (grown to every qubit they use). */
static void apply_ops(void)
{
    if (rt.ops_nq > rt.nq) {
        size_t old = dimension(), size = (size_t)1 << rt.ops_nq;
        ensure_capacity(size, rt.ops_nq);
        memset(rt.amp + old, 0, (size - old) * sizeof(amp_t));
        rt.nq = rt.ops_nq;
    }
    apply_fused(rt.ops, rt.nops);
    clear_ops();
}

static void start_from_zero(void)
{
    ensure_capacity(1, 0);
    rt.amp[0] = ONE;
    rt.nq = 0;
    rt.view = 0;
    rt.projecting = 0;
}

static int cache_hit(void)
{
    return cache.valid && cache.nops == rt.nops && cache.hash == rt.hash &&
           (rt.nops == 0 || memcmp(cache.ops, rt.ops, rt.nops * sizeof(op_t)) == 0);
}

/* Make rt.amp (or the cache, with rt.view) hold the state: apply the recorded gates.
 * The first time in a shot, the gates since |0...0> are looked up in the shot cache;
 * on a miss they are applied and the result becomes the cache. */
static void sync(void)
{
    if (rt.fresh) {
        rt.fresh = 0;
        if (rt.use_cache) {
            if (cache_hit()) {
                cache.uses++;
                rt.view = 1;
                rt.projecting = 0;
                rt.nq = cache.nq;
                clear_ops();
                return;
            }
            cache_invalidate();
            if (cache.capacity > rt.capacity)
                swap_buffers(); /* reuse the larger buffer */
            op_t *copy = cache.ops;
            if (rt.nops > cache.ops_capacity) {
                copy = realloc(cache.ops, rt.nops * sizeof(op_t));
                if (copy != NULL) {
                    cache.ops = copy;
                    cache.ops_capacity = rt.nops;
                }
            }
            start_from_zero();
            if (copy == NULL) { /* no memory to remember the gates: no caching */
                apply_ops();
                return;
            }
            if (rt.nops > 0)
                memcpy(cache.ops, rt.ops, rt.nops * sizeof(op_t));
            cache.nops = rt.nops;
            cache.hash = rt.hash;
            apply_ops();
            swap_buffers();
            cache.nq = rt.nq;
            cache.uses = 0;
            cache.valid = 1;
            rt.view = 1;
            return;
        }
        start_from_zero();
    }
    if (rt.nops > 0) {
        materialize();
        apply_ops();
    }
}

/* Record a gate; a qubit with a pending measurement is sampled first. */
static int32_t qubit_id(const Qubit *pointer)
{
    uintptr_t q = (uintptr_t)pointer;
    if (q < HPCQ_RT_MAX_QUBITS && (rt.pending >> q) & 1)
        flush_measurements();
    if (q >= HPCQ_RT_MAX_QUBITS)
        fail("qubit id %lu is beyond the simulator's limit of %d qubits", (unsigned long)q,
             HPCQ_RT_MAX_QUBITS);
    return (int32_t)q;
}

static void check_distinct(int32_t a, int32_t b, const char *gate)
{
    if (a == b)
        fail("%s applied twice to the same qubit", gate);
}

static void push(int kind, double theta, int32_t a, int32_t b, int32_t c)
{
    if (rt.nops == OPS_LIMIT) { /* too long to remember: apply what is recorded */
        if (rt.fresh) {
            rt.fresh = 0;
            start_from_zero();
        }
        materialize();
        apply_ops();
    }
    if (rt.nops == rt.ops_capacity) {
        size_t size = rt.ops_capacity ? 2 * rt.ops_capacity : 64;
        op_t *grown = realloc(rt.ops, size * sizeof(op_t));
        if (grown == NULL)
            fail("out of memory recording gates");
        rt.ops = grown;
        rt.ops_capacity = size;
    }
    op_t *op = &rt.ops[rt.nops++];
    op->theta = theta;
    op->kind = kind;
    op->q[0] = a;
    op->q[1] = b;
    op->q[2] = c;
    uint64_t bits;
    memcpy(&bits, &theta, sizeof bits);
    rt.hash = mix(mix(rt.hash, bits),
                  (uint64_t)kind | (uint64_t)a << 16 | (uint64_t)b << 32 | (uint64_t)c << 48);
    int32_t top = a > b ? a : b;
    top = top > c ? top : c;
    if ((unsigned)top + 1 > rt.ops_nq)
        rt.ops_nq = (unsigned)top + 1;
}

/* A NaN or infinite angle would turn the whole state into NaN, and every later
 * measurement would silently read 0. */
static void check_angle(const char *name, double theta)
{
    if (!isfinite(theta))
        fail("%s: the angle is %s", name, isnan(theta) ? "nan" : theta > 0 ? "inf" : "-inf");
}

static void gate1(const char *name, int kind, double theta, const Qubit *q)
{
    require_live(name);
    check_angle(name, theta);
    push(kind, theta, qubit_id(q), 0, 0);
}

static void gate2(const char *name, const char *gate, int kind, double theta, const Qubit *x,
                  const Qubit *y)
{
    require_live(name);
    check_angle(name, theta);
    int32_t a = qubit_id(x), b = qubit_id(y);
    check_distinct(a, b, gate);
    push(kind, theta, a, b, 0);
}

/* --- quantum instruction set ------------------------------------------------------------ */

void __quantum__qis__h__body(Qubit *q) { gate1("__quantum__qis__h__body", OP_H, 0.0, q); }
void __quantum__qis__x__body(Qubit *q) { gate1("__quantum__qis__x__body", OP_X, 0.0, q); }
void __quantum__qis__y__body(Qubit *q) { gate1("__quantum__qis__y__body", OP_Y, 0.0, q); }
void __quantum__qis__z__body(Qubit *q) { gate1("__quantum__qis__z__body", OP_Z, 0.0, q); }
void __quantum__qis__s__body(Qubit *q) { gate1("__quantum__qis__s__body", OP_S, 0.0, q); }
void __quantum__qis__s__adj(Qubit *q) { gate1("__quantum__qis__s__adj", OP_SDG, 0.0, q); }
void __quantum__qis__t__body(Qubit *q) { gate1("__quantum__qis__t__body", OP_T, 0.0, q); }
void __quantum__qis__t__adj(Qubit *q) { gate1("__quantum__qis__t__adj", OP_TDG, 0.0, q); }
void __quantum__qis__sx__body(Qubit *q) { gate1("__quantum__qis__sx__body", OP_SX, 0.0, q); }

void __quantum__qis__rx__body(double theta, Qubit *q)
{
    gate1("__quantum__qis__rx__body", OP_RX, theta, q);
}

void __quantum__qis__ry__body(double theta, Qubit *q)
{
    gate1("__quantum__qis__ry__body", OP_RY, theta, q);
}

void __quantum__qis__rz__body(double theta, Qubit *q)
{
    gate1("__quantum__qis__rz__body", OP_RZ, theta, q);
}

void __quantum__qis__cx__body(Qubit *control, Qubit *target)
{
    gate2("__quantum__qis__cx__body", "cx", OP_CX, 0.0, control, target);
}

void __quantum__qis__cnot__body(Qubit *control, Qubit *target)
{
    __quantum__qis__cx__body(control, target);
}

void __quantum__qis__cy__body(Qubit *control, Qubit *target)
{
    gate2("__quantum__qis__cy__body", "cy", OP_CY, 0.0, control, target);
}

void __quantum__qis__cz__body(Qubit *control, Qubit *target)
{
    gate2("__quantum__qis__cz__body", "cz", OP_CZ, 0.0, control, target);
}

void __quantum__qis__swap__body(Qubit *a, Qubit *b)
{
    gate2("__quantum__qis__swap__body", "swap", OP_SWAP, 0.0, a, b);
}

void __quantum__qis__ccx__body(Qubit *c0, Qubit *c1, Qubit *target)
{
    require_live("__quantum__qis__ccx__body");
    int32_t a = qubit_id(c0), b = qubit_id(c1), t = qubit_id(target);
    check_distinct(a, b, "ccx");
    check_distinct(a, t, "ccx");
    check_distinct(b, t, "ccx");
    push(OP_CCX, 0.0, a, b, t);
}

void __quantum__qis__rxx__body(double theta, Qubit *a, Qubit *b)
{
    gate2("__quantum__qis__rxx__body", "rxx", OP_RXX, theta, a, b);
}

void __quantum__qis__ryy__body(double theta, Qubit *a, Qubit *b)
{
    gate2("__quantum__qis__ryy__body", "ryy", OP_RYY, theta, a, b);
}

void __quantum__qis__rzz__body(double theta, Qubit *a, Qubit *b)
{
    gate2("__quantum__qis__rzz__body", "rzz", OP_RZZ, theta, a, b);
}

/* Single-control forms (control, target) of base-profile producers: in the base profile
 * there are no arrays, so the first pointer is the control qubit itself. */
static void controlled(const char *name, int kind, const Qubit *control, const Qubit *target)
{
    require_live(name);
    int32_t c = qubit_id(control), t = qubit_id(target);
    check_distinct(c, t, name);
    push(OP_CU, 0.0, c, t, kind);
}

void __quantum__qis__x__ctl(Qubit *c, Qubit *t) { controlled("__quantum__qis__x__ctl", OP_X, c, t); }
void __quantum__qis__y__ctl(Qubit *c, Qubit *t) { controlled("__quantum__qis__y__ctl", OP_Y, c, t); }
void __quantum__qis__z__ctl(Qubit *c, Qubit *t) { controlled("__quantum__qis__z__ctl", OP_Z, c, t); }
void __quantum__qis__h__ctl(Qubit *c, Qubit *t) { controlled("__quantum__qis__h__ctl", OP_H, c, t); }
void __quantum__qis__s__ctl(Qubit *c, Qubit *t) { controlled("__quantum__qis__s__ctl", OP_S, c, t); }
void __quantum__qis__t__ctl(Qubit *c, Qubit *t) { controlled("__quantum__qis__t__ctl", OP_T, c, t); }

void __quantum__qis__s__ctladj(Qubit *c, Qubit *t)
{
    controlled("__quantum__qis__s__ctladj", OP_SDG, c, t);
}

void __quantum__qis__t__ctladj(Qubit *c, Qubit *t)
{
    controlled("__quantum__qis__t__ctladj", OP_TDG, c, t);
}

/* exp(-i theta/2 P) for the Pauli P (QIR's i2: 0 I, 1 X, 2 Z, 3 Y). Only the low two
 * bits of the argument are defined by the calling convention. R(I) is a global phase:
 * nothing to apply. */
void __quantum__qis__r__body(int8_t pauli, double theta, Qubit *q)
{
    static const int kinds[4] = {-1, OP_RX, OP_RZ, OP_RY};
    int kind = kinds[pauli & 3];
    if (kind < 0) {
        require_live("__quantum__qis__r__body");
        check_angle("__quantum__qis__r__body", theta);
        (void)qubit_id(q);
        return;
    }
    gate1("__quantum__qis__r__body", kind, theta, q);
}

void __quantum__qis__barrier__body(void) { require_live("__quantum__qis__barrier__body"); }

/* --- measurement -------------------------------------------------------------------- */

/* The id of a result, refused past HPCQ_RT_MAX_RESULTS (so the sizes below cannot
 * overflow). */
static size_t result_id(const Result *pointer, const char *what)
{
    uint64_t id = (uint64_t)(uintptr_t)pointer;
    if (id >= HPCQ_RT_MAX_RESULTS)
        fail("result id %llu is beyond the runtime's limit of %llu results (in %s)",
             (unsigned long long)id, (unsigned long long)HPCQ_RT_MAX_RESULTS, what);
    return (size_t)id;
}

static void set_result(const Result *pointer, int value)
{
    size_t id = result_id(pointer, "a measurement");
    if (id >= rt.num_results) {
        size_t size = rt.num_results ? rt.num_results : 8;
        while (size <= id)
            size *= 2;
        unsigned char *grown = realloc(rt.results, size);
        if (grown == NULL)
            fail("not enough memory for %llu results", (unsigned long long)id + 1);
        memset(grown + rt.num_results, 0, size - rt.num_results);
        rt.results = grown;
        rt.num_results = size;
    }
    rt.results[id] = (unsigned char)value;
}

/* A basis state drawn with probability |amp|^2: the first whose running sum of
 * probabilities exceeds `u`; if rounding leaves `u` above the total, the last state
 * with a non-zero probability. */
static size_t sample_walk(const amp_t *restrict v, size_t dim, double u)
{
    size_t sampled = 0;
    double total = 0.0;
    for (size_t i = 0; i < dim; i++) {
        double p = norm2(v[i]);
        if (p > 0.0)
            sampled = i;
        total += p;
        if (total > u)
            break;
    }
    return sampled;
}

/* The same draw from the cached state: a binary search in its running sums (the same
 * sums in the same order, so the same state), built at the second use. */
static size_t sample_cached(double u)
{
    size_t dim = (size_t)1 << cache.nq;
    if (cache.cum == NULL && cache.uses >= 1 && cache.nq <= CUM_MAX_QUBITS) {
        cache.cum = malloc(dim * sizeof(double));
        if (cache.cum != NULL) {
            const amp_t *restrict v = cache.amp;
            double total = 0.0;
            cache.last_nonzero = 0;
            for (size_t i = 0; i < dim; i++) {
                double p = norm2(v[i]);
                if (p > 0.0)
                    cache.last_nonzero = i;
                total += p;
                cache.cum[i] = total;
            }
        }
    }
    if (cache.cum == NULL)
        return sample_walk(cache.amp, dim, u);
    if (!(cache.cum[dim - 1] > u))
        return cache.last_nonzero;
    size_t lo = 0, hi = dim - 1; /* the answer is in [lo, hi] */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cache.cum[mid] > u)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* Sample every pending measurement at once: draw one basis state from the joint
 * distribution, read the pending qubits' bits from it, and project onto them (lazily
 * when the state is the cache's: the projection is applied only if the shot goes on
 * to need the state). */
static void flush_measurements(void)
{
    size_t pending = rt.pending;
    rt.pending = 0;
    if (pending == 0)
        return;
    sync();
    size_t dim = dimension(), mask = pending & (dim - 1), sampled;
    double u = uniform();
    if (rt.view && !rt.projecting) {
        sampled = sample_cached(u);
        rt.projecting = 1;
        rt.proj_mask = mask;
        rt.proj_want = sampled & mask;
    } else {
        materialize();
        sampled = sample_walk(rt.amp, dim, u);
        project(mask, sampled & mask);
    }
    for (unsigned q = 0; q < HPCQ_RT_MAX_QUBITS; q++)
        if ((pending >> q) & 1)
            rt.results[rt.pending_result[q]] = (unsigned char)((sampled >> q) & 1);
}

/* Measure in the Z basis and collapse; returns 0 or 1. */
static int measure(const Qubit *pointer)
{
    uintptr_t q = (uintptr_t)pointer;
    flush_measurements();
    sync();
    if (q >= rt.nq)
        return 0; /* never touched: still |0> */
    materialize();
    amp_t *restrict v = rt.amp;
    size_t bit = (size_t)1 << q, half = dimension() >> 1;
    double one = 0.0;
    for (size_t k = 0; k < half; k++)
        one += norm2(v[spread(k, bit) | bit]);
    int outcome = uniform() < one;
    double norm = 1.0 / sqrt(outcome ? one : 1.0 - one);
    size_t keep = outcome ? bit : 0, drop = bit ^ keep;
    for (size_t k = 0; k < half; k++) {
        size_t base = spread(k, bit);
        v[base | keep].re *= norm;
        v[base | keep].im *= norm;
        v[base | drop].re = 0.0;
        v[base | drop].im = 0.0;
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

/* Q#'s name for mz. */
void __quantum__qis__m__body(Qubit *q, Result *r) { __quantum__qis__mz__body(q, r); }

void __quantum__qis__reset__body(Qubit *q)
{
    require_live("__quantum__qis__reset__body");
    if (measure(q))
        apply_flip(0, (size_t)1 << (uintptr_t)q, ONE, ONE);
}

void __quantum__qis__mresetz__body(Qubit *q, Result *r)
{
    require_live("__quantum__qis__mresetz__body");
    int outcome = measure(q);
    set_result(r, outcome);
    if (outcome)
        apply_flip(0, (size_t)1 << (uintptr_t)q, ONE, ONE);
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
    return hpcq_rt_result((int64_t)result_id(r, "__quantum__rt__read_result")) != 0;
}

bool __quantum__qis__read_result__body(Result *r) { return __quantum__rt__read_result(r); }

int hpcq_rt_num_qubits(void) { return (int)(rt.ops_nq > rt.nq ? rt.ops_nq : rt.nq); }

/* --- output ------------------------------------------------------------------------- */

static FILE *output(const char *what)
{
    require_live(what);
    return rt.out != NULL ? rt.out : stdout;
}

static const char *tab_label(const char *label) { return label != NULL ? label : ""; }

/* --- counts (--counts, --json) ------------------------------------------------------ */

/* A shot's records, kept until its end to make its key the way `hpcq run` counts:
 * registers rebuilt from "name[i]" result labels (hpcq_registers_v1), last register
 * first, bits most significant first; without such labels, the recorded values in
 * order (consecutive results as one bit string). */
typedef struct {
    char kind; /* T tuple, A array, R result, V any other value */
    char *value, *label;
} rec_t;

typedef struct {
    char *key;
    uint64_t count;
} tally_t;

static struct {
    rec_t *recs;
    size_t nrecs, cap;
    tally_t *tallies; /* open addressing, capacity a power of two */
    size_t ntallies, tcap;
    uint64_t shots;
} summary;

static char *copy_text(const char *text)
{
    size_t length = strlen(text) + 1;
    char *copy = malloc(length);
    if (copy == NULL)
        fail("out of memory counting shots");
    memcpy(copy, text, length);
    return copy;
}

static void summary_clear_shot(void)
{
    for (size_t i = 0; i < summary.nrecs; i++) {
        free(summary.recs[i].value);
        free(summary.recs[i].label);
    }
    summary.nrecs = 0;
}

static void summary_free(void)
{
    summary_clear_shot();
    free(summary.recs);
    for (size_t i = 0; i < summary.tcap; i++)
        free(summary.tallies[i].key);
    free(summary.tallies);
    memset(&summary, 0, sizeof summary);
}

static void summary_add_record(char kind, const char *value, const char *label)
{
    if (summary.nrecs == summary.cap) {
        size_t size = summary.cap ? 2 * summary.cap : 16;
        rec_t *grown = realloc(summary.recs, size * sizeof(rec_t));
        if (grown == NULL)
            fail("out of memory counting shots");
        summary.recs = grown;
        summary.cap = size;
    }
    rec_t *r = &summary.recs[summary.nrecs++];
    r->kind = kind;
    r->value = NULL;
    r->label = NULL;
    r->value = copy_text(value);
    r->label = copy_text(label != NULL ? label : "");
}

/* A growable string. */
typedef struct {
    char *text;
    size_t length, cap;
} buf_t;

static void buf_put(buf_t *b, const char *text, size_t length)
{
    if (b->length + length + 1 > b->cap) {
        size_t size = b->cap ? b->cap : 32;
        while (size < b->length + length + 1)
            size *= 2;
        char *grown = realloc(b->text, size);
        if (grown == NULL)
            fail("out of memory counting shots");
        b->text = grown;
        b->cap = size;
    }
    memcpy(b->text + b->length, text, length);
    b->length += length;
    b->text[b->length] = '\0';
}

/* "name[i]": the length of name and the index i, or 0 if the label is not of that form. */
static int bit_label(const char *label, size_t *name_length, uint64_t *index)
{
    size_t length = strlen(label);
    if (length < 3 || label[length - 1] != ']')
        return 0;
    size_t open = length - 1;
    while (open > 0 && label[open - 1] >= '0' && label[open - 1] <= '9')
        open--;
    if (open == 0 || open == length - 1 || label[open - 1] != '[' || length - 1 - open > 18)
        return 0;
    *name_length = open - 1;
    *index = strtoull(label + open, NULL, 10);
    return 1;
}

/* The shot's key (malloc'ed). */
static char *shot_key(void)
{
    size_t n = summary.nrecs;
    /* registers in order of first appearance: (name, name length, highest index) */
    const char **names = malloc((n ? n : 1) * sizeof(char *));
    size_t *lengths = malloc((n ? n : 1) * sizeof(size_t));
    int64_t *tops = malloc((n ? n : 1) * sizeof(int64_t));
    if (names == NULL || lengths == NULL || tops == NULL)
        fail("out of memory counting shots");
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        const rec_t *r = &summary.recs[i];
        size_t length;
        uint64_t index = 0;
        if (r->kind == 'A')
            length = strlen(r->label);
        else if (r->kind != 'R' || !bit_label(r->label, &length, &index))
            continue;
        size_t k = 0;
        while (k < count && !(lengths[k] == length && memcmp(names[k], r->label, length) == 0))
            k++;
        if (k == count) {
            names[count] = r->label;
            lengths[count] = length;
            tops[count++] = -1;
        }
        if (r->kind == 'R' && (int64_t)index > tops[k])
            tops[k] = (int64_t)index;
    }
    buf_t key = {NULL, 0, 0};
    buf_put(&key, "", 0);
    int any_bits = 0; /* other producers' arrays ("3_t2a") hold no register bits */
    for (size_t k = 0; k < count; k++)
        any_bits |= tops[k] >= 0;
    if (any_bits) {
        for (size_t k = count; k-- > 0;) {
            for (int64_t bit = tops[k]; bit >= 0; bit--) {
                const char *value = "0"; /* the last record of the bit wins */
                for (size_t i = 0; i < n; i++) {
                    const rec_t *r = &summary.recs[i];
                    size_t length;
                    uint64_t index;
                    if (r->kind == 'R' && bit_label(r->label, &length, &index) &&
                        index == (uint64_t)bit && length == lengths[k] &&
                        memcmp(r->label, names[k], length) == 0)
                        value = r->value;
                }
                buf_put(&key, value, strlen(value));
            }
            if (k > 0)
                buf_put(&key, " ", 1);
        }
    } else {
        int bits = 0; /* inside a run of results */
        for (size_t i = 0; i < n; i++) {
            const rec_t *r = &summary.recs[i];
            if (r->kind == 'T' || r->kind == 'A') {
                bits = 0;
                continue;
            }
            if (key.length > 0 && !(bits && r->kind == 'R'))
                buf_put(&key, " ", 1);
            buf_put(&key, r->value, strlen(r->value));
            bits = r->kind == 'R';
        }
    }
    free(names);
    free(lengths);
    free(tops);
    return key.text;
}

static uint64_t text_hash(const char *text)
{
    uint64_t h = HASH_START;
    for (; *text != '\0'; text++)
        h = mix(h, (unsigned char)*text);
    return h;
}

static void summary_tally(char *key)
{
    if (2 * (summary.ntallies + 1) > summary.tcap) {
        size_t size = summary.tcap ? 2 * summary.tcap : 64;
        tally_t *grown = calloc(size, sizeof(tally_t));
        if (grown == NULL)
            fail("out of memory counting shots");
        for (size_t i = 0; i < summary.tcap; i++) {
            if (summary.tallies[i].key == NULL)
                continue;
            size_t j = text_hash(summary.tallies[i].key) & (size - 1);
            while (grown[j].key != NULL)
                j = (j + 1) & (size - 1);
            grown[j] = summary.tallies[i];
        }
        free(summary.tallies);
        summary.tallies = grown;
        summary.tcap = size;
    }
    size_t j = text_hash(key) & (summary.tcap - 1);
    while (summary.tallies[j].key != NULL && strcmp(summary.tallies[j].key, key) != 0)
        j = (j + 1) & (summary.tcap - 1);
    if (summary.tallies[j].key == NULL) {
        summary.tallies[j].key = key;
        summary.ntallies++;
    } else {
        free(key);
    }
    summary.tallies[j].count++;
    summary.shots++;
}

static int by_count_then_key(const void *x, const void *y)
{
    const tally_t *a = x, *b = y;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    return strcmp(a->key, b->key);
}

static void json_string(FILE *out, const char *text)
{
    fputc('"', out);
    for (const unsigned char *c = (const unsigned char *)text; *c != '\0'; c++) {
        if (*c == '"' || *c == '\\')
            fprintf(out, "\\%c", *c);
        else if (*c < 0x20)
            fprintf(out, "\\u%04x", *c);
        else
            fputc(*c, out);
    }
    fputc('"', out);
}

/* Print the tallies as `hpcq run` does (a table, or JSON with two-space indents). */
static void summary_print(FILE *out)
{
    size_t n = 0;
    for (size_t i = 0; i < summary.tcap; i++)
        if (summary.tallies[i].key != NULL)
            summary.tallies[n++] = summary.tallies[i];
    for (size_t i = n; i < summary.tcap; i++)
        summary.tallies[i].key = NULL;
    if (n > 0)
        qsort(summary.tallies, n, sizeof(tally_t), by_count_then_key);
    if (rt.summary == 2) {
        fputs(n ? "{\n" : "{}\n", out);
        for (size_t i = 0; i < n; i++) {
            fputs("  ", out);
            json_string(out, summary.tallies[i].key);
            fprintf(out, ": %llu%s\n", (unsigned long long)summary.tallies[i].count,
                    i + 1 < n ? "," : "");
        }
        if (n)
            fputs("}\n", out);
        return;
    }
    int width = n ? 0 : 5; /* as hpcq run: the longest key, 5 without any */
    for (size_t i = 0; i < n; i++) {
        size_t length = strlen(summary.tallies[i].key);
        if (length > (size_t)width)
            width = length > 4096 ? 4096 : (int)length;
    }
    fprintf(out, "%-*s  %7s  %8s\n", width, "result", "count", "fraction");
    for (size_t i = 0; i < n; i++)
        fprintf(out, "%-*s  %7llu  %8.4f\n", width, summary.tallies[i].key,
                (unsigned long long)summary.tallies[i].count,
                (double)summary.tallies[i].count / (double)summary.shots);
}

static void record(const char *what, const char *kind, const char *value, const char *label)
{
    FILE *out = output(what);
    if (rt.summary && rt.in_shot) {
        char tag = kind[0] == 'T' ? 'T' : kind[0] == 'A' ? 'A' : kind[0] == 'R' ? 'R' : 'V';
        summary_add_record(tag, value, label);
        return;
    }
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
    size_t id = result_id(r, "__quantum__rt__result_record_output");
    record("__quantum__rt__result_record_output", "RESULT", hpcq_rt_result((int64_t)id) ? "1" : "0",
           label);
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

/* `value` as qir-runner prints it: the shortest digits that read back as the same
 * double, in positional notation (no exponent), with ".0" when it is an integer;
 * "NaN", "inf" and "-inf". `out` holds at least 400 bytes (DBL_MAX has 309 digits,
 * DBL_TRUE_MIN 324 decimals). */
static void format_double(double value, char *out, size_t size)
{
    if (isnan(value)) {
        snprintf(out, size, "NaN");
        return;
    }
    if (isinf(value)) {
        snprintf(out, size, value > 0 ? "inf" : "-inf");
        return;
    }
    char scientific[40];
    int precision = 1;
    for (; precision < 17; precision++) {
        snprintf(scientific, sizeof scientific, "%.*e", precision - 1, value);
        if (strtod(scientific, NULL) == value)
            break;
    }
    snprintf(scientific, sizeof scientific, "%.*e", precision - 1, fabs(value));
    char digits[24];
    size_t n = 0;
    const char *c = scientific;
    for (; *c != 'e'; c++)
        if (*c >= '0' && *c <= '9')
            digits[n++] = *c;
    while (n > 1 && digits[n - 1] == '0')
        n--;
    int exponent = atoi(c + 1);
    size_t at = 0;
    if (signbit(value))
        out[at++] = '-';
    if (value == 0.0) {
        snprintf(out + at, size - at, "0.0");
        return;
    }
    if (exponent < 0) {
        out[at++] = '0';
        out[at++] = '.';
        for (int k = -1; k > exponent; k--)
            out[at++] = '0';
        memcpy(out + at, digits, n);
        at += n;
    } else {
        for (int k = 0; k <= exponent; k++)
            out[at++] = (size_t)k < n ? digits[k] : '0';
        out[at++] = '.';
        if ((size_t)exponent + 1 >= n) {
            out[at++] = '0';
        } else {
            memcpy(out + at, digits + exponent + 1, n - (size_t)exponent - 1);
            at += n - (size_t)exponent - 1;
        }
    }
    out[at] = '\0';
}

void __quantum__rt__double_record_output(double value, const char *label)
{
    char text[400];
    format_double(value, text, sizeof text);
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
    const char *cache_switch = getenv("HPCQ_QIR_SHOT_CACHE");
    rt.use_cache = !rt.no_cache_flag && !(cache_switch != NULL && strcmp(cache_switch, "0") == 0);
    ensure_capacity(1, 0);
    rt.phase = RT_LIVE;
    reset_state();
}

void __quantum__rt__initialize_default(void) { __quantum__rt__initialize(NULL); }

/* A decimal number from 0 to UINT64_MAX: digits only (strtoull alone would take a sign,
 * negating "-1" into 2^64 - 1, and leading spaces). */
static int parse_u64(const char *text, uint64_t *value)
{
    char *end;
    if (text[0] < '0' || text[0] > '9')
        return 0;
    errno = 0;
    unsigned long long number = strtoull(text, &end, 10);
    if (errno != 0 || *end != '\0' || number > UINT64_MAX)
        return 0;
    *value = (uint64_t)number;
    return 1;
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
        const char *option = NULL;
        static const char *const valued[] = {"--shots", "--seed", "--max-loop-iterations"};
        for (size_t k = 0; k < sizeof valued / sizeof valued[0]; k++) {
            size_t length = strlen(valued[k]);
            if (strncmp(arg, valued[k], length) == 0 && (arg[length] == '\0' || arg[length] == '='))
                option = valued[k];
        }
        if (option != NULL) {
            const char *eq = strchr(arg, '=');
            if (eq != NULL)
                value = eq + 1;
            else if (i + 1 < argc)
                value = argv[++i];
            else
                usage_error("%s needs a value", arg);
            uint64_t number;
            int ok = parse_u64(value, &number);
            if (strcmp(option, "--seed") == 0) {
                if (!ok)
                    usage_error("--seed needs an integer from 0 to 18446744073709551615, not '%s'",
                                value);
                hpcq_rt_seed(number);
            } else if (strcmp(option, "--shots") == 0) {
                if (!ok || number < 1 || number > INT64_MAX)
                    usage_error("--shots needs a positive integer, not '%s'", value);
                rt.shots = (int64_t)number;
            } else {
                if (!ok || number < 1)
                    usage_error("--max-loop-iterations needs a positive integer, not '%s'", value);
                rt.max_loop_steps = number;
            }
        } else if (strcmp(arg, "--counts") == 0) {
            rt.summary = 1;
        } else if (strcmp(arg, "--json") == 0) {
            rt.summary = 2;
        } else if (strcmp(arg, "--no-shot-cache") == 0) {
            rt.no_cache_flag = 1;
            rt.use_cache = 0;
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
        fprintf(to, "usage: %s [--shots N] [--seed S] [--max-loop-iterations N] [--counts | --json]",
                program);
        for (int i = 0; i < count; i++)
            fprintf(to, " %s", names[i]);
        fprintf(to, "\n");
        if (rt.help) {
            fprintf(to, "Runs the program's entry point once per shot (default 1 shot).\n");
            fprintf(to, "  --shots N        number of shots (default 1)\n");
            fprintf(to, "  --seed S         random seed, 0 to 18446744073709551615 (default: "
                        "from the clock)\n");
            fprintf(to, "  --max-loop-iterations N\n"
                        "                   stop a shot with an error after N loop iterations "
                        "(default %llu)\n",
                    (unsigned long long)HPCQ_RT_DEFAULT_MAX_LOOP_ITERATIONS);
            fprintf(to, "  --counts         print the counts of the shots' values as a table "
                        "(as hpcq run does)\n"
                        "                   instead of every shot's records\n");
            fprintf(to, "  --json           the same counts as JSON\n");
            fprintf(to, "  --no-shot-cache  simulate every shot from |0...0> (same output)\n");
            fprintf(to, "Without --counts or --json, each shot prints START, METADATA, OUTPUT "
                        "and END lines\n(qir-runner's format). Counts keys: registers "
                        "last-first, bits most significant first.\n");
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
            fprintf(stderr, "usage: %s [--shots N] [--seed S] [--max-loop-iterations N]", program);
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
    rt.in_shot = 1;
    if (rt.summary) {
        summary_clear_shot();
        return;
    }
    fputs("START\n", out);
    while (metadata != NULL && *metadata != '\0') {
        const char *end = strchr(metadata, '\n');
        size_t length = end != NULL ? (size_t)(end - metadata) : strlen(metadata);
        fprintf(out, "METADATA\t%.*s\n", (int)length, metadata);
        metadata += length + (end != NULL);
    }
}

void hpcq_rt_set_max_loop_iterations(uint64_t limit) { rt.max_loop_steps = limit; }

void __hpcq__rt__loop_step(void)
{
    require_live("__hpcq__rt__loop_step");
    uint64_t limit = rt.max_loop_steps ? rt.max_loop_steps : HPCQ_RT_DEFAULT_MAX_LOOP_ITERATIONS;
    if (++rt.loop_steps > limit)
        fail("more than %llu loop iterations in one shot (a loop that never ends?); "
             "--max-loop-iterations N allows more",
             (unsigned long long)limit);
}

void __hpcq__rt__shot_end(int64_t status)
{
    FILE *out = output("__hpcq__rt__shot_end");
    rt.in_shot = 0;
    if (rt.summary) {
        summary_tally(shot_key());
        summary_clear_shot();
        return;
    }
    fprintf(out, "END\t%lld\n", (long long)status);
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
    if (rt.summary)
        summary_print(rt.out != NULL ? rt.out : stdout);
    summary_free();
    close_output();
    free(rt.amp);
    free(rt.ops);
    cache_free();
    /* nothing of a half-applied batch (an error in a session) carries over */
    memset(fuse.has, 0, sizeof fuse.has);
    fuse.in_block = 0;
    diag.count = 0;
    diag.qubits = 0;
    free(rt.results);
    free(rt.positional);
    rt.amp = NULL;
    rt.ops = NULL;
    rt.nops = 0;
    rt.ops_capacity = 0;
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
    uint64_t loop_limit = rt.max_loop_steps; /* a setting, kept for the new session */
    memset(&rt, 0, sizeof rt);
    rt.max_loop_steps = loop_limit;
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
