"""Two-qubit blocks gathered across commuting gates.

The scanning partitioners (:mod:`hpcq.passes.partition` and its variants) only put
gates into one block when they are neighbours in the circuit. Trotterized
Hamiltonians hide most of their savings from them: in a layer of ``XX`` terms on a
chain followed by a layer of ``YY`` terms, the two terms of a bond commute with each
other and with every term not on an adjacent bond, so half of the bonds can have
their ``XX`` and ``YY`` terms joined into one two-qubit gate of 2 CX instead of 4.
No gate sequence shows that; the commutation relations do.

:func:`commutation_partition` builds the circuit's dependency graph up to commutation
(two operations are ordered only when they share a qubit and do not commute, tested
on their matrices) over tight two-qubit runs and single-qubit runs, then merges two
blocks on the same pair of qubits whenever

- every operation that must stay between them (a descendant of the first and an
  ancestor of the second) acts on that pair only, so it joins the merged block and
  the graph stays acyclic, and
- the merged block needs fewer CX than its parts, by the closed-form count of
  :func:`hpcq.synthesis.two_qubit.two_qubit_cx_count`.

The merged blocks come back as :class:`~hpcq.passes.partition.Block` items for the
resynthesis sweep to shorten; everything else passes through as operations, in a
topological order of the graph.

Example:
    >>> from hpcq.ir import Circuit
    >>> from hpcq.passes.commutation_partition import commutation_partition
    >>> c = Circuit(3).cx(0, 1).rz(0.3, 1).cx(0, 1)  # exp(-i 0.15 Z0 Z1)
    >>> c = c.cx(1, 2).rz(0.2, 2).cx(1, 2).cx(0, 1).rz(0.5, 1).cx(0, 1)
    >>> [(type(item).__name__, item.qubits) for item in commutation_partition(c)]
    [('Block', (0, 1)), ('Operation', (1, 2)), ('Operation', (2,)), ('Operation', (1, 2))]
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from hpcq.ir.circuit import Circuit, Operation
from hpcq.ir.simulate import apply_matrix, operations_unitary
from hpcq.passes.partition import Block, PartitionItem, blockable, partition
from hpcq.synthesis.two_qubit import two_qubit_cx_count

#: Above this many operations the scanning partitioner is used instead.
MAX_OPERATIONS = 50000
#: Largest set of mutually commuting nodes kept open on one wire; a longer run starts
#: a new set (a dependency that need not be there: safe, and it bounds the work).
MAX_COMMUTING_SET = 24
#: Merge partners tried for each block: the nearest blocks on the same pair.
MAX_PARTNERS = 3
#: ``|AB - BA|`` entries below this count as commuting.
COMMUTE_TOLERANCE = 1e-11


@dataclass(eq=False)
class _Node:
    ops: list[int]
    qubits: tuple[int, ...]
    fence: bool = False
    merged: bool = False
    classical: bool = False
    preds: set[int] = field(default_factory=set)
    succs: set[int] = field(default_factory=set)
    matrix: np.ndarray | None = None

    def wires(self) -> tuple[int, ...]:
        """Its qubits, and wire -1 when it writes or reads classical bits."""
        return (*self.qubits, -1) if self.classical else self.qubits


class _Graph:
    """The dependency graph up to commutation, with a topological rank per node."""

    def __init__(self, ops: Sequence[Operation], max_block_size: int) -> None:
        self.ops = ops
        self.nodes: dict[int, _Node] = {}
        self.rank: dict[int, int] = {}
        self.order: list[int | None] = []
        self._build_nodes(max_block_size)
        self._build_edges()

    # -- nodes: tight runs on one pair, runs of single-qubit gates, fences --------

    def _add_node(self, node: _Node) -> int:
        key = len(self.order)
        self.nodes[key] = node
        self.rank[key] = key
        self.order.append(key)
        return key

    def _build_nodes(self, k: int) -> None:
        num_qubits = 1 + max((q for op in self.ops for q in op.qubits), default=0)
        open_run: list[int] = [-1] * num_qubits
        pending: list[list[int]] = [[] for _ in range(num_qubits)]

        def flush(q: int) -> None:
            if pending[q]:
                self._add_node(_Node(pending[q], (q,)))
                pending[q] = []

        def close(node: int) -> None:
            for q in self.nodes[node].qubits:
                if open_run[q] == node:
                    open_run[q] = -1

        for index, op in enumerate(self.ops):
            qubits = tuple(sorted(op.qubits))
            if not blockable(op, k) or len(qubits) > 2:
                for q in qubits:
                    flush(q)
                    if open_run[q] >= 0:
                        close(open_run[q])
                classical = bool(op.clbits) or op.condition is not None
                self._add_node(_Node([index], qubits, fence=True, classical=classical))
                continue
            if len(qubits) == 1:
                pending[qubits[0]].append(index)
                continue
            run = open_run[qubits[0]]
            if run >= 0 and open_run[qubits[1]] == run:
                node = self.nodes[run]
                for q in qubits:
                    node.ops.extend(pending[q])
                    pending[q] = []
                node.ops.append(index)
                continue
            for q in qubits:
                flush(q)
                if open_run[q] >= 0:
                    close(open_run[q])
            run = self._add_node(_Node([index], qubits))
            for q in qubits:
                open_run[q] = run
        for q in range(num_qubits):
            flush(q)
        for node in self.nodes.values():
            node.ops.sort()

    # -- edges: per wire, sets of mutually commuting nodes ------------------------

    def _build_edges(self) -> None:
        current: dict[int, list[int]] = {}
        previous: dict[int, list[int]] = {}
        for key in self.order:
            assert key is not None
            node = self.nodes[key]
            # Operations on classical bits (measurements, conditioned gates) also share
            # one classical wire, which keeps their order.
            for q in node.wires():
                members = current.get(q, [])
                if (
                    members
                    and not node.fence
                    and len(members) < MAX_COMMUTING_SET
                    and all(self.commute(key, other) for other in members)
                ):
                    members.append(key)
                else:
                    previous[q] = members
                    current[q] = [key]
                for other in previous.get(q, []):
                    self.nodes[other].succs.add(key)
                    node.preds.add(other)

    def local_unitary(self, indices: Sequence[int], qubits: tuple[int, ...]) -> np.ndarray:
        """The unitary of operations ``indices`` on ``qubits`` (local qubit i = qubits[i])."""
        local = {q: i for i, q in enumerate(qubits)}
        ops = []
        for index in indices:
            op = self.ops[index]
            ops.append(Operation(op.gate, tuple(local[q] for q in op.qubits), op.params))
        return operations_unitary(ops, len(qubits))

    def unitary(self, key: int) -> np.ndarray:
        node = self.nodes[key]
        if node.matrix is None:
            node.matrix = self.local_unitary(node.ops, node.qubits)
        return node.matrix

    def commute(self, a: int, b: int) -> bool:
        node_a, node_b = self.nodes[a], self.nodes[b]
        if node_a.fence or node_b.fence:
            return False
        union = sorted(set(node_a.qubits) | set(node_b.qubits))
        n = len(union)
        eye = np.eye(1 << n, dtype=np.complex128)
        ma = apply_matrix(eye, self.unitary(a), [union.index(q) for q in node_a.qubits], n)
        mb = apply_matrix(eye, self.unitary(b), [union.index(q) for q in node_b.qubits], n)
        return bool(np.abs(ma @ mb - mb @ ma).max() <= COMMUTE_TOLERANCE)

    # -- merging ----------------------------------------------------------------------

    def cx(self, key: int) -> int:
        return sum(1 for index in self.nodes[key].ops if self.ops[index].name == "cx")

    def between(self, first: int, last: int) -> set[int] | None:
        """Nodes on every path from ``first`` to ``last`` (descendants of ``first`` that
        are ancestors of ``last``), or ``None`` when ``last`` is not a descendant."""
        limit = self.rank[last]
        seen = {first}
        stack = [first]
        while stack:
            for succ in self.nodes[stack.pop()].succs:
                if succ not in seen and self.rank[succ] <= limit:
                    seen.add(succ)
                    stack.append(succ)
        if last not in seen:
            return None
        back = {last}
        stack = [last]
        while stack:
            for pred in self.nodes[stack.pop()].preds:
                if pred in seen and pred not in back:
                    back.add(pred)
                    stack.append(pred)
        return back - {first, last}

    def try_merge(self, first: int, last: int) -> bool:
        """Merge ``last`` (later in rank) into ``first`` when legal and cheaper."""
        pair = set(self.nodes[first].qubits)
        inside = self.between(first, last)
        if inside is None:
            inside = set()
        if any(self.nodes[k].fence or not pair.issuperset(self.nodes[k].qubits) for k in inside):
            return False
        members = {first, last} | inside
        ops = sorted(index for k in members for index in self.nodes[k].ops)
        matrix = self.local_unitary(ops, self.nodes[first].qubits)
        if two_qubit_cx_count(matrix) >= sum(self.cx(k) for k in members):
            return False
        self._contract(first, members, ops, matrix)
        return True

    def _contract(self, keep: int, members: set[int], ops: list[int], matrix: np.ndarray) -> None:
        node = self.nodes[keep]
        preds: set[int] = set()
        succs: set[int] = set()
        for k in members:
            preds |= self.nodes[k].preds
            succs |= self.nodes[k].succs
        preds -= members
        succs -= members
        low = min(self.rank[k] for k in members)
        high = max(self.rank[k] for k in members)
        for k in members - {keep}:
            gone = self.nodes.pop(k)
            for p in gone.preds:
                if p in self.nodes:
                    self.nodes[p].succs.discard(k)
            for s in gone.succs:
                if s in self.nodes:
                    self.nodes[s].preds.discard(k)
            self.order[self.rank.pop(k)] = None
        node.ops, node.preds, node.succs = ops, preds, succs
        node.matrix, node.merged = matrix, True
        for p in preds:
            self.nodes[p].succs.add(keep)
        for s in succs:
            self.nodes[s].preds.add(keep)
        self._reorder(low, high)

    def _reorder(self, low: int, high: int) -> None:
        """Topologically re-sort the nodes ranked in ``[low, high]`` (after a merge)."""
        segment = [k for k in self.order[low : high + 1] if k is not None]
        inside = set(segment)
        indegree = {k: sum(1 for p in self.nodes[k].preds if p in inside) for k in segment}
        # Kahn's algorithm, earliest old rank first: nodes the merge does not constrain
        # keep their relative order.
        ready = [(self.rank[k], k) for k in segment if indegree[k] == 0]
        heapq.heapify(ready)
        placed: list[int] = []
        while ready:
            _, k = heapq.heappop(ready)
            placed.append(k)
            for s in self.nodes[k].succs:
                if s in inside:
                    indegree[s] -= 1
                    if indegree[s] == 0:
                        heapq.heappush(ready, (self.rank[s], s))
        assert len(placed) == len(segment), "a merge made the dependency graph cyclic"
        for offset in range(high - low + 1):
            self.order[low + offset] = placed[offset] if offset < len(placed) else None
        for offset, k in enumerate(placed):
            self.rank[k] = low + offset

    def merge_pairs(self) -> None:
        by_pair: dict[tuple[int, ...], list[int]] = {}
        for number, node in self.nodes.items():
            if len(node.qubits) == 2 and not node.fence:
                by_pair.setdefault(node.qubits, []).append(number)
        for key in list(self.order):
            if key is None or key not in self.nodes or len(self.nodes[key].qubits) != 2:
                continue
            if self.nodes[key].fence:
                continue
            pair = self.nodes[key].qubits
            merged = True
            while merged and key in self.nodes:
                merged = False
                later = sorted(
                    (self.rank[k], k)
                    for k in by_pair[pair]
                    if k != key and k in self.nodes and self.rank[k] > self.rank[key]
                )
                for _, partner in later[:MAX_PARTNERS]:
                    if self.try_merge(key, partner):
                        merged = True
                        break

    def items(self) -> list[PartitionItem]:
        out: list[PartitionItem] = []
        for key in self.order:
            if key is None:
                continue
            node = self.nodes[key]
            ops = tuple(self.ops[i] for i in node.ops)
            if node.merged:
                out.append(Block(node.qubits, ops))
            else:
                out.extend(ops)
        return out


def commutation_partition(circuit: Circuit, max_block_size: int = 2) -> list[PartitionItem]:
    """Two-qubit blocks merged across commuting operations (see the module doc).

    Args:
        circuit: The circuit (``cx`` and single-qubit gates; other operations are
            fences that nothing moves across).
        max_block_size: Accepted for the partitioner contract; blocks are always on
            two qubits.

    Returns:
        Merged blocks and pass-through operations in an order that respects every
        dependency up to commutation: concatenating them gives a circuit equal to
        ``circuit`` (up to the commutation tolerance, about 1e-11 per reordering).
        Above :data:`MAX_OPERATIONS` operations, the scanning partition into blocks of
        ``max_block_size`` qubits.
    """
    ops = circuit.operations
    if len(ops) > MAX_OPERATIONS:
        return partition(circuit, max_block_size)
    graph = _Graph(ops, max(2, max_block_size))
    graph.merge_pairs()
    return graph.items()
