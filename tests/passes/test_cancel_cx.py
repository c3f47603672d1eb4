"""CancelCX: inverse pairs cancel, through gates that provably commute."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from passes_helpers import random_circuit

from hpcq.ir import STANDARD_GATES, Circuit, Condition, Parameter, equivalent
from hpcq.ir.circuit import Operation
from hpcq.ir.simulate import operations_unitary
from hpcq.passes import CancelCX, PassManager
from hpcq.passes.cancel_cx import _WIRE_TYPES, _commutes, _types


def _op(name: str, qubits: tuple[int, ...], rng: np.random.Generator) -> Operation:
    gate = STANDARD_GATES[name]
    return Operation(gate, qubits, tuple(rng.uniform(-3, 3, size=gate.num_params).tolist()))


def test_commutation_rule_is_sound() -> None:
    # Every pair of gates with known wire types, in every placement that shares at
    # least one qubit: whenever the rule says "commutes", the unitaries commute.
    rng = np.random.default_rng(11)
    names = sorted(set(_WIRE_TYPES) - {"c3x", "c4x"})  # ccx stands for them
    claimed = refused = 0
    for a, b in itertools.product(names, repeat=2):
        na, nb = STANDARD_GATES[a].num_qubits, STANDARD_GATES[b].num_qubits
        width = na + nb - 1
        qa = tuple(range(na))
        opa = _op(a, qa, rng)
        for qb in itertools.permutations(range(width), nb):
            if not set(qa) & set(qb):
                continue
            opb = _op(b, qb, rng)
            if not _commutes(opa, _types(opa), dict(zip(qb, _types(opb), strict=True))):
                refused += 1
                continue
            claimed += 1
            ab = operations_unitary([opa, opb], width)
            ba = operations_unitary([opb, opa], width)
            assert np.allclose(ab, ba, atol=1e-10), (opa, opb)
    assert claimed > 1000 and refused > 1000


@pytest.mark.parametrize(
    ("circuit", "expected"),
    [
        (Circuit(2).cx(0, 1).cx(0, 1), {}),
        (Circuit(2).cx(0, 1).t(0).rz(0.2, 0).cx(0, 1), {"t": 1, "rz": 1}),
        (Circuit(2).cx(0, 1).x(1).sx(1).cx(0, 1), {"x": 1, "sx": 1}),
        (Circuit(3).cx(0, 1).cx(0, 2).cx(0, 1), {"cx": 1}),
        (Circuit(3).cx(0, 2).cx(1, 2).cx(0, 2), {"cx": 1}),
        (Circuit(3).cx(0, 1).cz(0, 2).cx(0, 1), {"cz": 1}),
        (Circuit(3).cx(0, 1).cx(1, 2).cx(0, 1), {"cx": 3}),
        (Circuit(2).cx(0, 1).cx(1, 0).cx(0, 1), {"cx": 3}),
        (Circuit(2).cx(0, 1).h(1).cx(0, 1), {"cx": 2, "h": 1}),
        (Circuit(2).cx(0, 1).t(1).cx(0, 1), {"cx": 2, "t": 1}),
        (Circuit(2).h(0).cx(0, 1).cx(0, 1).h(0), {}),
        (Circuit(1).s(0).t(0).tdg(0).sdg(0), {}),
        (Circuit(1).rz(0.4, 0).rz(-0.4, 0), {}),
        (Circuit(1).rz(0.4, 0).rz(0.4, 0), {"rz": 2}),
        (Circuit(1).u3(0.1, 0.2, 0.3, 0).u3(-0.1, -0.3, -0.2, 0), {}),
        (Circuit(2).cz(0, 1).cz(1, 0), {}),
        (Circuit(2).swap(0, 1).swap(1, 0), {}),
        (Circuit(3).ccx(0, 1, 2).ccx(1, 0, 2), {}),
        (Circuit(3).ccx(0, 1, 2).ccx(0, 2, 1), {"ccx": 2}),
        (Circuit(2).crz(0.3, 0, 1).rz(0.1, 1).crz(-0.3, 0, 1), {"rz": 1}),
        (Circuit(2).cx(0, 1).barrier(0, 1).cx(0, 1), {"cx": 2, "barrier": 1}),
        (Circuit(3).barrier(0, 1).cx(0, 1).h(2).cx(0, 1), {"barrier": 1, "h": 1}),
        (Circuit(3).cx(0, 1).cx(2, 1).t(0).cx(0, 1), {"cx": 1, "t": 1}),
    ],
)
def test_effect(circuit: Circuit, expected: dict[str, int]) -> None:
    out = PassManager(CancelCX()).run(circuit)
    assert out.count_ops() == expected
    assert equivalent(circuit.without_measurements(), out)


def test_symbolic_inverse_pairs() -> None:
    theta = Parameter("theta")
    out = CancelCX().run(Circuit(2).rz(theta, 0).cx(0, 1).rz(-theta, 0))
    assert out.count_ops() == {"cx": 1}


def test_conditions_measure_and_reset_block() -> None:
    condition = Condition((0,), 1)
    blocked = [
        Circuit(2, 1).cx(0, 1).cx(0, 1, condition=condition),
        Circuit(2, 1).cx(0, 1).measure(0, 0).cx(0, 1),
        Circuit(2, 1).cx(0, 1).reset(1).cx(0, 1),
    ]
    for circuit in blocked:
        assert CancelCX().run(circuit) == circuit


def test_lookback_bound() -> None:
    circuit = Circuit(6).cx(0, 1)
    for target in range(2, 6):
        circuit.cx(0, target)
    circuit.cx(0, 1)
    assert CancelCX().run(circuit).count_ops() == {"cx": 4}
    assert CancelCX(max_lookback=2).run(circuit).count_ops() == {"cx": 6}
    with pytest.raises(ValueError, match="max_lookback"):
        CancelCX(max_lookback=0)


def test_random_circuits_keep_their_unitary() -> None:
    gates = ["cx", "cz", "swap", "ccx", "crz", "rzz", "rxx", "h", "x", "s", "sdg", "t", "tdg",
             "rz", "rx", "sx", "sxdg", "z", "cy", "csx"]  # fmt: skip
    angles = [math.pi / 4, -math.pi / 4, 0.5, -0.5]
    removed = 0
    for seed in range(8):
        circuit = random_circuit(4, 80, seed, gates, angles)
        out = CancelCX().run(circuit)
        assert equivalent(circuit, out), seed
        removed += len(circuit) - len(out)
    assert removed > 0


def test_input_untouched() -> None:
    circuit = Circuit(2).cx(0, 1).cx(0, 1)
    CancelCX().run(circuit)
    assert len(circuit) == 2
