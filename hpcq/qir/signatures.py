"""Every function a QIR module may declare: the standard ones and hpcq's extensions.

Argument kinds: ``q`` a qubit, ``r`` a result, ``l`` an output label, ``p`` another
pointer, and LLVM types (``double``, ``i64``, ``i32``, ``i1``) for the rest.
"""

from __future__ import annotations

from dataclasses import dataclass

from hpcq.qir import gateset


@dataclass(frozen=True)
class Signature:
    """A known function.

    Attributes:
        ret: The LLVM return type.
        args: Argument kinds (see the module docstring).
        profiles: Profiles that may call it (``base``, ``adaptive``, ``hpcq`` for the
            extensions that only hpcq's runtime implements).
        irreversible: A measurement: declared ``"irreversible"``, result ``writeonly``.
    """

    ret: str
    args: tuple[str, ...]
    profiles: frozenset[str]
    irreversible: bool = False

    def llvm_args(self) -> list[str]:
        """The LLVM types of the arguments (opaque pointers)."""
        return ["ptr" if kind in "qrlp" else kind for kind in self.args]


_BOTH = frozenset({"base", "adaptive", "hpcq"})
_ADAPTIVE = frozenset({"adaptive", "hpcq"})
_HPCQ = frozenset({"hpcq"})

KNOWN: dict[str, Signature] = {
    "__quantum__rt__initialize": Signature("void", ("p",), _BOTH),
    "__quantum__rt__tuple_record_output": Signature("void", ("i64", "l"), _BOTH),
    "__quantum__rt__array_record_output": Signature("void", ("i64", "l"), _BOTH),
    "__quantum__rt__result_record_output": Signature("void", ("r", "l"), _BOTH),
    "__quantum__rt__bool_record_output": Signature("void", ("i1", "l"), _ADAPTIVE),
    "__quantum__rt__int_record_output": Signature("void", ("i64", "l"), _ADAPTIVE),
    "__quantum__rt__double_record_output": Signature("void", ("double", "l"), _ADAPTIVE),
    "__quantum__rt__read_result": Signature("i1", ("r",), _ADAPTIVE),
    "__quantum__qis__read_result__body": Signature("i1", ("r",), _ADAPTIVE),
    "__quantum__qis__mz__body": Signature("void", ("q", "r"), _BOTH, irreversible=True),
    # Q#'s name for the same measurement
    "__quantum__qis__m__body": Signature("void", ("q", "r"), _BOTH, irreversible=True),
    "__quantum__qis__mresetz__body": Signature("void", ("q", "r"), _ADAPTIVE, irreversible=True),
    "__quantum__qis__reset__body": Signature("void", ("q",), _ADAPTIVE),
    "__quantum__qis__barrier__body": Signature("void", (), _BOTH),
    # a rotation about a Pauli axis, given as QIR's i2 (0 I, 1 X, 2 Z, 3 Y)
    "__quantum__qis__r__body": Signature("void", ("i2", "double", "q"), _BOTH),
    "__quantum__qis__cnot__body": Signature("void", ("q", "q"), _BOTH),
    # hpcq extensions: never in a module meant for another runner.
    "__quantum__rt__initialize_args": Signature("void", ("i32", "p"), _HPCQ),
    "__quantum__rt__initialize_default": Signature("void", (), _HPCQ),
    "__quantum__rt__finalize": Signature("void", (), _HPCQ),
    "__quantum__rt__begin_function": Signature("void", ("l",), _HPCQ),
    "__quantum__rt__end_function": Signature("void", ("l",), _HPCQ),
    "__hpcq__rt__bind_params": Signature("void", ("i32", "p", "p"), _HPCQ),
    "__hpcq__rt__shots": Signature("i64", (), _HPCQ),
    "__hpcq__rt__shot_begin": Signature("void", ("l",), _HPCQ),
    "__hpcq__rt__shot_end": Signature("void", ("i64",), _HPCQ),
    # the counter hpcq.qir.entry.bound_loops puts at the head of every loop
    "__hpcq__rt__loop_step": Signature("void", (), _HPCQ),
    "tan": Signature("double", ("double",), _HPCQ),
    "llvm.pow.f64": Signature("double", ("double", "double"), _HPCQ),
}
# single-control forms (control, target): base-profile modules have no arrays
for _name in (
    "x__ctl",
    "y__ctl",
    "z__ctl",
    "h__ctl",
    "s__ctl",
    "s__ctladj",
    "t__ctl",
    "t__ctladj",
):
    KNOWN[f"__quantum__qis__{_name}"] = Signature("void", ("q", "q"), _BOTH)
for _name in ("sin", "cos", "exp", "log", "sqrt"):
    KNOWN[f"llvm.{_name}.f64"] = Signature("double", ("double",), _HPCQ)
for _gate in gateset.QIS_GATES.values():
    KNOWN[_gate.function] = Signature(
        "void", ("double",) * _gate.num_params + ("q",) * _gate.num_qubits, _BOTH
    )


def is_output(name: str) -> bool:
    """Whether ``name`` records output."""
    return name.startswith("__quantum__rt__") and name.endswith("_record_output")
