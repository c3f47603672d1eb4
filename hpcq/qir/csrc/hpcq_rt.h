/*
 * hpcq_rt.h: hpcq's QIR runtime library (C99, no dependencies beyond libc and libm).
 *
 * A program built by `hpcq build` links this library; a host program that calls the
 * quantum functions of a library module includes this header.
 *
 * Lifecycle: __quantum__rt__initialize (or its argc/argv or no-argument forms) before
 * anything else; it is idempotent, since runners call it before every shot.
 * __quantum__rt__finalize frees every resource; any runtime call after it is an error.
 * Errors print "hpcq runtime: error: ..." on stderr and exit with status 1.
 *
 * Qubits and results are static ids (pointer values 0, 1, 2, ...). The state-vector
 * simulator grows to the highest qubit id used (up to HPCQ_RT_MAX_QUBITS).
 */
#ifndef HPCQ_RT_H
#define HPCQ_RT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HPCQ_RT_MAX_QUBITS 32
/* Result ids are below this (a byte each): a larger id is a runtime error, not a huge
 * allocation or an overflowing one. */
#define HPCQ_RT_MAX_RESULTS ((uint64_t)1 << 26)
/* Loop iterations allowed in one shot unless --max-loop-iterations says otherwise: a
 * loop that never ends stops with an error instead of hanging the program. */
#define HPCQ_RT_DEFAULT_MAX_LOOP_ITERATIONS 10000000ULL

typedef struct Qubit Qubit;
typedef struct Result Result;

/* --- lifecycle (QIR, with hpcq's extensions) --------------------------------------- */
void __quantum__rt__initialize(char *reserved);
void __quantum__rt__initialize_default(void);
void __quantum__rt__initialize_args(int32_t argc, char **argv);
void __quantum__rt__finalize(void);

/* Function-level hooks around quantum functions called from host code: the outermost
 * begin starts from |0...0> with no results, like a shot. */
void __quantum__rt__begin_function(const char *name);
void __quantum__rt__end_function(const char *name);

/* --- quantum instruction set ------------------------------------------------------- */
void __quantum__qis__h__body(Qubit *q);
void __quantum__qis__x__body(Qubit *q);
void __quantum__qis__y__body(Qubit *q);
void __quantum__qis__z__body(Qubit *q);
void __quantum__qis__s__body(Qubit *q);
void __quantum__qis__s__adj(Qubit *q);
void __quantum__qis__t__body(Qubit *q);
void __quantum__qis__t__adj(Qubit *q);
void __quantum__qis__sx__body(Qubit *q);
void __quantum__qis__rx__body(double theta, Qubit *q);
void __quantum__qis__ry__body(double theta, Qubit *q);
void __quantum__qis__rz__body(double theta, Qubit *q);
void __quantum__qis__cx__body(Qubit *control, Qubit *target);
void __quantum__qis__cnot__body(Qubit *control, Qubit *target);
void __quantum__qis__cy__body(Qubit *control, Qubit *target);
void __quantum__qis__cz__body(Qubit *control, Qubit *target);
void __quantum__qis__swap__body(Qubit *a, Qubit *b);
void __quantum__qis__ccx__body(Qubit *c0, Qubit *c1, Qubit *target);
void __quantum__qis__rxx__body(double theta, Qubit *a, Qubit *b);
void __quantum__qis__ryy__body(double theta, Qubit *a, Qubit *b);
void __quantum__qis__rzz__body(double theta, Qubit *a, Qubit *b);
void __quantum__qis__barrier__body(void);
/* single-control forms (control, target), as base-profile producers emit them */
void __quantum__qis__x__ctl(Qubit *control, Qubit *target);
void __quantum__qis__y__ctl(Qubit *control, Qubit *target);
void __quantum__qis__z__ctl(Qubit *control, Qubit *target);
void __quantum__qis__h__ctl(Qubit *control, Qubit *target);
void __quantum__qis__s__ctl(Qubit *control, Qubit *target);
void __quantum__qis__s__ctladj(Qubit *control, Qubit *target);
void __quantum__qis__t__ctl(Qubit *control, Qubit *target);
void __quantum__qis__t__ctladj(Qubit *control, Qubit *target);
void __quantum__qis__r__body(int8_t pauli, double theta, Qubit *q);
void __quantum__qis__mz__body(Qubit *q, Result *r);
void __quantum__qis__m__body(Qubit *q, Result *r);
void __quantum__qis__mresetz__body(Qubit *q, Result *r);
void __quantum__qis__reset__body(Qubit *q);
bool __quantum__qis__read_result__body(Result *r);
bool __quantum__rt__read_result(Result *r);

/* --- output recording (qir-runner's format) ---------------------------------------- */
void __quantum__rt__tuple_record_output(int64_t size, const char *label);
void __quantum__rt__array_record_output(int64_t size, const char *label);
void __quantum__rt__result_record_output(Result *r, const char *label);
void __quantum__rt__bool_record_output(bool value, const char *label);
void __quantum__rt__int_record_output(int64_t value, const char *label);
void __quantum__rt__double_record_output(double value, const char *label);

/* --- used by the main that `hpcq build` adds --------------------------------------- */
void __hpcq__rt__bind_params(int32_t count, const char *const *names, double *values);
int64_t __hpcq__rt__shots(void);
void __hpcq__rt__shot_begin(const char *metadata);
void __hpcq__rt__shot_end(int64_t status);
/* Called by `hpcq build` at the head of every loop (the target of a back edge). */
void __hpcq__rt__loop_step(void);

/* --- host API ---------------------------------------------------------------------- */
/* The value (0 or 1) of result `id` in the current call or shot (0 if never written). */
int hpcq_rt_result(int64_t id);
/* Number of qubits the state vector currently holds. */
int hpcq_rt_num_qubits(void);
/* Send output records to `path` (NULL: stdout); returns 0, or -1 if it cannot open. */
int hpcq_rt_set_output_path(const char *path);
/* Seed the random number generator (otherwise --seed, else time-based). */
void hpcq_rt_seed(uint64_t seed);
/* Loop iterations allowed per shot (0: the default); --max-loop-iterations sets it too. */
void hpcq_rt_set_max_loop_iterations(uint64_t limit);

/* In-process runs (hpcq's JIT): a fresh session that runs `shot(params)` `shots` times
 * with output to `output_path`, then finalizes. Returns 0, or 1 with the error in
 * `error` instead of exiting. */
int hpcq_rt_run_session(int64_t (*shot)(const double *), const double *params, int64_t shots,
                        uint64_t seed, const char *metadata, const char *output_path,
                        char *error, size_t error_size);

#ifdef __cplusplus
}
#endif
#endif /* HPCQ_RT_H */
