"""The passes that check a compilation as a whole: :class:`KeepInput` and :class:`Verify`.

:class:`KeepInput` (first in the ``init`` stage) keeps the circuit as it came in;
:class:`Verify` (the ``finalize`` stage) compares the circuit at the end with it
(:func:`hpcq.passes.verify.verify`), within the error bound of the blocks the
optimization replaced (``property_set["block_distances"]``).
"""

from __future__ import annotations

import os
from collections.abc import Callable

from hpcq.exceptions import VerificationError
from hpcq.ir.circuit import Circuit
from hpcq.passes.base import AnalysisPass


class KeepInput(AnalysisPass):
    """``property_set["input"]``: the circuit as the pass manager received it."""

    def run(self, passmanager_ir: Circuit) -> None:
        """Keep ``passmanager_ir`` (passes never modify their input circuit)."""
        self.property_set["input"] = passmanager_ir


class Verify(AnalysisPass):
    """Check the circuit against ``property_set["input"]`` (see :class:`KeepInput`).

    Writes ``property_set["verify"]`` (the report as a dict) and
    ``property_set["error_bound"]``.

    Args:
        seed: Seed of the random states and parameter values of the check.
        threads: Threads of the state check (``None``: one per idle worker of the
            active runtime, at most the CPUs this process may use).
        budget: Seconds the state check may take (``None``: ``HPCQ_VERIFY_BUDGET``).
        progress: ``progress("verify", 0, 0)`` as the check starts.

    Raises:
        VerificationError: The circuit is not equivalent to the input within the
            tolerance.
    """

    def __init__(
        self,
        seed: int | None = 0,
        threads: int | None = None,
        budget: float | None = None,
        progress: Callable[[str, int, int], None] | None = None,
    ) -> None:
        super().__init__()
        self.seed = seed
        self.threads = threads
        self.budget = budget
        self.progress = progress

    def run(self, passmanager_ir: Circuit) -> None:
        """Compare ``passmanager_ir`` with the kept input."""
        from hpcq import _config
        from hpcq.passes.verify import error_bound, verify

        original = self.property_set["input"]
        if original is None:
            raise VerificationError("Verify needs the input circuit: run KeepInput first")
        bound = error_bound(self.property_set["block_distances"] or [])
        self.property_set["error_bound"] = bound
        if self.progress is not None:
            self.progress("verify", 0, 0)
        report = verify(
            original,
            passmanager_ir,
            bound=bound,
            seed=self.seed,
            threads=verify_threads() if self.threads is None else self.threads,
            budget=_config.verify_budget() if self.budget is None else self.budget,
        )
        self.property_set["verify"] = report.to_dict()
        if not report.ok:
            raise VerificationError(
                f"compiled circuit failed the {report.method} check "
                f"(distance {report.distance}, tolerance {report.tolerance:.1e})"
            )


def verify_threads() -> int:
    """Threads for the whole-circuit check: one per idle worker, at most the CPUs here.

    The check runs after the workers have finished the sweeps, so their cores are free.
    """
    from hpcq.runtime import get_runtime, has_runtime

    workers = int(getattr(get_runtime(), "num_workers", 0) or 0) if has_runtime() else 0
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(workers, cpus))
