"""Checking a compiled circuit against its original.

Two pieces of evidence are combined:

- the *error bound*: the sum of the Hilbert-Schmidt distances of every replaced
  block (each checked against the threshold when it was replaced), which bounds how
  far the whole circuit can have drifted;
- a *whole-circuit check*: circuits of up to :data:`MAX_UNITARY_QUBITS` qubits are
  compared as full unitaries; wider ones, up to ``max_state_qubits`` (26 by default,
  a 1 GiB state), on random input states: the original followed by the inverse of
  the compiled circuit must bring each state back to itself up to a phase. The gates
  are first fused into dense blocks of a few qubits, which a numba kernel applies in
  place, so a check costs one sweep over the state per fused block.

Wider circuits are checked through their block distances only (``method="blocks"``).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from hpcq.ir.circuit import Circuit, Operation
from hpcq.ir.distance import MAX_UNITARY_QUBITS, hilbert_schmidt_distance

logger = logging.getLogger(__name__)

#: Widest circuit checked on random states by default (``2**26`` amplitudes, 1 GiB).
MAX_STATE_QUBITS = 26

#: Smallest tolerance of the whole-circuit check: floating-point round-off over tens
#: of thousands of gates reaches ``1e-12`` in an overlap, i.e. ``1e-6`` in a distance.
TOLERANCE_FLOOR = 1e-5


@dataclass
class VerifyReport:
    """What verification found.

    Attributes:
        method: ``"unitary"``, ``"states"``, or ``"blocks"`` (too wide for a
            whole-circuit check; only the block distances vouch for the result), or
            ``"skipped"`` (non-unitary operations other than final measurements).
        ok: Whether the check passed (for ``"blocks"``: whether the error bound is
            within the tolerance).
        distance: The measured distance: Hilbert-Schmidt distance of the unitaries,
            or the largest ``sqrt(1 - |<psi|W|psi>|**2)`` over the states; ``None``
            when not measured.
        error_bound: Sum of the replaced blocks' distances.
        tolerance: What ``distance`` was compared with.
        num_states: Random states used (``"states"`` only).
        num_fused_blocks: Dense blocks the state check applied.
        seconds: Wall time of the check.
        reason: Why the whole-circuit check was not done, when it was not.
    """

    method: str
    ok: bool
    distance: float | None
    error_bound: float
    tolerance: float
    num_states: int = 0
    num_fused_blocks: int = 0
    seconds: float = 0.0
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The report as a JSON-ready dictionary."""
        return asdict(self)


def error_bound(distances: Sequence[float]) -> float:
    """The error bound of a circuit whose replaced blocks have these distances.

    Raises:
        ValueError: A distance is negative or not finite.
    """
    total = 0.0
    for d in distances:
        if not math.isfinite(d) or d < 0:
            raise ValueError(f"a block distance must be finite and non-negative, not {d!r}")
        total += d
    return total


def _comparable(circuit: Circuit) -> Circuit | None:
    """The unitary part of ``circuit`` (measurements dropped), or ``None``."""
    for op in circuit:
        if op.condition is not None or op.name == "reset":
            return None
    return circuit.without_measurements()


def verify(
    original: Circuit,
    compiled: Circuit,
    *,
    bound: float = 0.0,
    max_unitary_qubits: int = MAX_UNITARY_QUBITS,
    max_state_qubits: int = MAX_STATE_QUBITS,
    num_states: int | None = None,
    tolerance: float | None = None,
    fuse_size: int = 4,
    seed: int | None = None,
) -> VerifyReport:
    """Check that ``compiled`` implements ``original``.

    Args:
        original: The input circuit.
        compiled: The compiler's output, on the same qubits.
        bound: The error bound from the replaced blocks (see :func:`error_bound`).
        max_unitary_qubits: Widest circuit compared as a full unitary.
        max_state_qubits: Widest circuit compared on random states.
        num_states: Random states (default 2 up to 20 qubits, 1 above).
        tolerance: Largest distance accepted (default ``max(1e-5, 10 * bound)``).
        fuse_size: Widest dense block the state check fuses gates into.
        seed: Seed of the random states.

    Raises:
        ValueError: The circuits have different widths.
    """
    if original.num_qubits != compiled.num_qubits:
        raise ValueError(
            f"cannot compare a {original.num_qubits}-qubit circuit with a "
            f"{compiled.num_qubits}-qubit one"
        )
    tol = tolerance if tolerance is not None else max(TOLERANCE_FLOOR, 10 * bound)
    start = time.perf_counter()
    n = original.num_qubits
    a, b = _comparable(original), _comparable(compiled)
    if a is None or b is None:
        return VerifyReport(
            "skipped", bound <= tol, None, bound, tol,
            reason="resets or classically conditioned operations",
        )  # fmt: skip
    if n <= max_unitary_qubits:
        distance = hilbert_schmidt_distance(a.unitary(), b.unitary())
        report = VerifyReport("unitary", distance <= tol, distance, bound, tol)
    elif n <= max_state_qubits:
        states = num_states if num_states is not None else (2 if n <= 20 else 1)
        distance, fused = _state_distance(a, b, states, fuse_size, seed)
        report = VerifyReport(
            "states", distance <= tol, distance, bound, tol, states, fused
        )  # fmt: skip
    else:
        report = VerifyReport(
            "blocks", bound <= tol, None, bound, tol,
            reason=f"{n} qubits is wider than the {max_state_qubits}-qubit state check",
        )  # fmt: skip
    report.seconds = time.perf_counter() - start
    logger.info(
        "verify: %s on %d qubits, distance %s (bound %.2e, tolerance %.1e) in %.2f s",
        report.method, n, report.distance, bound, tol, report.seconds,
    )  # fmt: skip
    return report


def fuse(operations: Sequence[Operation], num_qubits: int, fuse_size: int) -> list[Any]:
    """Group unitary ``operations`` into dense blocks of at most ``fuse_size`` qubits.

    Returns:
        ``(matrix, qubits)`` pairs in an order that respects every dependency.
    """
    from hpcq.passes.partition import Block, partition

    circuit = Circuit(num_qubits).extend(op for op in operations if op.name != "barrier")
    out = []
    for item in partition(circuit, fuse_size):
        if isinstance(item, Block):
            out.append((item.unitary(), item.qubits))
        else:
            out.append((item.matrix(), item.qubits))
    return out


def apply_fused(state: np.ndarray, blocks: Sequence[Any]) -> None:
    """Apply fused ``(matrix, qubits)`` blocks to ``state`` in place (numba kernel)."""
    from hpcq.passes._statevector_kernels import apply_blocks

    if not blocks:
        return
    width = max(len(q) for _, q in blocks)
    dim = 1 << width
    matrices = np.zeros((len(blocks), dim, dim), dtype=np.complex128)
    qubits = np.zeros((len(blocks), width), dtype=np.int64)
    widths = np.zeros(len(blocks), dtype=np.int64)
    for i, (matrix, qs) in enumerate(blocks):
        size = 1 << len(qs)
        matrices[i, :size, :size] = matrix
        qubits[i, : len(qs)] = qs
        widths[i] = len(qs)
    apply_blocks(state, matrices, qubits, widths)


def _state_distance(
    a: Circuit, b: Circuit, num_states: int, fuse_size: int, seed: int | None
) -> tuple[float, int]:
    from hpcq.ir.simulate import random_state

    n = a.num_qubits
    blocks = fuse(a.operations + b.inverse().operations, n, fuse_size)
    rng = np.random.default_rng(seed)
    worst = 0.0
    for _ in range(num_states):
        psi = random_state(n, rng)
        out = psi.copy()
        apply_fused(out, blocks)
        overlap = min(1.0, abs(complex(np.vdot(psi, out))))
        worst = max(worst, math.sqrt(max(0.0, 1.0 - overlap * overlap)))
        del out
    return worst, len(blocks)
