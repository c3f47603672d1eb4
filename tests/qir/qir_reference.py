"""Exact outcome distributions of measured circuits, and statistical comparisons.

The exact distribution follows every measurement branch with numpy's state vector
(``hpcq.ir.simulate``); terminal measurements are read off the final state at once, so
measuring all qubits at the end costs one state vector.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
from scipy import stats

from hpcq.ir import Circuit
from hpcq.ir.simulate import apply_matrix

Distribution = dict[str, float]


def measured(circuit: Circuit) -> Circuit:
    """``circuit`` with a new register ``meas`` and every qubit measured into it."""
    out = circuit.copy()
    register = out.add_register("meas", circuit.num_qubits, quantum=False)
    for q in range(circuit.num_qubits):
        out.measure(q, register.start + q)
    return out


def key(circuit: Circuit, bits: list[int]) -> str:
    """Counts key of classical bits: registers last-first, bits most significant first."""
    parts = []
    for register in reversed(circuit.cregs):
        parts.append("".join(str(bits[i]) for i in reversed(register.indices)))
    return " ".join(parts)


def exact_distribution(circuit: Circuit) -> Distribution:
    """The exact probability of every counts key of ``circuit``."""
    n = circuit.num_qubits
    ops = [op for op in circuit if op.name not in ("barrier", "id")]
    # the measurements at the end that touch no later gate: sampled from the final state
    tail = len(ops)
    while tail > 0 and ops[tail - 1].name == "measure" and ops[tail - 1].condition is None:
        tail -= 1
    state = np.zeros(1 << n, dtype=np.complex128)
    state[0] = 1
    out: Counter[str] = Counter()
    _branch(circuit, ops, tail, 0, state, [0] * circuit.num_clbits, 1.0, out)
    return dict(out)


def _branch(
    circuit: Circuit,
    ops: list,
    tail: int,
    start: int,
    state: np.ndarray,
    bits: list[int],
    weight: float,
    out: Counter[str],
) -> None:
    n = circuit.num_qubits
    for index in range(start, tail):
        op = ops[index]
        if op.condition is not None:
            value = sum(bits[b] << i for i, b in enumerate(op.condition.clbits))
            if value != op.condition.value:
                continue
        if op.name in ("measure", "reset"):
            q = op.qubits[0]
            ones = (np.arange(1 << n) >> q) & 1
            p1 = float(np.sum(np.abs(state[ones == 1]) ** 2))
            for outcome, p in ((0, 1 - p1), (1, p1)):
                if p < 1e-12:
                    continue
                collapsed = np.where(ones == outcome, state, 0) / math.sqrt(p)
                new_bits = list(bits)
                if op.name == "measure":
                    new_bits[op.clbits[0]] = outcome
                elif outcome:  # reset: flip |1> back to |0>
                    collapsed = collapsed[np.arange(1 << n) ^ (1 << q)]
                _branch(circuit, ops, tail, index + 1, collapsed, new_bits, weight * p, out)
            return
        matrix = op.gate.matrix([float(p) for p in op.params])
        state = apply_matrix(state, matrix, op.qubits, n)
    probabilities = np.abs(state) ** 2
    terminal = ops[tail:]
    for basis in np.nonzero(probabilities > 1e-14)[0]:
        new_bits = list(bits)
        for op in terminal:
            new_bits[op.clbits[0]] = (int(basis) >> op.qubits[0]) & 1
        out[key(circuit, new_bits)] += weight * float(probabilities[basis])


def _bins(expected: Distribution, shots: int) -> list[list[str]]:
    """Outcomes grouped so that every bin expects at least 5 shots."""
    bins: list[list[str]] = []
    rest: list[str] = []
    for outcome, p in sorted(expected.items(), key=lambda kv: -kv[1]):
        if p * shots >= 5:
            bins.append([outcome])
        else:
            rest.append(outcome)
    if rest:
        bins.append(rest)
    return bins


def goodness_of_fit(counts: dict[str, int], expected: Distribution) -> float:
    """The chi-square p-value of ``counts`` against ``expected`` (outcomes outside it
    make the p-value 0)."""
    shots = sum(counts.values())
    if set(counts) - {k for k, p in expected.items() if p > 1e-12}:
        return 0.0
    bins = _bins(expected, shots)
    if len(bins) < 2:
        return 1.0
    observed = [sum(counts.get(k, 0) for k in b) for b in bins]
    wanted = [sum(expected[k] for k in b) * shots for b in bins]
    scale = sum(observed) / sum(wanted)
    return float(stats.chisquare(observed, [w * scale for w in wanted]).pvalue)


def homogeneity(a: dict[str, int], b: dict[str, int], expected: Distribution) -> float:
    """The chi-square p-value that two samples come from the same distribution."""
    shots = min(sum(a.values()), sum(b.values()))
    bins = _bins(expected, shots)
    table = [[sum(s.get(k, 0) for k in group) for group in bins] for s in (a, b)]
    keep = [i for i in range(len(bins)) if table[0][i] + table[1][i] > 0]
    if len(keep) < 2:
        return 1.0
    table = [[row[i] for i in keep] for row in table]
    return float(stats.chi2_contingency(table).pvalue)
