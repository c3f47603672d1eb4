"""Mimics hpcq.cli.main: serve_if_worker() first, then the command runs on rank 0 only."""

from hpcq.runtime.launch import serve_if_worker

serve_if_worker()

from hpcq.runtime.client import RuntimeClient  # noqa: E402

with RuntimeClient() as client:
    print(f"command ran with {client.num_workers} workers", flush=True)
    print("result", client.map(abs, [-1, -2, -3]).result(), flush=True)
