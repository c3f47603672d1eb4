"""Templates: circuit structures of CX gates and parameterized single-qubit gates.

A :class:`Template` on ``n`` qubits is a layer of ``u3`` gates, one per qubit, followed
by one block per CX: the CX, then a ``u3`` on its control and one on its target. Its
parameters are three angles per ``u3`` in that order, ``3 * n + 6 * len(cx)`` in all.
This is the layer structure QSearch and LEAP grow one CX at a time.

Example:
    >>> from hpcq.synthesis.template import Template
    >>> t = Template(2, ((0, 1),))
    >>> t.num_params
    12
    >>> t.circuit([0.0] * 12).count_ops()
    {'u3': 4, 'cx': 1}
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from hpcq.ir.circuit import Circuit


@dataclass(frozen=True)
class Template:
    """A CX structure whose single-qubit gates are free ``u3`` gates.

    Attributes:
        num_qubits: Number of qubits.
        cx: The CX gates in order, as ``(control, target)`` pairs.
    """

    num_qubits: int
    cx: tuple[tuple[int, int], ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.num_qubits, (int, np.integer)) or self.num_qubits < 1:
            raise ValueError(f"num_qubits must be a positive integer, not {self.num_qubits!r}")
        pairs = tuple((int(c), int(t)) for c, t in self.cx)
        for c, t in pairs:
            if c == t or not (0 <= c < self.num_qubits and 0 <= t < self.num_qubits):
                raise ValueError(
                    f"CX ({c}, {t}) is not a pair of distinct qubits of {self.num_qubits}"
                )
        object.__setattr__(self, "cx", pairs)

    @property
    def num_cx(self) -> int:
        """Number of CX gates."""
        return len(self.cx)

    @property
    def num_params(self) -> int:
        """Number of real parameters."""
        return 3 * self.num_qubits + 6 * len(self.cx)

    def extended(self, pair: tuple[int, int]) -> Template:
        """This template with one more CX block at the end."""
        return Template(self.num_qubits, (*self.cx, pair))

    @cached_property
    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(kind, qa, qb, poff)``: the gate list the kernels take (int64 arrays)."""
        from hpcq.synthesis._kernels import CX, U3

        kind: list[int] = []
        qa: list[int] = []
        qb: list[int] = []
        poff: list[int] = []
        offset = 0

        def u3(q: int) -> None:
            nonlocal offset
            kind.append(U3)
            qa.append(q)
            qb.append(0)
            poff.append(offset)
            offset += 3

        for q in range(self.num_qubits):
            u3(q)
        for c, t in self.cx:
            kind.append(CX)
            qa.append(c)
            qb.append(t)
            poff.append(-1)
            u3(c)
            u3(t)
        arrays = tuple(np.array(a, dtype=np.int64) for a in (kind, qa, qb, poff))
        return arrays  # type: ignore[return-value]

    def circuit(self, params: Sequence[float] | np.ndarray) -> Circuit:
        """The circuit of ``u3`` and ``cx`` gates at parameters ``params``."""
        values = np.asarray(params, dtype=np.float64)
        if values.shape != (self.num_params,):
            raise ValueError(f"expected {self.num_params} parameters, got shape {values.shape}")
        circuit = Circuit(self.num_qubits)
        offset = 0
        for q in range(self.num_qubits):
            circuit.append("u3", (q,), _wrap(values[offset : offset + 3]))
            offset += 3
        for c, t in self.cx:
            circuit.append("cx", (c, t))
            for q in (c, t):
                circuit.append("u3", (q,), _wrap(values[offset : offset + 3]))
                offset += 3
        return circuit

    def unitary(self, params: Sequence[float] | np.ndarray) -> np.ndarray:
        """The template's unitary at ``params``, computed by the kernel."""
        from hpcq.synthesis._kernels import template_unitary

        values = np.ascontiguousarray(params, dtype=np.float64)
        if values.shape != (self.num_params,):
            raise ValueError(f"expected {self.num_params} parameters, got shape {values.shape}")
        dim = 1 << self.num_qubits
        out = np.empty((dim, dim), dtype=np.complex128)
        template_unitary(*self.arrays, values, out)
        return out


def _wrap(angles: np.ndarray) -> list[float]:
    # Angles into (-pi, pi]: same gate, readable output.
    return [float(np.pi - (np.pi - a) % (2 * np.pi)) for a in angles]


def all_pairs(num_qubits: int) -> tuple[tuple[int, int], ...]:
    """Every pair ``(i, j)`` with ``i < j``: the CX positions of all-to-all coupling.

    One direction per pair is enough: the ``u3`` gates around a CX turn it around.
    """
    return tuple((i, j) for i in range(num_qubits) for j in range(i + 1, num_qubits))


def generic_cx_count(num_qubits: int) -> int:
    """The fewest CX that can reach a generic unitary: ``ceil((4^n - 3n - 1) / 4)``.

    Each CX block adds at most four independent parameters to the ``3n`` of the first
    layer, and ``U(2^n)`` up to phase has ``4^n - 1`` dimensions.
    """
    return -(-(4**num_qubits - 3 * num_qubits - 1) // 4)


def cyclic_template(num_qubits: int, num_cx: int) -> Template:
    """A template cycling through :func:`all_pairs`, a structure that reaches generic
    unitaries at :func:`generic_cx_count` CX on 2 and 3 qubits."""
    pairs = all_pairs(num_qubits)
    return Template(num_qubits, tuple(pairs[i % len(pairs)] for i in range(num_cx)))
