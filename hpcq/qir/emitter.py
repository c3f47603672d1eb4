"""Emission of QIR (textual LLVM IR) from a :class:`~hpcq.ir.Circuit`.

The text is written directly rather than through ``llvmlite.ir``, which cannot express
QIR's string attributes (``"entry_point"``, ``writeonly``) and prints typed pointers by
default; every module is then parsed and verified by LLVM (llvmlite) before it is
returned.

Profiles:

* ``base``: the four blocks of the QIR base profile (initialize; reversible gates;
  measurements; output recording and ``ret i64 0``). Result ``i`` is classical bit
  ``i``.
* ``adaptive``: straight-line code with mid-circuit measurement, reset and ``if (c ==
  n)`` lowered to ``__quantum__rt__read_result`` and conditional branches. Every
  measurement writes a fresh result; a classical bit reads the result of the last
  measurement into it.
* ``auto`` (default): ``base`` when the circuit allows it, else ``adaptive``.

Output recording follows the ``hpcq_registers_v1`` labelling schema: one
``tuple_record_output`` labelled ``registers`` with one item per classical register,
then per register an ``array_record_output`` labelled with the register's name followed
by one ``result_record_output`` per bit labelled ``name[i]``.

Symbolic parameters (an hpcq extension, see ``docs/qir.md``): the entry point takes one
``double`` per free parameter, in sorted name order, and computes the angles inline.
"""

from __future__ import annotations

import logging
import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from hpcq.exceptions import QirError
from hpcq.ir.parameter import ParameterExpression, ParamValue
from hpcq.qir import gateset

if TYPE_CHECKING:
    from hpcq.ir import Circuit, Operation

logger = logging.getLogger(__name__)

LABELING_SCHEMA = "hpcq_registers_v1"
PROFILES = ("auto", "base", "adaptive")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*\Z")

_MATH = {
    "sin": "llvm.sin.f64",
    "cos": "llvm.cos.f64",
    "tan": "llvm.tan.f64",
    "exp": "llvm.exp.f64",
    "ln": "llvm.log.f64",
    "sqrt": "llvm.sqrt.f64",
}
_ARITH = {"+": "fadd", "-": "fsub", "*": "fmul", "/": "fdiv"}


def emit(
    circuit: Circuit,
    *,
    profile: str = "auto",
    qir_version: int = 2,
    name: str = "program",
    entry_point: bool = True,
) -> str:
    """The circuit as a QIR module in textual LLVM IR.

    Args:
        circuit: The circuit; gates outside the QIR set are lowered with
            ``hpcq.passes.Rebase("qir")``.
        profile: ``"base"``, ``"adaptive"`` or ``"auto"`` (base when possible).
        qir_version: 2 (opaque pointers, LLVM >= 16) or 1 (typed pointers, LLVM <= 15).
        name: The name of the entry-point function (an LLVM identifier, not ``main``).
        entry_point: ``False`` leaves out the entry-point attribute group: the module is
            then a library whose function a host program calls (see ``build``).

    Returns:
        The module text. QIR 2 modules are parsed and verified by LLVM first.

    Raises:
        ValueError: A bad ``profile``, ``qir_version`` or ``name``.
        QirError: The circuit cannot be expressed in the requested profile.
    """
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {', '.join(PROFILES)}, not {profile!r}")
    if qir_version not in (1, 2):
        raise ValueError(f"qir_version must be 1 or 2, not {qir_version!r}")
    if not isinstance(name, str) or not _NAME.match(name) or name == "main":
        raise ValueError(f"name must be an LLVM identifier other than 'main', not {name!r}")
    lowered = gateset.lower(circuit)
    problem = base_profile_problem(lowered)
    if profile == "auto":
        profile = "base" if problem is None else "adaptive"
    elif profile == "base" and problem is not None:
        raise QirError(f"the base profile cannot express {problem}; use profile='adaptive'")
    writer = _Writer(lowered, profile, qir_version, name, entry_point)
    text = writer.module()
    if qir_version == 2:
        from hpcq.qir.llvm import parse

        parse(text, name)
    logger.debug("emitted %s-profile QIR %s for %r", profile, qir_version, circuit)
    return text


def emit_bitcode(circuit: Circuit, **options: object) -> bytes:
    """The circuit as a QIR 2 module in LLVM bitcode; options as for :func:`emit`."""
    from hpcq.qir.llvm import parse

    if options.get("qir_version", 2) != 2:
        raise ValueError("bitcode is written for QIR 2 only (this LLVM reads no typed pointers)")
    text = emit(circuit, **options)  # type: ignore[arg-type]
    return parse(text, str(options.get("name", "program"))).as_bitcode()


def base_profile_problem(circuit: Circuit) -> str | None:
    """Why ``circuit`` needs the adaptive profile, or ``None`` if the base one fits."""
    measured_qubits: set[int] = set()
    measured_bits: set[int] = set()
    for index, op in enumerate(circuit):
        where = f"operation {index} ({op!r})"
        if op.condition is not None:
            return f"a classically conditioned operation, {where}"
        if op.name == "reset":
            return f"a reset, {where}"
        if op.name == "measure":
            qubit, bit = op.qubits[0], op.clbits[0]
            if qubit in measured_qubits:
                return f"a second measurement of qubit {qubit}, {where}"
            if bit in measured_bits:
                return f"a second measurement into bit {bit}, {where}"
            measured_qubits.add(qubit)
            measured_bits.add(bit)
        elif op.name not in gateset.IGNORED and measured_qubits.intersection(op.qubits):
            return f"a gate after a measurement on the same qubit, {where}"
    return None


def parameter_names(circuit: Circuit) -> list[str]:
    """The entry point's ``double`` arguments, in order (sorted names)."""
    return sorted(circuit.parameters)


def double_literal(value: float) -> str:
    """An exact LLVM ``double`` literal (hexadecimal bit pattern)."""
    return "0x" + struct.pack(">d", float(value)).hex().upper()


@dataclass
class _Writer:
    circuit: Circuit
    profile: str
    qir_version: int
    name: str
    entry_point: bool
    lines: list[str] = field(default_factory=list)
    strings: list[str] = field(default_factory=list)
    declared: dict[str, str] = field(default_factory=dict)
    irreversible: set[str] = field(default_factory=set)
    counter: int = 0
    num_results: int = 0

    # --- types and operands -------------------------------------------------------

    @property
    def typed(self) -> bool:
        return self.qir_version == 1

    @property
    def qubit_t(self) -> str:
        return "%Qubit*" if self.typed else "ptr"

    @property
    def result_t(self) -> str:
        return "%Result*" if self.typed else "ptr"

    @property
    def label_t(self) -> str:
        return "i8*" if self.typed else "ptr"

    def qubit(self, index: int) -> str:
        return self._id(self.qubit_t, index)

    def result(self, index: int) -> str:
        return self._id(self.result_t, index)

    def _id(self, type_: str, index: int) -> str:
        if index == 0:
            return f"{type_} null"
        return f"{type_} inttoptr (i64 {index} to {type_})"

    def label(self, text: str) -> str:
        raw = text.encode() + b"\0"
        index = len(self.strings)
        body = "".join(
            chr(b) if 32 <= b < 127 and b not in (34, 92) else f"\\{b:02X}" for b in raw
        )
        self.strings.append(f'@{index} = internal constant [{len(raw)} x i8] c"{body}"')
        if self.typed:
            return (
                f"i8* getelementptr inbounds ([{len(raw)} x i8], "
                f"[{len(raw)} x i8]* @{index}, i64 0, i64 0)"
            )
        return f"ptr @{index}"

    def declare(self, function: str, ret: str, params: Sequence[str]) -> None:
        if function not in self.declared:
            self.declared[function] = f"declare {ret} @{function}({', '.join(params)})"

    def call(self, function: str, args: Sequence[str], ret: str = "void") -> None:
        self.lines.append(f"  call {ret} @{function}({', '.join(args)})")

    def fresh(self) -> str:
        self.counter += 1
        return f"%{self.counter - 1}"

    # --- module -------------------------------------------------------------------

    def module(self) -> str:
        params = parameter_names(self.circuit)
        if self.profile == "base":
            self.base_body()
        else:
            self.adaptive_body()
        args = ", ".join(f"double %arg.{p}" for p in params)
        attrs = " #0" if self.entry_point else ""
        out = [f"; ModuleID = '{self.name}'", f'source_filename = "{self.name}"', ""]
        if self.typed:
            out += ["%Qubit = type opaque", "%Result = type opaque", ""]
        out.append(f"define i64 @{self.name}({args}){attrs} {{")
        out += self.lines
        out += ["}", ""]
        out += self.strings
        out.append("")
        for function, text in sorted(self.declared.items()):
            out.append(text + (" #1" if function in self.irreversible else ""))
        out.append("")
        if self.entry_point:
            out.append(
                f'attributes #0 = {{ "entry_point" "output_labeling_schema"="{LABELING_SCHEMA}" '
                f'"qir_profiles"="{self.profile}_profile" '
                f'"required_num_qubits"="{self.circuit.num_qubits}" '
                f'"required_num_results"="{self.num_results}" }}'
            )
        if self.irreversible:
            out.append('attributes #1 = { "irreversible" }')
        out += [
            "",
            "!llvm.module.flags = !{!0, !1, !2, !3}",
            f'!0 = !{{i32 1, !"qir_major_version", i32 {self.qir_version}}}',
            '!1 = !{i32 7, !"qir_minor_version", i32 0}',
            '!2 = !{i32 1, !"dynamic_qubit_management", i1 false}',
            '!3 = !{i32 1, !"dynamic_result_management", i1 false}',
            "",
        ]
        return "\n".join(out)

    def initialize(self) -> None:
        self.lines.append("entry:")
        self.declare("__quantum__rt__initialize", "void", [self.label_t])
        self.call("__quantum__rt__initialize", [f"{self.label_t} null"])

    def block(self, label: str) -> None:
        self.lines.append(f"  br label %{label}")
        self.lines.append("")
        self.lines.append(f"{label}:")

    def base_body(self) -> None:
        self.num_results = self.circuit.num_clbits
        self.initialize()
        self.block("body")
        measures = []
        for op in self.circuit:
            if op.name == "measure":
                measures.append(op)
            else:
                self.gate(op)
        self.block("measurements")
        for op in measures:
            self.measure(op.qubits[0], op.clbits[0])
        self.block("output")
        self.record_output(list(range(self.circuit.num_clbits)))
        self.lines.append("  ret i64 0")

    def adaptive_body(self) -> None:
        last: dict[int, int] = {}
        num_measures = sum(1 for op in self.circuit if op.name == "measure")
        unwritten = num_measures  # a result no measurement writes: it reads Zero
        uses_unwritten = False
        self.initialize()
        self.block("body")
        branch = 0
        for index, op in enumerate(self.circuit):
            if op.condition is not None:
                if op.name == "measure":
                    raise QirError(f"operation {index} ({op!r}): a conditioned measurement")
                bits, value = op.condition.clbits, op.condition.value
                if value >= 1 << len(bits) or value < 0:
                    continue  # never true
                then, done = f"then{branch}", f"continue{branch}"
                branch += 1
                self.declare("__quantum__rt__read_result", "i1", [self.result_t])
                for position, bit in enumerate(bits):
                    if bit not in last:
                        uses_unwritten = True
                    value_reg = self.fresh()
                    result = self.result(last.get(bit, unwritten))
                    self.lines.append(
                        f"  {value_reg} = call i1 @__quantum__rt__read_result({result})"
                    )
                    next_label = then if position == len(bits) - 1 else f"{then}.{position}"
                    if (value >> position) & 1:
                        targets = f"label %{next_label}, label %{done}"
                    else:
                        targets = f"label %{done}, label %{next_label}"
                    self.lines.append(f"  br i1 {value_reg}, {targets}")
                    self.lines.append("")
                    self.lines.append(f"{next_label}:")
                self.operation(op, last)
                self.block(done)
            else:
                self.operation(op, last)
        self.num_results = num_measures
        outputs = []
        for bit in range(self.circuit.num_clbits):
            if bit not in last:
                uses_unwritten = True
            outputs.append(last.get(bit, unwritten))
        if uses_unwritten:
            self.num_results += 1
        self.block("output")
        self.record_output(outputs)
        self.lines.append("  ret i64 0")

    def operation(self, op: Operation, last: dict[int, int]) -> None:
        if op.name == "measure":
            result = self.num_results
            self.num_results += 1
            last[op.clbits[0]] = result
            self.measure(op.qubits[0], result)
        elif op.name == "reset":
            self.declare(gateset.RESET.function, "void", [self.qubit_t])
            self.call(gateset.RESET.function, [self.qubit(op.qubits[0])])
        else:
            self.gate(op)

    def measure(self, qubit: int, result: int) -> None:
        function = gateset.MEASURE.function
        self.declare(function, "void", [self.qubit_t, f"{self.result_t} writeonly"])
        self.irreversible.add(function)
        self.call(
            function, [self.qubit(qubit), self.result(result).replace(" ", " writeonly ", 1)]
        )

    def gate(self, op: Operation) -> None:
        if op.name in gateset.IGNORED:
            return
        qis = gateset.QIS_GATES.get(op.name)
        if qis is None:
            raise QirError(f"{op!r} is not in the QIR gate set")
        angles = [self.angle(p) for p in op.params]
        self.declare(
            qis.function, "void", ["double"] * qis.num_params + [self.qubit_t] * qis.num_qubits
        )
        args = [f"double {a}" for a in angles] + [self.qubit(q) for q in op.qubits]
        self.call(qis.function, args)

    def angle(self, value: ParamValue) -> str:
        """An operand holding ``value``: a literal, an argument or a computed register."""
        if not isinstance(value, ParameterExpression):
            return double_literal(value)
        if value.op == "param":
            return f"%arg.{next(iter(value.parameters))}"
        args = [self.angle(a) for a in value.args]
        reg = self.fresh()
        if value.op in _ARITH:
            self.lines.append(f"  {reg} = {_ARITH[value.op]} double {args[0]}, {args[1]}")
        elif value.op == "neg":
            self.lines.append(f"  {reg} = fneg double {args[0]}")
        elif value.op == "^":
            self.declare("llvm.pow.f64", "double", ["double", "double"])
            self.lines.append(
                f"  {reg} = call double @llvm.pow.f64(double {args[0]}, double {args[1]})"
            )
        elif value.op in _MATH:
            function = _MATH[value.op]
            if value.op == "tan":
                function = "tan"  # LLVM 16- has no tan intrinsic; libm's tan everywhere
            self.declare(function, "double", ["double"])
            self.lines.append(f"  {reg} = call double @{function}(double {args[0]})")
        else:  # pragma: no cover - ParameterExpression admits no other operation
            raise QirError(f"cannot emit parameter operation {value.op!r}")
        return reg

    def record_output(self, results: list[int]) -> None:
        registers = self.circuit.cregs
        self.declare("__quantum__rt__tuple_record_output", "void", ["i64", self.label_t])
        self.call(
            "__quantum__rt__tuple_record_output",
            [f"i64 {len(registers)}", self.label("registers")],
        )
        for register in registers:
            self.declare("__quantum__rt__array_record_output", "void", ["i64", self.label_t])
            self.call(
                "__quantum__rt__array_record_output",
                [f"i64 {register.size}", self.label(register.name)],
            )
            for offset, bit in enumerate(register.indices):
                self.declare(
                    "__quantum__rt__result_record_output", "void", [self.result_t, self.label_t]
                )
                self.call(
                    "__quantum__rt__result_record_output",
                    [self.result(results[bit]), self.label(f"{register.name}[{offset}]")],
                )
