"""``python -m hpcq.runtime script.py [args]``: run a script with the runtime up.

Under ``mpiexec -n N`` rank 0 runs the script (as ``__main__``) while the other ranks
serve; a :class:`hpcq.runtime.client.RuntimeClient` (or ``hpcq.Compiler``) created by the
script uses them. Without a launcher the script simply runs (attached or serial).
"""

from __future__ import annotations

import os
import runpy
import sys
import traceback


def main(argv: list[str]) -> int:
    """Run ``argv[0]`` with ``argv[1:]`` as its arguments; the exit status."""
    if not argv or argv[0] in ("-h", "--help"):
        print("usage: python -m hpcq.runtime SCRIPT.py [ARGS...]", file=sys.stderr)
        return 2
    from hpcq.runtime import launch

    script = argv[0]
    launch.serve_if_worker()
    sys.argv = list(argv)
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    if launch.launcher_present():
        try:
            launch.world_server(main_path=os.path.abspath(script))
        except Exception as exc:
            print(f"hpcq runtime: cannot start: {exc}", file=sys.stderr)
            return 1
    try:
        runpy.run_path(script, run_name="__main__")
    except SystemExit as exc:
        launch.stop_world_server()
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except BaseException:
        traceback.print_exc()
        sys.stderr.flush()
        _abort(f"the script {script} raised an unhandled exception on rank 0")
        return 1
    launch.stop_world_server()
    return 0


def _abort(message: str) -> None:
    from hpcq.runtime import launch

    if launch.launcher_present():
        from hpcq.runtime import comm

        comm.abort(comm.world(), message)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
