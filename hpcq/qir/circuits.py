"""Base-profile QIR from any producer read into a :class:`~hpcq.ir.Circuit`, and back.

:func:`read_circuit` takes the entry point's quantum instructions (gates, measurements,
resets) as a circuit on ``required_num_qubits`` qubits whose classical bit ``i`` is
result ``i``, and keeps everything else of the module: initialization, the output
recording calls with their labels, the return, the other functions and the
attributes. :meth:`QirCircuit.write` puts a circuit (an optimized one, say) in place of
the quantum instructions, so the module records the same outputs.

Only straight-line entry points are read (the base profile; adaptive modules branch on
results, and their control flow is not taken apart here). Anything else is a
:class:`~hpcq.exceptions.QirError` naming the construct: an instruction other than
``call``, ``br`` and ``ret``, a conditional branch, a call to a classical function, a
qubit or angle that is not a constant, a gate after the output recording.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from hpcq.exceptions import QirError
from hpcq.qir import gateset
from hpcq.qir.emitter import double_literal
from hpcq.qir.reader import to_opaque

_ID = re.compile(r"^ptr (?:null|inttoptr \(i64 (\d+) to ptr\))$")
_DEFINE = re.compile(r'^define [^@]*@("(?:[^"\\]|\\.)*"|[-\w.$]+)\(')

#: QIR gate function -> (hpcq gate, fixed angles) for what is not in the emitted set.
_ALIASES: dict[str, tuple[str, tuple[float, ...]]] = {
    "__quantum__qis__cnot__body": ("cx", ()),
    "__quantum__qis__x__ctl": ("cx", ()),
    "__quantum__qis__y__ctl": ("cy", ()),
    "__quantum__qis__z__ctl": ("cz", ()),
    "__quantum__qis__h__ctl": ("ch", ()),
    "__quantum__qis__s__ctl": ("cu1", (math.pi / 2,)),
    "__quantum__qis__s__ctladj": ("cu1", (-math.pi / 2,)),
    "__quantum__qis__t__ctl": ("cu1", (math.pi / 4,)),
    "__quantum__qis__t__ctladj": ("cu1", (-math.pi / 4,)),
}
_GATES = {g.function: name for name, g in gateset.QIS_GATES.items()}
_MEASURE = frozenset({"__quantum__qis__mz__body", "__quantum__qis__m__body"})
_PAULI_ROTATIONS = {1: "rx", 2: "rz", 3: "ry"}  # QIR's i2 Pauli: 0 I, 1 X, 2 Z, 3 Y


@dataclass(frozen=True)
class QirCircuit:
    """A module's quantum instructions as a circuit, with the rest of the module.

    Attributes:
        circuit: The gates, measurements and resets of the entry point, in order.
        entry: The entry point's name.
        head: The module's text before the entry point's body (its ``define`` line
            included).
        prologue: The body's instructions before the first quantum one (initialize).
        epilogue: The body's instructions after the last one (output recording, ret).
        tail: The module's text after the entry point.
    """

    circuit: object
    entry: str
    head: str
    prologue: tuple[str, ...]
    epilogue: tuple[str, ...]
    tail: str

    def write(self, circuit: object | None = None) -> str:
        """The module with ``circuit`` (default: the one read) as its quantum code.

        The circuit is lowered to the QIR gate set first; its measurements write the
        result of their classical bit's index, so the output recording is unchanged.

        Raises:
            QirError: A gate cannot be lowered, or the circuit has more qubits or bits
                than the module.
        """
        from hpcq.ir import Circuit
        from hpcq.qir.llvm import parse

        new = self.circuit if circuit is None else circuit
        if not isinstance(new, Circuit) or not isinstance(self.circuit, Circuit):
            raise TypeError("write takes an hpcq.Circuit")
        if new.num_qubits > self.circuit.num_qubits or new.num_clbits > self.circuit.num_clbits:
            raise QirError(
                f"the circuit has {new.num_qubits} qubits and {new.num_clbits} bits; "
                f"the module {self.circuit.num_qubits} and {self.circuit.num_clbits}"
            )
        lowered = list(gateset.lower(new))
        # a measurement no later operation touches commutes with the gates after it:
        # measurements go last, in the base profile's order (an optimizer may have put
        # gates on other qubits after them)
        touched: set[int] = set()
        terminal = True
        for op in reversed(lowered):
            if op.name == "measure" and op.qubits[0] in touched:
                terminal = False
            touched.update(op.qubits)
        if terminal:
            lowered.sort(key=lambda op: op.name == "measure")  # stable: order kept
        calls: list[str] = []
        declared: dict[str, str] = {}
        for op in lowered:
            if op.condition is not None:
                raise QirError(f"{op!r}: a condition: not a base-profile circuit")
            if op.name in gateset.IGNORED:
                continue
            if op.name == "measure":
                function = gateset.MEASURE.function
                declared[function] = f"declare void @{function}(ptr, ptr writeonly)"
                calls.append(
                    f"  call void @{function}({_qubit(op.qubits[0])}, "
                    f"{_qubit(op.clbits[0]).replace('ptr', 'ptr writeonly', 1)})"
                )
                continue
            if op.name == "reset":
                function = gateset.RESET.function
                declared[function] = f"declare void @{function}(ptr)"
                calls.append(f"  call void @{function}({_qubit(op.qubits[0])})")
                continue
            qis = gateset.QIS_GATES[op.name]
            types = ", ".join(["double"] * qis.num_params + ["ptr"] * qis.num_qubits)
            declared[qis.function] = f"declare void @{qis.function}({types})"
            args = [f"double {double_literal(float(p))}" for p in op.params]
            args += [_qubit(q) for q in op.qubits]
            calls.append(f"  call void @{qis.function}({', '.join(args)})")
        body = [*self.prologue, *calls, *self.epilogue]
        text = self.head + "\n".join(body) + "\n}\n" + self.tail
        missing = [d for name, d in declared.items() if f"@{name}(" not in self.tail]
        if gateset.MEASURE.function in declared and gateset.MEASURE.function not in self.tail:
            # a new group for the measurement's "irreversible", numbered past the others
            group = 1 + max((int(n) for n in re.findall(r"#(\d+)", text)), default=0)
            missing = [f"{d} #{group}" if gateset.MEASURE.function in d else d for d in missing]
            missing.append(f'attributes #{group} = {{ "irreversible" }}')
        return str(parse(text + "\n" + "\n".join(missing) + "\n"))


def _qubit(index: int) -> str:
    return "ptr null" if index == 0 else f"ptr inttoptr (i64 {index} to ptr)"


def read_circuit(text: str, where: str = "<module>") -> QirCircuit:
    """The quantum instructions of a straight-line QIR module as a circuit.

    Raises:
        QirError: The module has no entry point, or a construct that is not read
            (named in the message with the function and instruction).
    """
    from hpcq.ir import Circuit
    from hpcq.qir.entry import inspect
    from hpcq.qir.llvm import parse

    text = to_opaque(text)
    info = inspect(text, where)
    entry = info.entry_point
    if entry is None:
        raise QirError(f"{where}: no entry point to read")
    if entry.parameters:
        raise QirError(f"{where}: the entry point takes parameters; only constants are read")
    module = parse(info.text, where)
    function = module.get_function(entry.name)
    attributes = dict(entry.attributes)
    blocks = list(function.blocks)
    ops: list[tuple[str, list[int], list[float], int | None]] = []
    prologue: list[str] = []
    epilogue: list[str] = []
    top_qubit, top_result = -1, -1
    for index, block in enumerate(blocks):
        for inst in block.instructions:
            line = "  " + str(inst).strip()
            where_inst = f"{where}: @{entry.name}: {str(inst).strip()}"
            if inst.opcode == "br":
                operands = list(inst.operands)
                if len(operands) != 1:
                    raise QirError(
                        f"{where_inst}: a conditional branch: hpcq reads straight-line "
                        "(base-profile) modules into circuits; control flow is not read"
                    )
                continue  # the blocks are read in order, as one
            if inst.opcode == "ret":
                epilogue.append(line)
                continue
            if inst.opcode != "call":
                raise QirError(
                    f"{where_inst}: '{inst.opcode}' is a classical computation: hpcq reads "
                    "only quantum instructions and output recording into circuits"
                )
            operands = list(inst.operands)
            callee = operands[-1].name
            args = operands[:-1]
            quantum = _quantum(callee)
            if not quantum:
                if callee == "__quantum__rt__initialize" and not ops and not epilogue:
                    prologue.append(line)
                elif callee.startswith("__quantum__rt__") and callee.endswith("_record_output"):
                    epilogue.append(line)
                elif callee == "__quantum__qis__barrier__body":
                    continue
                elif callee in ("__quantum__rt__read_result", "__quantum__qis__read_result__body"):
                    raise QirError(
                        f"{where_inst}: a result read at run time (adaptive profile): hpcq "
                        "reads straight-line (base-profile) modules into circuits; "
                        "classical computation on results is not read"
                    )
                else:
                    raise QirError(
                        f"{where_inst}: a call to @{callee}, which is not a quantum "
                        "instruction: hpcq cannot read it into a circuit"
                    )
                continue
            if epilogue:
                raise QirError(f"{where_inst}: a quantum instruction after the output recording")
            qubits, angles, result = _operands(callee, args, where_inst)
            for q in qubits:
                top_qubit = max(top_qubit, q)
            if result is not None:
                top_result = max(top_result, result)
            ops.append((callee, qubits, angles, result))
        if index + 1 < len(blocks) and not list(block.instructions)[-1].opcode == "br":
            raise QirError(f"{where}: @{entry.name}: a block without a branch")
    num_qubits = _count(attributes.get("required_num_qubits"), top_qubit + 1)
    num_results = _count(attributes.get("required_num_results"), top_result + 1)
    circuit = Circuit(num_qubits, num_results)
    for callee, qubits, angles, result in ops:
        if callee in _MEASURE or callee == "__quantum__qis__mresetz__body":
            circuit.measure(qubits[0], result if result is not None else 0)
            if callee == "__quantum__qis__mresetz__body":
                circuit.reset(qubits[0])
        elif callee == "__quantum__qis__reset__body":
            circuit.reset(qubits[0])
        elif callee == "__quantum__qis__r__body":
            name = _PAULI_ROTATIONS.get(int(angles[0]))
            if name is not None:  # R about I is a global phase
                circuit.append(name, qubits, [angles[1]])
        elif callee in _ALIASES:
            name, fixed = _ALIASES[callee]
            circuit.append(name, qubits, list(fixed))
        else:
            circuit.append(_GATES[callee], qubits, angles)
    canonical = str(module)
    head, body_tail = _split(canonical, entry.name, where)
    return QirCircuit(circuit, entry.name, head, tuple(prologue), tuple(epilogue), body_tail)


def _quantum(callee: str) -> bool:
    return (
        callee in _GATES
        or callee in _ALIASES
        or callee in _MEASURE
        or callee
        in (
            "__quantum__qis__mresetz__body",
            "__quantum__qis__reset__body",
            "__quantum__qis__r__body",
        )
    )


def _operands(
    callee: str, args: list[object], where: str
) -> tuple[list[int], list[float], int | None]:
    qubits: list[int] = []
    angles: list[float] = []
    result: int | None = None
    measuring = callee in _MEASURE or callee == "__quantum__qis__mresetz__body"
    for position, arg in enumerate(args):
        kind = str(arg.type)  # type: ignore[attr-defined]
        text = str(arg).strip()
        if kind == "ptr":
            match = _ID.match(text.replace("writeonly ", ""))
            if match is None:
                raise QirError(f"{where}: {text!r} is not a constant qubit or result id")
            value = int(match.group(1) or 0)
            if measuring and position == 1:
                result = value
            else:
                qubits.append(value)
        elif kind == "double":
            if arg.value_kind.name != "constant_fp":  # type: ignore[attr-defined]
                raise QirError(f"{where}: the angle {text!r} is not a constant")
            angles.append(float(arg.get_constant_value()))  # type: ignore[attr-defined]
        elif kind == "i2":
            value = int(text.split()[-1])
            angles.append(float(value & 3))
        else:
            raise QirError(f"{where}: cannot read the argument {text!r}")
    return qubits, angles, result


def _count(value: str | None, used: int) -> int:
    if value is not None and value.isdigit():
        return max(int(value), used)
    return used


def _split(text: str, name: str, where: str) -> tuple[str, str]:
    """``(text up to the entry point's define line and its first label, the rest
    after its closing brace)``."""
    lines = text.splitlines(keepends=True)
    starts = [
        i
        for i, line in enumerate(lines)
        if (match := _DEFINE.match(line)) and match.group(1).strip('"') == name
    ]
    if not starts:
        raise QirError(f"{where}: cannot find @{name} in the module's text")
    start = starts[0]
    end = start + 1
    while end < len(lines) and lines[end] != "}\n":
        end += 1
    label = lines[start + 1] if start + 1 < end and lines[start + 1].rstrip().endswith(":") else ""
    head = "".join(lines[: start + 1]) + (label or "entry:\n")
    return head, "".join(lines[end + 1 :])
