"""Which rank plays which role: server, node manager or worker (pure, no MPI).

* Rank 0 is the server. The other ranks on its node are workers reporting to it
  directly: the server manages its own node.
* On every other node with at least three ranks, the lowest rank is that node's manager
  and the rest are its workers; a node with one or two ranks has no manager (a manager
  for one worker would cost a rank and gain nothing) and its ranks report to the server.

So ``mpiexec -n 2`` is a server and one worker, ``-n 4`` on one node a server and three
workers; a two-node job of 2 x 8 ranks has a server with 7 workers and a manager with 7.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

SERVER = "server"
MANAGER = "manager"
WORKER = "worker"


@dataclass(frozen=True)
class Plan:
    """The roles of every rank of one runtime."""

    roles: tuple[str, ...]
    """Role of each rank: :data:`SERVER`, :data:`MANAGER` or :data:`WORKER`."""
    parent: tuple[int, ...]
    """The coordinator each rank reports to (``-1`` for the server)."""
    children: dict[int, dict[int, int]] = field(default_factory=dict)
    """Coordinator rank -> its children's ranks -> their capacity in workers."""

    @property
    def num_workers(self) -> int:
        """How many ranks run tasks."""
        return sum(1 for role in self.roles if role == WORKER)


def plan_roles(nodes: Sequence[int]) -> Plan:
    """Assign roles from each rank's node key (ranks sharing a key share a node).

    Args:
        nodes: ``nodes[rank]`` identifies the node of ``rank``; at least two ranks.
    """
    size = len(nodes)
    if size < 2:
        raise ValueError("a runtime needs at least two ranks (a server and a worker)")
    by_node: dict[int, list[int]] = {}
    for rank, node in enumerate(nodes):
        by_node.setdefault(node, []).append(rank)
    roles = [WORKER] * size
    parent = [0] * size
    roles[0] = SERVER
    parent[0] = -1
    children: dict[int, dict[int, int]] = {0: {}}
    for ranks in by_node.values():
        if 0 in ranks or len(ranks) < 3:
            for rank in ranks:
                if rank != 0:
                    children[0][rank] = 1
            continue
        manager, *workers = sorted(ranks)
        roles[manager] = MANAGER
        children[0][manager] = len(workers)
        children[manager] = {}
        for rank in workers:
            parent[rank] = manager
            children[manager][rank] = 1
    return Plan(tuple(roles), tuple(parent), children)
