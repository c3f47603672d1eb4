"""The :class:`Synthesize` pass: every ``UnitaryGate`` becomes ``cx`` and ``u3`` gates."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hpcq.ir.circuit import Circuit, Operation
from hpcq.ir.gates import UnitaryGate
from hpcq.passes.base import TransformationPass


@dataclass(frozen=True)
class _Block:
    matrix: np.ndarray
    method: str
    threshold: float
    seed: int | None
    max_distance: float | None


def _synthesize_block(block: _Block) -> tuple[list[Operation], float, float]:
    # Module-level so that it pickles into a runtime task.
    from hpcq.ir.distance import hilbert_schmidt_cost, hilbert_schmidt_distance
    from hpcq.synthesis import synthesize

    circuit = synthesize(
        block.matrix,
        method=block.method,
        threshold=block.threshold,
        seed=block.seed,
        max_distance=block.max_distance,
    )
    unitary = circuit.unitary()
    return (
        circuit.operations,
        hilbert_schmidt_cost(unitary, block.matrix),
        hilbert_schmidt_distance(unitary, block.matrix),
    )


class Synthesize(TransformationPass):
    """Replace each :class:`~hpcq.ir.gates.UnitaryGate` by a synthesized circuit.

    The blocks are synthesized as runtime tasks when a runtime is active (each search
    spreads its own tasks further), serially otherwise. The sum of the blocks' costs
    goes to ``property_set["synthesis_cost"]`` (an upper bound of how far the result
    may be from the input, to first order) and the per-block costs to
    ``property_set["synthesis_costs"]``; their Hilbert-Schmidt distances extend
    ``property_set["block_distances"]``, as :class:`~hpcq.passes.resynthesize.Resynthesize`
    does, so that the compiler's error bound counts them.

    Args:
        method: ``"auto"``, ``"qsearch"`` or ``"leap"`` (see :func:`hpcq.synthesize`).
        threshold: Cost threshold per block.
        seed: Base seed; block ``i`` uses ``seed + i``, so results are reproducible.
        max_distance: If set, each found circuit is refit to its block and kept only
            within this Hilbert-Schmidt distance (see :func:`hpcq.synthesize`).

    Raises:
        SynthesisError: A block could not be synthesized within the threshold.
    """

    def __init__(
        self,
        method: str = "auto",
        threshold: float = 1e-8,
        seed: int | None = 0,
        max_distance: float | None = None,
    ) -> None:
        from hpcq.synthesis.synthesize import METHODS

        if method not in METHODS:
            raise ValueError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
        if not 0.0 < threshold < 1.0:
            raise ValueError(f"threshold must be in (0, 1), not {threshold!r}")
        super().__init__()
        self.method = method
        self.threshold = float(threshold)
        self.seed = seed
        self.max_distance = max_distance

    def run(self, passmanager_ir: Circuit) -> Circuit:
        """Return a copy of ``passmanager_ir`` without ``UnitaryGate`` operations."""
        from hpcq.runtime import parallel_map

        ops = passmanager_ir.operations
        positions = [
            i
            for i, op in enumerate(ops)
            if isinstance(op.gate, UnitaryGate) and op.condition is None
        ]
        blocks = [
            _Block(
                np.asarray(ops[i].gate.matrix()),
                self.method,
                self.threshold,
                None if self.seed is None else self.seed + k,
                self.max_distance,
            )
            for k, i in enumerate(positions)
        ]
        results = parallel_map(_synthesize_block, blocks)
        replacement = dict(zip(positions, results, strict=True))
        out = passmanager_ir.copy_empty()
        for i, op in enumerate(ops):
            if i not in replacement:
                out.append(op)
                continue
            for inner in replacement[i][0]:
                qubits = tuple(op.qubits[q] for q in inner.qubits)
                out.append(Operation(inner.gate, qubits, inner.params))
        costs = [cost for _, cost, _ in results]
        self.property_set["synthesis_costs"] = costs
        self.property_set["synthesis_cost"] = float(sum(costs))
        if results:
            distances = [distance for _, _, distance in results]
            self.property_set["block_distances"] = [
                *(self.property_set["block_distances"] or []),
                *distances,
            ]
        return out
