"""The QIR 1 -> QIR 2 conversion (hpcq.qir.reader), property-tested.

hpcq emits the same circuit as QIR 1 and as QIR 2: the conversion of the first must
be the same module as the second once LLVM has parsed both, for any circuit, profile
and labels; and arbitrary text never makes the conversion raise or hang.
"""

from __future__ import annotations

import contextlib
import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hpcq import Circuit, QirError
from hpcq.ir import Condition
from hpcq.qir import emit
from hpcq.qir.llvm import parse
from hpcq.qir.reader import is_typed, to_opaque

GATES = {"h": 1, "x": 1, "sdg": 1, "t": 1, "rx": 1, "rz": 1, "cx": 2, "cz": 2, "swap": 2}


@st.composite
def circuits(draw: st.DrawFn) -> Circuit:
    n = draw(st.integers(1, 4))
    circuit = Circuit(n, n)
    for _ in range(draw(st.integers(0, 12))):
        name = draw(st.sampled_from(sorted(GATES)))
        if GATES[name] > n:
            continue
        qubits = draw(st.permutations(range(n)))[: GATES[name]]
        params = [draw(st.floats(-math.pi, math.pi))] if name in ("rx", "rz") else []
        circuit.append(name, list(qubits), params)
    if draw(st.booleans()):  # mid-circuit measurement and a condition: adaptive
        circuit.measure(0, 0)
        circuit.append("x", [n - 1], [], condition=Condition((0,), 1))
    for q in range(n):
        circuit.measure(q, q)
    return circuit


def canonical(text: str) -> str:
    return str(parse(text)).split("\n", 1)[1]  # without the ModuleID line


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(circuits(), st.sampled_from(["prog", "a.b", "x_1"]))
def test_converted_qir1_is_the_qir2_module(circuit: Circuit, name: str) -> None:
    typed = emit(circuit, name=name, qir_version=1)
    opaque = emit(circuit, name=name)
    assert is_typed(typed) and not is_typed(opaque)
    assert canonical(to_opaque(typed)) == canonical(opaque)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('%*i8 x[]"c;\\\n@{}()QubitRes,=ptr')), max_size=80))
def test_any_text_converts_without_error(text: str) -> None:
    out = to_opaque(text)
    assert isinstance(out, str)
    with contextlib.suppress(QirError):  # not IR: LLVM says so, naming the module
        parse(out)
