"""A rank fails before the runtime exists; usage: early.py RANK barrier|runtime.

With ``barrier`` the other ranks wait in plain MPI (``MPI_Init``, then a barrier); with
``runtime`` they start an hpcq runtime (rank 0 a client, the others serve).
"""

from __future__ import annotations

import os
import sys

from hpcq.runtime.aborts import install_excepthook

# what hpcq/__init__.py does under a launcher (lead's call); here made explicit
install_excepthook()

rank = int(os.environ["PMI_RANK"])
if rank == int(sys.argv[1]):
    raise RuntimeError(f"early failure on rank {rank}")
if sys.argv[2] == "barrier":
    from mpi4py import MPI

    MPI.COMM_WORLD.Barrier()
else:
    from hpcq.runtime.client import RuntimeClient

    with RuntimeClient() as client:
        client.map(abs, [-1, -2]).result()
print(f"rank {rank} finished", flush=True)
