/* A host program for library mode: calls the quantum function of a library module
 * built by `hpcq build` (no entry point), with the runtime's lifecycle around it.
 *
 *   host ok N            initialize, call bell() N times, print the results, finalize
 *   host after-finalize  call bell() after finalize (a clear error, status 1)
 *   host before-init     call bell() before initialize (a clear error, status 1)
 *   host twice           finalize twice (a clear error, status 1)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hpcq_rt.h"

int64_t bell(void);

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "ok";
    if (strcmp(mode, "before-init") == 0) {
        bell();
        return 0;
    }
    __quantum__rt__initialize_default();
    hpcq_rt_seed(7);
    hpcq_rt_set_output_path("/dev/null");
    if (strcmp(mode, "ok") == 0) {
        int shots = argc > 2 ? atoi(argv[2]) : 10;
        int agree = 0, ones = 0;
        for (int i = 0; i < shots; i++) {
            bell();
            int a = hpcq_rt_result(0), b = hpcq_rt_result(1);
            agree += a == b;
            ones += a;
        }
        printf("shots %d agree %d ones %d qubits %d\n", shots, agree, ones, hpcq_rt_num_qubits());
    }
    __quantum__rt__finalize();
    if (strcmp(mode, "after-finalize") == 0)
        bell();
    if (strcmp(mode, "twice") == 0)
        __quantum__rt__finalize();
    return 0;
}
