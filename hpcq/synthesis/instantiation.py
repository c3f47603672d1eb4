"""Instantiation: the angles that bring a fixed template closest to a target unitary.

This is the lower-level API under :func:`hpcq.synthesize`, also useful on its own, for
example to test whether a circuit still reaches its target with one CX deleted:

    >>> import numpy as np
    >>> from hpcq.ir import Circuit
    >>> from hpcq.synthesis import Template, instantiate
    >>> target = Circuit(2).h(0).cx(0, 1).rz(0.3, 1).unitary()
    >>> result = instantiate(Template(2, ((0, 1),)), target, seed=1)
    >>> bool(result.cost <= 1e-8)
    True
    >>> result.circuit().count_ops()["cx"]
    1

Each start runs L-BFGS on ``1 - |Tr(U^dagger V)|^2 / N^2`` with the analytic gradient of
:mod:`hpcq.synthesis._kernels`; all starts of one call run inside one kernel call, which
stops at the first start whose cost ``1 - |Tr(U^dagger V)| / N`` is within the threshold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hpcq.ir.circuit import Circuit
from hpcq.ir.gates import check_unitary
from hpcq.synthesis.template import Template

#: Default cost threshold: BQSKit's success threshold.
DEFAULT_THRESHOLD = 1e-8


@dataclass(frozen=True)
class InstantiationResult:
    """The outcome of :func:`instantiate`.

    Attributes:
        template: The template that was instantiated.
        params: The best parameters found (length ``template.num_params``).
        cost: Their Hilbert-Schmidt cost ``1 - |Tr(U^dagger V)| / N``.
        iterations: L-BFGS iterations over all starts run.
        starts_run: How many starts ran before one met the threshold (or all did).
        distance: The Hilbert-Schmidt distance to the target after the parameters were
            refit (:func:`hpcq.synthesis.refit.refit_result`), or ``None`` when they
            were not: the test of whether the structure reaches the target exactly.
    """

    template: Template
    params: np.ndarray
    cost: float
    iterations: int
    starts_run: int
    distance: float | None = None

    def circuit(self) -> Circuit:
        """The instantiated circuit."""
        return self.template.circuit(self.params)


def random_starts(
    template: Template,
    count: int,
    rng: np.random.Generator,
    warm: np.ndarray | None = None,
) -> np.ndarray:
    """``count`` rows of start parameters, uniform in ``[0, 2 pi)``.

    With ``warm`` (parameters of a prefix of the template), the first row begins with
    ``warm`` and only its remaining entries are random.
    """
    starts = rng.uniform(0.0, 2.0 * np.pi, size=(count, template.num_params))
    if warm is not None and count > 0:
        starts[0, : warm.shape[0]] = warm
    return starts


def run_starts(
    template: Template,
    udag: np.ndarray,
    starts: np.ndarray,
    *,
    threshold: float,
    max_iter: int,
    ftol: float,
    memory: int = 20,
) -> InstantiationResult:
    """Run the multistart kernel on validated arrays (``udag`` is ``U^dagger``)."""
    from hpcq.synthesis._kernels import multistart

    costs = np.empty(starts.shape[0], dtype=np.float64)
    iterations = np.empty(starts.shape[0], dtype=np.int64)
    best = multistart(
        *template.arrays,
        udag,
        starts,
        float(threshold),
        int(max_iter),
        float(ftol),
        int(memory),
        costs,
        iterations,
    )
    ran = int(np.count_nonzero(np.isfinite(costs)))
    return InstantiationResult(
        template, starts[best].copy(), float(costs[best]), int(iterations.sum()), ran
    )


def instantiate(
    template: Template | Sequence[tuple[int, int]],
    target: object,
    *,
    num_qubits: int | None = None,
    starts: int = 4,
    seed: int | None = None,
    x0: Sequence[float] | np.ndarray | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    max_iter: int = 5000,
    ftol: float = 1e-12,
) -> InstantiationResult:
    """Fit the angles of a fixed CX structure to ``target``.

    Args:
        template: A :class:`Template`, or the CX positions as ``(control, target)``
            pairs (the structure of :class:`Template`: a ``u3`` layer, then per CX the
            CX and a ``u3`` on each of its qubits).
        target: The ``2^n x 2^n`` unitary to approach (up to global phase).
        num_qubits: Needed only to check a list of pairs against ``target``'s size.
        starts: Random starts to try (stopping at the first within ``threshold``).
        seed: Seed of the random starts; the same seed gives the same result.
        x0: Extra first start (for example the angles of a circuit being pruned): its
            leading entries are used and the rest are random.
        threshold: Stop once the cost ``1 - |Tr(U^dagger V)| / N`` is at most this.
        max_iter: L-BFGS iterations per start.
        ftol: A start ends when two iterations in a row improve the objective by less
            than this fraction.

    Returns:
        The best parameters and their cost: ``result.params``, ``result.cost``.

    Raises:
        ValueError: ``target`` is not a unitary, does not match the template's size, or
            an argument is out of range.
    """
    matrix = check_unitary(target)
    n = matrix.shape[0].bit_length() - 1
    if not isinstance(template, Template):
        template = Template(n if num_qubits is None else num_qubits, tuple(template))
    if template.num_qubits != n:
        raise ValueError(
            f"template has {template.num_qubits} qubits but target is {n}-qubit "
            f"({matrix.shape[0]} x {matrix.shape[0]})"
        )
    if starts < 1 and x0 is None:
        raise ValueError(f"starts must be at least 1, not {starts}")
    if not threshold >= 0.0:
        raise ValueError(f"threshold must be non-negative, not {threshold}")
    if max_iter < 0:
        raise ValueError(f"max_iter must be non-negative, not {max_iter}")
    rng = np.random.default_rng(seed)
    warm = None
    if x0 is not None:
        warm = np.asarray(x0, dtype=np.float64).ravel()
        if warm.shape[0] > template.num_params or not np.all(np.isfinite(warm)):
            raise ValueError(
                f"x0 must hold at most {template.num_params} finite values, got {warm.shape[0]}"
            )
    count = max(starts, 1)
    rows = random_starts(template, count, rng, warm)
    udag = np.ascontiguousarray(matrix.conj().T)
    return run_starts(template, udag, rows, threshold=threshold, max_iter=max_iter, ftol=ftol)
