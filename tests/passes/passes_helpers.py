"""Random circuits for the pass tests (seeded, so every run sees the same circuits)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from hpcq.ir import STANDARD_GATES, Circuit

UNITARY_GATES = sorted(name for name, gate in STANDARD_GATES.items() if gate.is_unitary)


def random_circuit(
    num_qubits: int,
    num_ops: int,
    seed: int,
    gates: Sequence[str] = UNITARY_GATES,
    angles: Sequence[float] | None = None,
) -> Circuit:
    """``num_ops`` gates drawn from ``gates`` (those that fit) on random qubits.

    Angles are uniform in ``(-pi, pi)``, or drawn from ``angles`` when given.
    """
    rng = np.random.default_rng(seed)
    names = [g for g in gates if STANDARD_GATES[g].num_qubits <= num_qubits]
    circuit = Circuit(num_qubits)
    for _ in range(num_ops):
        gate = STANDARD_GATES[names[rng.integers(len(names))]]
        qubits = rng.permutation(num_qubits)[: gate.num_qubits].tolist()
        if angles is None:
            params = rng.uniform(-np.pi, np.pi, size=gate.num_params).tolist()
        else:
            params = [float(angles[rng.integers(len(angles))]) for _ in range(gate.num_params)]
        circuit.append(gate, qubits, params)
    return circuit
