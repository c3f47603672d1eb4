"""Checking a compiled circuit against its original: :func:`verify` and its report.

Two pieces of evidence are combined:

- the *error bound*: the sum of the Hilbert-Schmidt distances of every replaced
  block (each checked against the threshold when it was replaced), which bounds how
  far the whole circuit can have drifted;
- a *whole-circuit check*: circuits of up to :data:`MAX_UNITARY_QUBITS` qubits are
  compared as full unitaries (from :data:`COLUMN_CHECK_QUBITS` qubits up, column by
  column: the original followed by the inverse of the compiled circuit is applied to
  every basis state by the state simulator below, and the trace of the product gives
  the Hilbert-Schmidt distance; at 12 qubits this is about 8 times faster than
  building both unitaries); wider ones, up to ``max_state_qubits`` (26 by default,
  a 1 GiB state), on random input states: the original followed by the inverse of
  the compiled circuit must bring each state back to itself up to a phase.

The state check is planned by :mod:`hpcq.sim.plan`: the gates are split into
stages of at most 15 qubits, each applied as one cache-blocked sweep over the state;
inside a stage they are fused into small dense blocks (2 qubits by default) and
monomial blocks (CX, X and diagonal gates: a permutation with phases, up to 8
qubits). ``threads`` share each stage's amplitude groups (the numba kernels release
the GIL); the compiler uses as many as the runtime has idle workers.

At 26 qubits one random state is used: for a Haar-random state the overlap
``|<psi|W|psi>|**2`` concentrates around ``|tr W|**2 / 4**n`` with fluctuations of
order ``2**(-n/2)``, so a single state already measures the whole-circuit distance to
about ``1e-4`` relative precision.

A check whose estimated time (a sample of every stage is timed first) exceeds
``budget`` seconds is not run; the report then says ``method="blocks"`` with the
reason, and only the block distances vouch for the result. Wider circuits are always
checked through their block distances only.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from hpcq.ir.circuit import Circuit
from hpcq.sim.distance import hilbert_schmidt_distance
from hpcq.sim.equivalence import MAX_UNITARY_QUBITS, NUM_BINDINGS, bind_own, random_bindings
from hpcq.sim.plan import apply, plan
from hpcq.sim.statevector import random_state

logger = logging.getLogger(__name__)

#: Widest circuit checked on random states by default (``2**26`` amplitudes, 1 GiB).
MAX_STATE_QUBITS = 26

#: From this width up, the whole-unitary check runs column by column (see above).
COLUMN_CHECK_QUBITS = 9

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
        num_fused_blocks: Fused blocks the state check applied (per state).
        num_stages: Sweeps over the state (per state).
        threads: Threads the state check (or the column-by-column unitary check) ran on.
        estimated_seconds: The state check's estimated time, when estimated.
        seconds: Wall time of the check.
        reason: Why the whole-circuit check was not done, when it was not.
        bindings: Random values of the parameters the check ran at (circuits with
            unbound parameters only; the report is the worst of them).
    """

    method: str
    ok: bool
    distance: float | None
    error_bound: float
    tolerance: float
    num_states: int = 0
    num_fused_blocks: int = 0
    num_stages: int = 0
    threads: int = 1
    estimated_seconds: float | None = None
    seconds: float = 0.0
    reason: str = ""
    bindings: int = 0

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
    dense_size: int = 3,
    threads: int = 1,
    budget: float | None = None,
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
        dense_size: Widest dense block the state check fuses gates into.
        threads: Threads of the state check.
        budget: Seconds the state check may take (estimated before it starts);
            ``None``: no limit.
        seed: Seed of the random states.

    Raises:
        ValueError: The circuits have different widths, or a bad argument.
    """
    if original.num_qubits != compiled.num_qubits:
        raise ValueError(
            f"cannot compare a {original.num_qubits}-qubit circuit with a "
            f"{compiled.num_qubits}-qubit one"
        )
    if not isinstance(threads, int) or threads < 1:
        raise ValueError(f"threads must be a positive integer, not {threads!r}")
    if budget is not None and not budget > 0:
        raise ValueError(f"budget must be a positive number of seconds, not {budget!r}")
    names = original.parameters | compiled.parameters
    if names:
        return _verify_bindings(
            original, compiled, names, bound=bound, max_unitary_qubits=max_unitary_qubits,
            max_state_qubits=max_state_qubits, num_states=num_states, tolerance=tolerance,
            dense_size=dense_size, threads=threads, budget=budget, seed=seed,
        )  # fmt: skip
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
        distance = _unitary_distance(a, b, dense_size, threads)
        report = VerifyReport("unitary", distance <= tol, distance, bound, tol, threads=threads)
    elif n <= max_state_qubits:
        states = num_states if num_states is not None else (2 if n <= 20 else 1)
        report = _state_check(a, b, states, dense_size, threads, budget, seed)
        report.error_bound, report.tolerance = bound, tol
        report.ok = (report.distance <= tol) if report.distance is not None else bound <= tol
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


def _verify_bindings(
    original: Circuit, compiled: Circuit, names: frozenset[str], **options: Any
) -> VerifyReport:
    """:func:`verify` of circuits with unbound parameters, at random values of them.

    Both circuits' unitaries are trigonometric polynomials in the parameters, so two
    that differ anywhere differ at almost every point: :data:`NUM_BINDINGS` random
    points (from ``seed``) stand for all. The report is the worst point's.
    """
    start = time.perf_counter()
    worst: VerifyReport | None = None
    values = random_bindings(names, NUM_BINDINGS, options.get("seed"))
    for point in values:
        report = verify(bind_own(original, point), bind_own(compiled, point), **options)
        if worst is None or not report.ok or (report.distance or 0.0) > (worst.distance or 0.0):
            worst = report
        if not report.ok:
            break
    assert worst is not None
    worst.bindings = len(values)
    worst.seconds = time.perf_counter() - start
    return worst


def _unitary_distance(a: Circuit, b: Circuit, dense_size: int, threads: int) -> float:
    """Hilbert-Schmidt distance of the unitaries of ``a`` and ``b``.

    Narrow circuits build both matrices. From :data:`COLUMN_CHECK_QUBITS` qubits up,
    ``b^-1 a`` is applied to every basis state (``threads`` share the columns) and only
    its diagonal is kept: ``|tr(b^dagger a)|`` is all the distance needs.
    """
    n = a.num_qubits
    if n < COLUMN_CHECK_QUBITS:
        return hilbert_schmidt_distance(a.unitary(), b.unitary())
    from concurrent.futures import ThreadPoolExecutor

    stages = plan(a.operations + b.inverse().operations, n, dense_size=dense_size)
    size = 1 << n

    def diagonal_sum(first: int, last: int) -> complex:
        column = np.zeros(size, dtype=np.complex128)
        total = 0j
        for j in range(first, last):
            column[:] = 0.0
            column[j] = 1.0
            apply(column, stages, 1)
            total += column[j]
        return total

    if threads == 1:
        trace = diagonal_sum(0, size)
    else:
        edges = [size * i // threads for i in range(threads + 1)]
        with ThreadPoolExecutor(threads) as pool:
            trace = sum(pool.map(diagonal_sum, edges[:-1], edges[1:]), 0j)
    t = min(1.0, abs(trace) / size)
    return math.sqrt(max(0.0, 1.0 - t * t))


#: Fraction of every stage's groups timed to estimate a state check's duration.
SAMPLE_FRACTION = 64


def _state_check(
    a: Circuit,
    b: Circuit,
    num_states: int,
    dense_size: int,
    threads: int,
    budget: float | None,
    seed: int | None,
) -> VerifyReport:
    """The random-state check of ``b^-1 a``; the caller fills bound and tolerance."""
    import dataclasses

    n = a.num_qubits
    stages = plan(a.operations + b.inverse().operations, n, dense_size=dense_size)
    blocks = sum(s.num_blocks for s in stages)
    report = VerifyReport(
        "states", False, None, 0.0, 0.0, num_states, blocks, len(stages), threads
    )
    rng = np.random.default_rng(seed)
    groups = stages[0].bases.shape[0] if stages else 1
    worst = 0.0
    for i in range(num_states):
        psi = random_state(n, rng)
        out = psi.copy()
        if i == 0 and budget is not None and groups >= SAMPLE_FRACTION:
            sample = [
                dataclasses.replace(s, bases=s.bases[: s.bases.shape[0] // SAMPLE_FRACTION])
                for s in stages
            ]
            t0 = time.perf_counter()
            apply(out, sample, 1)
            per_state = (time.perf_counter() - t0) * SAMPLE_FRACTION / threads
            report.estimated_seconds = per_state * num_states
            logger.info(
                "verify: state check of %d stages, %d blocks on %d qubits estimated at %.1f s",
                len(stages), blocks, n, report.estimated_seconds,
            )  # fmt: skip
            if report.estimated_seconds > budget:
                report.method = "blocks"
                report.num_states = 0
                report.reason = (
                    f"state check estimated at {report.estimated_seconds:.0f} s, over the "
                    f"{budget:.0f} s budget (HPCQ_VERIFY_BUDGET)"
                )
                logger.warning("verify: %s; only the block distances vouch", report.reason)
                return report
            out[:] = psi
        apply(out, stages, threads)
        overlap = min(1.0, abs(complex(np.vdot(psi, out))))
        worst = max(worst, math.sqrt(max(0.0, 1.0 - overlap * overlap)))
        del out, psi
    report.distance = worst
    return report
