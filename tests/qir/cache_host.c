/* A host program that drives the runtime directly with "calls" (begin/end hooks around
 * gate calls) whose gates differ from one call to the next in a single detail: the gate
 * kind, an angle, or a qubit. Each call has a certain outcome, so a shot cache that
 * reused a state for a different sequence shows up as a wrong result.
 *
 *   cache_host N     run N rounds of the calls; print "calls C wrong W"
 */
#include <stdio.h>
#include <stdlib.h>

#include "hpcq_rt.h"

#define Q(i) ((Qubit *)(uintptr_t)(i))
#define R(i) ((Result *)(uintptr_t)(i))

static int wrong = 0, calls = 0;

/* prepare |0> on qubits 0 and 1, apply `variant`, measure both; expect `want` (q1 q0) */
static void call(int variant, int want)
{
    __quantum__rt__begin_function("variant");
    __quantum__qis__h__body(Q(1));
    switch (variant) {
    case 0: __quantum__qis__x__body(Q(0)); break;            /* q0 = 1 */
    case 1: __quantum__qis__z__body(Q(0)); break;            /* same length, kind differs */
    case 2: __quantum__qis__rx__body(3.141592653589793, Q(0)); break;
    case 3: __quantum__qis__rx__body(0.0, Q(0)); break;      /* only the angle differs */
    case 4: __quantum__qis__x__body(Q(1)); break;            /* only the qubit differs */
    }
    __quantum__qis__h__body(Q(1));
    __quantum__qis__mz__body(Q(0), R(0));
    __quantum__qis__mz__body(Q(1), R(1));
    int got = hpcq_rt_result(0) | hpcq_rt_result(1) << 1;
    __quantum__rt__end_function("variant");
    calls++;
    wrong += got != want;
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 10;
    __quantum__rt__initialize_default();
    hpcq_rt_seed(3);
    for (int i = 0; i < rounds; i++) {
        call(0, 1);
        call(0, 1); /* a repeat: served by the cache */
        call(1, 0);
        call(2, 1);
        call(3, 0);
        call(4, 0); /* h x h on q1 = z: still 0 */
        call(i % 5, (int[]){1, 0, 1, 0, 0}[i % 5]);
    }
    __quantum__rt__finalize();
    printf("calls %d wrong %d\n", calls, wrong);
    return wrong != 0;
}
