"""``hpcq serve``: a detached runtime that clients reach by address."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    """Add the ``serve`` sub-command."""
    serve = subparsers.add_parser(
        "serve",
        help="run a detached runtime that compilers connect to by address",
        description=(
            "Run the hpcq runtime until interrupted. Under 'mpiexec -n N' rank 0 serves "
            "and the other ranks work; in a plain process, --workers ranks are spawned. "
            "Clients connect with hpcq.Compiler(address=HOST:PORT) and authenticate with "
            "the token file (created with mode 0600 if absent)."
        ),
    )
    serve.add_argument(
        "--address",
        default="127.0.0.1:7472",
        metavar="HOST:PORT",
        help="where to listen (default 127.0.0.1:7472; port 0 picks a free port)",
    )
    serve.add_argument(
        "--token-file",
        default=None,
        metavar="PATH",
        help="shared secret for clients (default $HPCQ_TOKEN_FILE or ~/.hpcq/runtime-token)",
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="workers to spawn when not under mpiexec (default: the CPUs available)",
    )
    serve.set_defaults(func=_cmd_serve)


def _cmd_serve(args: argparse.Namespace) -> int:
    from hpcq.runtime.serve import serve

    return serve(args.address, args.token_file, args.workers)
