"""A client of the detached runtime job: usage ``serve_client.py HOST:PORT TOKEN_FILE``.

Connects with the runtime's client, runs a task and a map on the job's workers
(checking that they ran in other processes than this one), disconnects; then connects
again with :class:`hpcq.Compiler`, compiles a small circuit through the runtime and
checks its unitary. Prints one line per check.
"""

from __future__ import annotations

import os
import sys


def main(address: str, token_file: str) -> int:
    import hpcq
    from hpcq.ir import hilbert_schmidt_distance
    from hpcq.runtime.client import RuntimeClient

    with RuntimeClient(address=address, token_file=token_file) as client:
        pid = client.submit(os.getpid).result()
        assert isinstance(pid, int) and pid != os.getpid(), f"task ran in pid {pid}"
        print(f"serve-client: a task ran in process {pid} of the runtime job")
        values = client.map(abs, range(-8, 0)).result()
        assert list(values) == list(range(8, 0, -1)), values
        print("serve-client: a map of 8 tasks came back in order")
    with hpcq.Compiler(address=address, token_file=token_file) as compiler:
        circuit = hpcq.Circuit.from_file("examples/tfim.qasm")
        result = compiler.compile(circuit, optimization_level=2, seed=1)
        distance = hilbert_schmidt_distance(result.circuit, circuit)
        tolerance = max(1e-6, 10 * result.error_bound)
        assert distance <= tolerance, f"compiled tfim is {distance:.1e} off"
        cx = (circuit.count_ops().get("cx", 0), result.circuit.count_ops().get("cx", 0))
        print(f"serve-client: compiled tfim through the runtime, cx {cx[0]} -> {cx[1]}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print("usage: serve_client.py HOST:PORT TOKEN_FILE", file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2]))
