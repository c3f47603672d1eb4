"""Level 3 with the 3-qubit structure search: a 5-qubit QFT reaches 18 CX (issue 6)."""

from __future__ import annotations

import math

import hpcq
from hpcq.ir import Circuit, hilbert_schmidt_distance


def _qft(num_qubits: int) -> Circuit:
    # The layout of qft5.qasm: H, then controlled phases written as two CX and three
    # z rotations each, 20 CX on 5 qubits.
    c = Circuit(num_qubits)
    for k in range(num_qubits):
        for j in range(k):
            angle = math.pi / 2 ** (k - j)
            c.p(angle / 2, k).cx(k, j).p(-angle / 2, j).cx(k, j).p(angle / 2, j)
        c.h(k)
    return c


def test_qft5_reaches_bqskits_count_deterministically() -> None:
    circuit = _qft(5)
    assert circuit.count_ops()["cx"] == 20
    first = hpcq.compile(circuit, 3, seed=1)
    again = hpcq.compile(circuit, 3, seed=1)
    assert first.stats["after"]["cx"] <= 18
    assert first.circuit.to_qasm() == again.circuit.to_qasm()
    assert first.stats["verify"]["ok"]
    distance = hilbert_schmidt_distance(first.circuit.unitary(), circuit.unitary())
    assert distance <= first.error_bound + 1e-6
