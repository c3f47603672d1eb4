"""The circuit IR: :class:`Circuit`, :class:`Operation` and :class:`Condition`.

A circuit is an ordered list of operations on ``num_qubits`` qubits and ``num_clbits``
classical bits, grouped into named registers for OpenQASM (by default one quantum
register ``q`` and one classical register ``c``).

Example:
    >>> from hpcq import Circuit
    >>> bell = Circuit(2, 2)
    >>> bell.h(0).cx(0, 1).measure(0, 0).measure(1, 1)
    Circuit(2 qubits, 2 clbits, 4 operations: h 1, cx 1, measure 2)
    >>> bell.depth()
    3
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from hpcq.exceptions import CircuitError
from hpcq.ir.gates import Gate, StandardGate, UnitaryGate, standard_gate
from hpcq.ir.parameter import ParameterExpression, ParamValue

if TYPE_CHECKING:
    import os

# The OpenQASM readers' default limits (hpcq.ir.qasm2.MAX_OPERATIONS and MAX_GATE_DEPTH,
# the same in hpcq.ir.qasm3). Written out because the readers import this module; a test
# keeps the numbers equal.
_QASM_MAX_OPERATIONS = 10_000_000
_QASM_MAX_GATE_DEPTH = 64


@dataclass(frozen=True)
class Condition:
    """A classical condition, OpenQASM's ``if (c == value)``.

    Attributes:
        clbits: The bits of the tested register, least significant first.
        value: The integer the register must equal for the operation to apply.
    """

    clbits: tuple[int, ...]
    value: int


@dataclass(frozen=True, eq=False)
class Operation:
    """One gate (or directive) applied to qubits.

    Attributes:
        gate: What is applied: a standard gate, a directive, a :class:`UnitaryGate`
            or a user-defined :class:`~hpcq.ir.gates.CompositeGate`.
        qubits: The qubits, in the gate's argument order.
        params: Angle parameters: floats or symbolic expressions.
        clbits: Classical bits written (``measure`` only).
        condition: The classical condition, if any.
    """

    gate: Gate
    qubits: tuple[int, ...]
    params: tuple[ParamValue, ...] = ()
    clbits: tuple[int, ...] = ()
    condition: Condition | None = None

    @property
    def name(self) -> str:
        """The gate's name."""
        return self.gate.name

    def matrix(self) -> np.ndarray:
        """The unitary of this operation alone (its parameters must be bound)."""
        if self.condition is not None:
            raise TypeError(f"conditioned '{self.name}' has no unitary")
        return self.gate.matrix([float(p) for p in self.params])

    def _key(self) -> tuple[object, ...]:
        return (self.gate, self.qubits, self.params, self.clbits, self.condition)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Operation):
            return NotImplemented
        if self.gate is not other.gate and self.gate != other.gate:
            return False
        return (self.qubits, self.params, self.clbits, self.condition) == (
            other.qubits,
            other.params,
            other.clbits,
            other.condition,
        )

    def __hash__(self) -> int:
        return hash((self.name, self.qubits, self.params, self.clbits))

    def __repr__(self) -> str:
        from hpcq.ir.parameter import format_param

        text = self.name
        if self.params:
            text += "(" + ", ".join(format_param(p) for p in self.params) + ")"
        text += " " + ", ".join(f"q{q}" for q in self.qubits)
        if self.clbits:
            text += " -> " + ", ".join(f"c{c}" for c in self.clbits)
        if self.condition is not None:
            bits = ",".join(f"c{c}" for c in self.condition.clbits)
            text = f"if ([{bits}] == {self.condition.value}) " + text
        return f"<{text}>"


@dataclass(frozen=True)
class Register:
    """A named register of ``size`` bits starting at flat index ``start``."""

    name: str
    size: int
    start: int = field(default=0)

    @property
    def indices(self) -> range:
        """The flat indices of the register's bits."""
        return range(self.start, self.start + self.size)


class Circuit:
    """An ordered list of quantum operations.

    Args:
        num_qubits: Number of qubits (one register ``q``).
        num_clbits: Number of classical bits (one register ``c`` when non-zero).

    Gates are added with :meth:`append` or with one method per standard gate, which
    returns the circuit so that calls chain: ``Circuit(2).h(0).cx(0, 1)``. Qubit order
    follows Qiskit: qubit 0 is the least significant bit of a basis-state index.
    """

    def __init__(self, num_qubits: int, num_clbits: int = 0) -> None:
        if not isinstance(num_qubits, (int, np.integer)) or num_qubits < 0:
            raise ValueError(f"num_qubits must be a non-negative integer, not {num_qubits!r}")
        if not isinstance(num_clbits, (int, np.integer)) or num_clbits < 0:
            raise ValueError(f"num_clbits must be a non-negative integer, not {num_clbits!r}")
        self._num_qubits = int(num_qubits)
        self._num_clbits = int(num_clbits)
        self.qregs: list[Register] = [Register("q", self._num_qubits)] if num_qubits else []
        self.cregs: list[Register] = [Register("c", self._num_clbits)] if num_clbits else []
        self._ops: list[Operation] = []

    @classmethod
    def with_registers(
        cls, qregs: Sequence[tuple[str, int]], cregs: Sequence[tuple[str, int]] = ()
    ) -> Circuit:
        """A circuit over named registers, laid out in the order given."""
        circuit = cls(0, 0)
        for name, size in qregs:
            circuit.add_register(name, size, quantum=True)
        for name, size in cregs:
            circuit.add_register(name, size, quantum=False)
        return circuit

    def add_register(self, name: str, size: int, *, quantum: bool) -> Register:
        """Append a quantum or classical register of ``size`` bits; returns it."""
        if any(r.name == name for r in (*self.qregs, *self.cregs)):
            raise CircuitError(f"register {name!r} already exists")
        if size < 0:
            raise ValueError(f"register size must be non-negative, not {size}")
        if quantum:
            register = Register(name, size, self._num_qubits)
            self.qregs.append(register)
            self._num_qubits += size
        else:
            register = Register(name, size, self._num_clbits)
            self.cregs.append(register)
            self._num_clbits += size
        return register

    # --- basic properties ---------------------------------------------------------

    @property
    def num_qubits(self) -> int:
        """Number of qubits."""
        return self._num_qubits

    @property
    def num_clbits(self) -> int:
        """Number of classical bits."""
        return self._num_clbits

    @property
    def operations(self) -> list[Operation]:
        """The operations in order (a copy; use :meth:`append` to add)."""
        return list(self._ops)

    @property
    def parameters(self) -> frozenset[str]:
        """Names of the free symbolic parameters, in no particular order."""
        names: set[str] = set()
        for op in self._ops:
            for p in op.params:
                if isinstance(p, ParameterExpression):
                    names |= p.parameters
        return frozenset(names)

    def __len__(self) -> int:
        return len(self._ops)

    def __iter__(self) -> Iterator[Operation]:
        return iter(self._ops)

    def __getitem__(self, index: int) -> Operation:
        return self._ops[index]

    # --- building -----------------------------------------------------------------

    def append(
        self,
        gate: str | Gate | Operation,
        qubits: Sequence[int] | int = (),
        params: Sequence[ParamValue] = (),
        *,
        clbits: Sequence[int] | int = (),
        condition: Condition | None = None,
    ) -> Circuit:
        """Append one operation; returns the circuit.

        Args:
            gate: A gate name from the standard library, a :class:`Gate`, or a whole
                :class:`Operation` (then the other arguments must be left out).
            qubits: The qubits, in the gate's argument order.
            params: Angle parameters (floats or :class:`~hpcq.Parameter` expressions).
            clbits: Classical targets (``measure``).
            condition: Apply only when the classical bits equal a value.

        Raises:
            CircuitError: A qubit or bit out of range, repeated, or the wrong count.
            KeyError: An unknown gate name.
        """
        if isinstance(gate, Operation):
            op = gate
        else:
            if isinstance(gate, str):
                gate = standard_gate(gate)
            if isinstance(qubits, (int, np.integer)):
                qubits = (int(qubits),)
            if isinstance(clbits, (int, np.integer)):
                clbits = (int(clbits),)
            op = Operation(
                gate,
                tuple(int(q) for q in qubits),
                tuple(p if isinstance(p, ParameterExpression) else float(p) for p in params),
                tuple(int(c) for c in clbits),
                condition,
            )
        self._check(op)
        self._ops.append(op)
        return self

    def extend(self, operations: Iterable[Operation]) -> Circuit:
        """Append several operations; returns the circuit."""
        for op in operations:
            self.append(op)
        return self

    def _extend_trusted(self, operations: Iterable[Operation]) -> None:
        """Append operations that the caller has already checked against this circuit.

        For readers and passes that validate as they build (the OpenQASM parser checks
        every statement): :meth:`append`'s per-operation check would cost a third of a
        large file's parse time for nothing.
        """
        self._ops.extend(operations)

    def _check(self, op: Operation) -> None:
        gate = op.gate
        if gate.num_qubits and len(op.qubits) != gate.num_qubits:
            raise CircuitError(
                f"'{gate.name}' acts on {gate.num_qubits} qubit(s), got {len(op.qubits)}"
            )
        if len(op.params) != gate.num_params:
            raise CircuitError(
                f"'{gate.name}' takes {gate.num_params} parameter(s), got {len(op.params)}"
            )
        for q in op.qubits:
            if not 0 <= q < self._num_qubits:
                raise CircuitError(
                    f"qubit {q} out of range for a circuit of {self._num_qubits} qubits"
                )
        if len(set(op.qubits)) != len(op.qubits):
            raise CircuitError(f"'{gate.name}' applied to repeated qubits {op.qubits}")
        expected_clbits = len(op.qubits) if gate.name == "measure" else 0
        if len(op.clbits) != expected_clbits:
            raise CircuitError(f"'{gate.name}' needs {expected_clbits} classical bit(s)")
        bits = op.clbits + (op.condition.clbits if op.condition else ())
        for c in bits:
            if not 0 <= c < self._num_clbits:
                raise CircuitError(
                    f"classical bit {c} out of range for a circuit of {self._num_clbits} bits"
                )

    def measure(self, qubit: int, clbit: int) -> Circuit:
        """Measure ``qubit`` into ``clbit``; returns the circuit."""
        return self.append("measure", (qubit,), clbits=(clbit,))

    def measure_all(self) -> Circuit:
        """Measure qubit ``i`` into bit ``i`` for every qubit (bits must exist)."""
        for q in range(self._num_qubits):
            self.measure(q, q)
        return self

    def reset(self, qubit: int) -> Circuit:
        """Reset ``qubit`` to ``|0>``; returns the circuit."""
        return self.append("reset", (qubit,))

    def barrier(self, *qubits: int) -> Circuit:
        """A barrier on ``qubits`` (all qubits when none are given)."""
        return self.append("barrier", qubits or tuple(range(self._num_qubits)))

    def unitary_gate(
        self, matrix: object, qubits: Sequence[int], label: str | None = None
    ) -> Circuit:
        """Append a :class:`UnitaryGate` block; returns the circuit."""
        return self.append(UnitaryGate(matrix, label), qubits)

    def __getattr__(self, name: str) -> Callable[..., Circuit]:
        # One chaining method per standard gate: circuit.rx(theta, 0), circuit.cx(0, 1).
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            gate = standard_gate(name)
        except KeyError:
            raise AttributeError(f"'Circuit' object has no attribute {name!r}") from None
        if not isinstance(gate, StandardGate):
            raise AttributeError(name)

        def add(*args: Any, condition: Condition | None = None) -> Circuit:
            params, qubits = args[: gate.num_params], args[gate.num_params :]
            return self.append(gate, qubits, params, condition=condition)

        add.__name__ = name
        return add

    # --- queries ------------------------------------------------------------------

    def depth(self) -> int:
        """Length of the critical path (barriers do not count; conditions read their bits)."""
        level_q = [0] * self._num_qubits
        level_c = [0] * self._num_clbits
        deepest = 0
        for op in self._ops:
            if op.name == "barrier":
                continue
            clbits = op.clbits + (op.condition.clbits if op.condition else ())
            level = 1 + max(
                [level_q[q] for q in op.qubits] + [level_c[c] for c in clbits], default=0
            )
            for q in op.qubits:
                level_q[q] = level
            for c in clbits:
                level_c[c] = level
            deepest = max(deepest, level)
        return deepest

    def count_ops(self) -> dict[str, int]:
        """Operation counts by name, most frequent first."""
        counts: dict[str, int] = {}
        for op in self._ops:
            counts[op.name] = counts.get(op.name, 0) + 1
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    def num_nonlocal_gates(self) -> int:
        """Number of unitary gates on two or more qubits."""
        return sum(1 for op in self._ops if op.gate.is_unitary and len(op.qubits) > 1)

    # --- transformations ----------------------------------------------------------

    def copy(self) -> Circuit:
        """A shallow copy (operations are immutable, so this is a full copy)."""
        new = Circuit.__new__(Circuit)
        new._num_qubits = self._num_qubits
        new._num_clbits = self._num_clbits
        new.qregs = list(self.qregs)
        new.cregs = list(self.cregs)
        new._ops = list(self._ops)
        return new

    def copy_empty(self) -> Circuit:
        """A circuit with the same registers and no operations."""
        new = self.copy()
        new._ops = []
        return new

    def inverse(self) -> Circuit:
        """The adjoint circuit.

        Raises:
            TypeError: The circuit contains measurements, resets or conditions.
        """
        new = self.copy_empty()
        new._ops = inverse_operations(self._ops)
        return new

    def without_measurements(self) -> Circuit:
        """A copy with every ``measure`` removed."""
        new = self.copy_empty()
        new._ops = [op for op in self._ops if op.name != "measure"]
        return new

    def bind(self, values: Mapping[str, float]) -> Circuit:
        """A copy with the named parameters replaced by numbers.

        Raises:
            ValueError: A name in ``values`` is not a parameter of the circuit.
        """
        unknown = set(values) - self.parameters
        if unknown:
            raise ValueError(f"not parameters of this circuit: {', '.join(sorted(unknown))}")
        new = self.copy_empty()
        new._ops = substitute_params(self._ops, values)
        return new

    def unitary(self) -> np.ndarray:
        """The circuit's unitary as a ``complex128`` array of shape ``(2**n, 2**n)``.

        Barriers are ignored. Qubit 0 is the least significant bit, as in Qiskit.

        Raises:
            TypeError: The circuit has measurements, resets, conditions or unbound
                parameters.
            ValueError: More than 14 qubits (use :func:`hpcq.ir.equivalent_on_states`).
        """
        from hpcq.sim.unitary import operations_unitary

        if self._num_qubits > 14:
            raise ValueError(
                f"a {self._num_qubits}-qubit unitary does not fit in memory; "
                "compare circuits on states with hpcq.ir.equivalent_on_states"
            )
        return operations_unitary(self._ops, self._num_qubits)

    # --- conversions --------------------------------------------------------------

    @classmethod
    def from_qasm(
        cls,
        text: str,
        *,
        filename: str | None = None,
        max_operations: int = _QASM_MAX_OPERATIONS,
        max_gate_depth: int = _QASM_MAX_GATE_DEPTH,
    ) -> Circuit:
        """Parse OpenQASM 2 or 3 text; the version line decides (2 when there is none).

        The two limits bound what a small text can make the reader build; both
        OpenQASM readers (:mod:`hpcq.ir.qasm2`, :mod:`hpcq.ir.qasm3`) have the same
        defaults.

        Args:
            text: The program.
            filename: Where it came from: named in errors, and the directory that
                ``include`` statements are resolved against.
            max_operations: Most operations the circuit may have with every
                user-defined gate expanded (default ten million,
                :data:`hpcq.ir.qasm2.MAX_OPERATIONS`).
            max_gate_depth: Deepest nesting of gate definitions allowed (default 64,
                :data:`hpcq.ir.qasm2.MAX_GATE_DEPTH`).

        Raises:
            QasmError: The text is not valid OpenQASM, or goes beyond a limit (with
                file, line and column).
            ValueError: A limit is not a positive integer.
        """
        from hpcq.ir import qasm3

        if qasm3.declares_version_3(text):
            return qasm3.loads(
                text,
                filename=filename,
                max_operations=max_operations,
                max_gate_depth=max_gate_depth,
            )
        from hpcq.ir.qasm2 import loads

        return loads(
            text, filename=filename, max_operations=max_operations, max_gate_depth=max_gate_depth
        )

    @classmethod
    def from_file(
        cls,
        path: str | os.PathLike[str],
        *,
        max_operations: int = _QASM_MAX_OPERATIONS,
        max_gate_depth: int = _QASM_MAX_GATE_DEPTH,
    ) -> Circuit:
        """Read an OpenQASM 2 or 3 file; the version line decides (2 when there is none).

        Args:
            path: The file.
            max_operations: Most operations the circuit may have with every
                user-defined gate expanded (default ten million,
                :data:`hpcq.ir.qasm2.MAX_OPERATIONS`).
            max_gate_depth: Deepest nesting of gate definitions allowed (default 64,
                :data:`hpcq.ir.qasm2.MAX_GATE_DEPTH`).

        Raises:
            QasmError: The file is not valid OpenQASM, or goes beyond a limit (with
                file, line and column).
            OSError: The file cannot be read.
            ValueError: A limit is not a positive integer.
        """
        from hpcq.ir import qasm3

        if qasm3.file_declares_version_3(path):
            return qasm3.load(path, max_operations=max_operations, max_gate_depth=max_gate_depth)
        from hpcq.ir.qasm2 import load

        return load(path, max_operations=max_operations, max_gate_depth=max_gate_depth)

    def to_qasm(self, version: int = 2) -> str:
        """The circuit as OpenQASM ``version`` (2 or 3) text that :meth:`from_qasm` reads
        back equal.

        Raises:
            ValueError: ``version`` is neither 2 nor 3, or the circuit holds something
                that version cannot express.
        """
        if version == 3:
            from hpcq.ir.qasm3 import dumps as dumps3

            return dumps3(self)
        if version != 2:
            raise ValueError(f"OpenQASM version must be 2 or 3, not {version!r}")
        from hpcq.ir.qasm2 import dumps

        return dumps(self)

    # --- identity -----------------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Circuit):
            return NotImplemented
        return (
            self._num_qubits == other._num_qubits
            and self._num_clbits == other._num_clbits
            and self._ops == other._ops
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        counts = ", ".join(f"{k} {v}" for k, v in self.count_ops().items())
        body = f"{len(self._ops)} operations" + (f": {counts}" if counts else "")
        return f"Circuit({self._num_qubits} qubits, {self._num_clbits} clbits, {body})"

    def __getstate__(self) -> dict[str, object]:
        return self.__dict__

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)


def substitute_params(
    ops: Iterable[Operation], values: Mapping[str, ParamValue]
) -> list[Operation]:
    """``ops`` with the named parameters replaced by ``values`` (numbers or expressions)."""
    out = []
    for op in ops:
        if any(isinstance(p, ParameterExpression) for p in op.params):
            params = tuple(_substitute(p, values) for p in op.params)
            op = Operation(op.gate, op.qubits, params, op.clbits, op.condition)
        out.append(op)
    return out


def _substitute(value: ParamValue, values: Mapping[str, ParamValue]) -> ParamValue:
    if not isinstance(value, ParameterExpression):
        return value
    numeric = {k: v for k, v in values.items() if not isinstance(v, ParameterExpression)}
    symbolic = {k: v for k, v in values.items() if isinstance(v, ParameterExpression)}
    if symbolic:
        value = _replace_symbols(value, symbolic)
    return value.bind(numeric) if isinstance(value, ParameterExpression) else value


def _replace_symbols(value: ParamValue, symbolic: Mapping[str, ParameterExpression]) -> ParamValue:
    from hpcq.ir.parameter import Parameter

    if isinstance(value, Parameter):
        return symbolic.get(value.name, value)
    if isinstance(value, ParameterExpression):
        args = tuple(_replace_symbols(a, symbolic) for a in value.args)
        return ParameterExpression(value.op, args)
    return value


def inverse_operations(ops: Sequence[Operation]) -> list[Operation]:
    """The operations of the adjoint, in order.

    Raises:
        TypeError: An operation is not reversible (measure, reset, a condition).
    """
    out = []
    for op in reversed(ops):
        if op.condition is not None:
            raise TypeError(f"conditioned '{op.name}' has no inverse")
        gate, params = op.gate.inverse_of(op.params)
        out.append(Operation(gate, op.qubits, params))
    return out


def circuit_from_operations(
    num_qubits: int, operations: Iterable[Operation], num_clbits: int = 0
) -> Circuit:
    """A new circuit holding ``operations``."""
    return Circuit(num_qubits, num_clbits).extend(operations)


def is_path(source: str | Path) -> bool:
    """Whether ``source`` names a file rather than holding OpenQASM text: a ``Path``, or
    a non-blank ``str`` of one line without ``;`` (every OpenQASM statement ends in one)."""
    return isinstance(source, Path) or (
        "\n" not in source and ";" not in source and source.strip() != ""
    )


def load_path_or_text(source: str | Path) -> Circuit:
    """A circuit from a path to a ``.qasm`` file or from OpenQASM text (:func:`is_path`)."""
    if isinstance(source, str) and not is_path(source):
        return Circuit.from_qasm(source)
    return Circuit.from_file(source)
