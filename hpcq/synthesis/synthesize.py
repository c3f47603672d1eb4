"""``synthesize``: a circuit of CX and ``u3`` gates for a unitary.

Example:
    >>> import numpy as np
    >>> from hpcq.ir import Circuit, hilbert_schmidt_cost
    >>> from hpcq.synthesis import synthesize
    >>> target = Circuit(2).h(0).cx(0, 1).ry(0.4, 0).cx(1, 0).unitary()
    >>> circuit = synthesize(target, seed=7)
    >>> circuit.count_ops()["cx"]
    2
    >>> bool(hilbert_schmidt_cost(circuit.unitary(), target) <= 1e-8)
    True
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from collections.abc import Iterator
from typing import Any

import numpy as np

from hpcq.exceptions import SynthesisError
from hpcq.ir.circuit import Circuit
from hpcq.ir.distance import hilbert_schmidt_cost
from hpcq.ir.gates import check_unitary
from hpcq.synthesis._expand import SearchOptions
from hpcq.synthesis.instantiation import DEFAULT_THRESHOLD, InstantiationResult
from hpcq.synthesis.template import all_pairs, generic_cx_count

logger = logging.getLogger(__name__)

#: The methods :func:`synthesize` accepts.
METHODS = ("auto", "qsearch", "leap")

#: Widest unitary :func:`synthesize` accepts (5 qubits is best effort).
MAX_QUBITS = 5


def synthesize(
    unitary: object,
    *,
    method: str = "auto",
    threshold: float = DEFAULT_THRESHOLD,
    max_cx: int | None = None,
    seed: int | None = None,
    compiler: Any = None,
    max_expansions: int | None = None,
    max_distance: float | None = None,
) -> Circuit:
    """A circuit of ``cx`` and ``u3`` gates implementing ``unitary`` up to global phase.

    Args:
        unitary: A ``2^n x 2^n`` unitary matrix, ``1 <= n <= 5``, in Qiskit's
            convention (qubit 0 is the least significant bit).
        method: ``"qsearch"`` (A*: fewest CX, slow beyond 3 qubits), ``"leap"``
            (prefix fixing and CX deletion: fast, near-optimal) or ``"auto"``
            (QSearch up to 2 qubits, LEAP on 3; on 4 and 5 the generic ladder of
            :mod:`hpcq.synthesis.ladder` when ``max_cx`` allows the generic count,
            else LEAP).
        threshold: Largest accepted Hilbert-Schmidt cost ``1 - |Tr(U^dagger V)| / N``.
        max_cx: Most CX the result may have (default: enough for any unitary). With
            the CX count of an existing circuit, the search stops as soon as it cannot
            do better.
        seed: Seed of the random starts: the same seed gives the same circuit, on any
            number of workers. ``None`` draws a fresh one.
        compiler: A ``hpcq.Compiler`` or ``hpcq.runtime.client.RuntimeClient`` whose
            runtime runs the searches' tasks. Without one, tasks run on the runtime
            active here (inside a task), or serially.
        max_expansions: Most search nodes QSearch or LEAP expands before giving up
            (default 1000): a cap on the time a search that cannot succeed takes.
        max_distance: Ask for an exact circuit: a structure that meets ``threshold``
            counts as found only when its refit angles bring it within this
            Hilbert-Schmidt distance of ``unitary`` (``1e-12``, say: rounding is near
            ``1e-15``). Without it, the first structure within ``threshold`` is
            returned, which may only approximate ``unitary`` (at the default threshold,
            to a distance of about ``1.4e-4``).

    Returns:
        The circuit; its cost against ``unitary`` is checked from its own unitary.
        Its angles are then refit (:func:`hpcq.synthesis.refit`): where the structure
        found reaches ``unitary`` exactly, the circuit is within rounding of it (a
        Hilbert-Schmidt distance near ``1e-15``), not just within ``threshold``.

    Raises:
        ValueError: ``unitary`` is not a unitary matrix of 1 to 5 qubits, or an
            argument is out of range.
        SynthesisError: No circuit within ``threshold`` (exact, with
            ``max_distance``) was found (``best_distance`` holds the best cost reached).
    """
    matrix = check_unitary(unitary, name="unitary")
    num_qubits = matrix.shape[0].bit_length() - 1
    if num_qubits > MAX_QUBITS:
        raise ValueError(f"synthesize takes 1 to {MAX_QUBITS} qubits, not {num_qubits}")
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    if not (isinstance(threshold, (int, float)) and 0.0 < threshold < 1.0):
        raise ValueError(f"threshold must be a number in (0, 1), not {threshold!r}")
    if max_cx is not None and (not isinstance(max_cx, (int, np.integer)) or max_cx < 0):
        raise ValueError(f"max_cx must be a non-negative integer or None, not {max_cx!r}")
    if max_expansions is not None and (
        not isinstance(max_expansions, (int, np.integer)) or max_expansions < 1
    ):
        raise ValueError(f"max_expansions must be a positive integer, not {max_expansions!r}")
    if max_distance is not None and not (
        isinstance(max_distance, (int, float)) and 0.0 < max_distance < 1.0
    ):
        raise ValueError(f"max_distance must be a number in (0, 1) or None, not {max_distance!r}")
    if seed is None:
        seed = int(np.random.SeedSequence().entropy % (1 << 62))  # type: ignore[operator]
    elif not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer or None, not {seed!r}")
    limit = default_max_cx(num_qubits) if max_cx is None else int(max_cx)
    options = SearchOptions(
        threshold=float(threshold),
        max_cx=limit,
        pairs=all_pairs(num_qubits),
        seed=int(seed),
        max_distance=None if max_distance is None else float(max_distance),
    )
    if max_expansions is not None:
        options = dataclasses.replace(options, max_expansions=int(max_expansions))
    if method == "auto":
        method = _auto_method(num_qubits, limit)
    udag = np.ascontiguousarray(matrix.conj().T)
    with _runtime_of(compiler):
        found = _search(method, udag, num_qubits, options)
    from hpcq.synthesis.refit import refit

    return refit(_checked(found, matrix, float(threshold)), matrix)


def default_max_cx(num_qubits: int) -> int:
    """The default CX bound: well above the generic count, which random targets need."""
    generic = generic_cx_count(num_qubits)
    return max(3, generic + generic // 4 + 2)


def _auto_method(num_qubits: int, max_cx: int) -> str:
    if num_qubits <= 2:
        return "qsearch"
    if num_qubits >= 4 and max_cx >= generic_cx_count(num_qubits):
        return "ladder"
    return "leap"


def _search(
    method: str, udag: np.ndarray, num_qubits: int, options: SearchOptions
) -> InstantiationResult:
    if num_qubits == 1 or options.max_cx == 0:
        from hpcq.synthesis._expand import expand
        from hpcq.synthesis.template import Template

        result = expand(options.task(udag, Template(num_qubits), None))
        if not options.reached(result):
            raise SynthesisError(
                f"no circuit without CX is {options.goal()} (best cost {result.cost:.3e})",
                result.cost,
            )
        return result
    if method == "qsearch":
        from hpcq.synthesis.qsearch import qsearch

        return qsearch(udag, num_qubits, options)
    if method == "ladder":
        from hpcq.synthesis.ladder import ladder

        return ladder(udag, num_qubits, options)
    from hpcq.synthesis.leap import leap

    return leap(udag, num_qubits, options)


def _checked(found: InstantiationResult, matrix: np.ndarray, threshold: float) -> Circuit:
    circuit = found.circuit()
    cost = hilbert_schmidt_cost(circuit.unitary(), matrix)
    # The kernel's cost and the circuit's agree to rounding; a gap means a bug.
    if cost > max(threshold, found.cost) + 1e-12:
        raise SynthesisError(
            f"synthesized circuit has cost {cost:.3e} against the target, above the "
            f"threshold {threshold:g}",
            cost,
        )
    logger.debug(
        "synthesized %s-qubit unitary: %s CX, cost %.3e",
        found.template.num_qubits,
        found.template.num_cx,
        cost,
    )
    return circuit


@contextlib.contextmanager
def _runtime_of(compiler: Any) -> Iterator[None]:
    # Make the runtime of ``compiler`` (a Compiler or a RuntimeClient) the active one.
    if compiler is None:
        yield
        return
    from hpcq.runtime import activated

    with activated(_runtime_handle(compiler)):
        yield


def _runtime_handle(compiler: Any) -> Any:
    for attribute in ("runtime", "client"):
        inner = getattr(compiler, attribute, None)
        if inner is not None and inner is not compiler:
            compiler = inner
            break
    for attribute in ("handle", "get_handle"):
        value = getattr(compiler, attribute, None)
        if value is not None:
            return value() if callable(value) else value
    if callable(getattr(compiler, "map", None)):
        return compiler
    raise TypeError(
        f"compiler must be an hpcq.Compiler or a RuntimeClient, not {type(compiler).__name__}"
    )
