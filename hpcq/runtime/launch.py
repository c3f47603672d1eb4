"""Starting the runtime: under a launcher (mpiexec, srun), attached (spawned), and roles.

``serve_if_worker()`` is what the ``hpcq`` command calls first thing: on a non-zero rank
of a launched world it runs that rank's role until the server shuts down, then exits the
process; everywhere else it returns at once, without importing mpi4py when no launcher
variables are present.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import logging
import math
import os
import signal
import socket
import sys
import threading
import traceback
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hpcq import _config
from hpcq.exceptions import RuntimeSystemError
from hpcq.runtime import aborts, terminate
from hpcq.runtime.roles import MANAGER, WORKER, Plan, plan_roles
from hpcq.runtime.server import RankInfo, Server
from hpcq.runtime.watchdog import Watchdog

logger = logging.getLogger(__name__)

LAUNCHER_VARIABLES = _config.LAUNCHER_VARIABLES


def launcher_present() -> bool:
    """Whether this process was started by an MPI launcher (cheap: environment only)."""
    return _config.launched_by_mpi()


def available_cpus() -> int:
    """The CPUs this process may use: affinity, cgroup quota and Slurm limits respected."""
    try:
        count = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        count = os.cpu_count() or 1
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        if quota != "max":
            count = min(count, max(1, math.ceil(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    for name in ("SLURM_CPUS_PER_TASK", "SLURM_CPUS_ON_NODE"):
        value = os.environ.get(name, "")
        if value.isdigit() and int(value) > 0:
            count = min(count, int(value))
            break
    return max(1, count)


# ------------------------------------------------------------------ collective setup


@dataclass(frozen=True)
class MainScript:
    """What rank 0 tells the others at set-up: its main script, ``sys.argv``, watchdog."""

    path: str | None
    argv: tuple[str, ...] = ()
    watchdog: str | None = None
    """The watchdog's socket name (ranks on rank 0's host hand it their output)."""


def _setup(
    transport: Any, main_path: str | None, watchdog: str | None = None
) -> tuple[Plan, list[RankInfo], MainScript]:
    """Every rank: find the nodes, agree on roles, learn where each rank lives."""
    from hpcq.runtime.comm import hostname

    # the other ranks may arrive much later (rank 0 works before creating its client)
    transport.gather_politely()
    per_node = _config.ranks_per_node()
    node = transport.rank // per_node if per_node else transport.node_key()
    main = MainScript(main_path, tuple(sys.argv), watchdog) if transport.rank == 0 else None
    infos = transport.allgather((node, os.getpid(), hostname(), main))
    plan = plan_roles([info[0] for info in infos])
    ranks = [RankInfo(rank, info[1], info[2]) for rank, info in enumerate(infos)]
    return plan, ranks, infos[0][3] or MainScript(None)


def _main_script() -> str | None:
    """The file of ``__main__`` when it is a script (``python -m pkg`` mains are not)."""
    main = sys.modules.get("__main__")
    if main is None or getattr(main, "__spec__", None) is not None:
        return None
    return getattr(main, "__file__", None)


def _adopt_main(main: MainScript) -> None:
    """Load rank 0's main script as ``__mp_main__`` so its functions unpickle here.

    It runs with rank 0's ``sys.argv`` (a script may read its arguments at top level);
    code under ``if __name__ == "__main__":`` does not run.
    """
    path = main.path
    if not path:
        return
    current = getattr(sys.modules.get("__main__"), "__file__", None)
    if current and os.path.abspath(current) == os.path.abspath(path):
        return
    folder = os.path.dirname(os.path.abspath(path))
    if folder not in sys.path:
        # as Python does for a script: its folder is importable
        sys.path.insert(0, folder)
    own_argv = sys.argv
    if main.argv:
        sys.argv = list(main.argv)
    try:
        spec = importlib.util.spec_from_file_location("__mp_main__", path)
        if spec is None or spec.loader is None:
            return
        module = importlib.util.module_from_spec(spec)
        sys.modules["__mp_main__"] = module
        # even a partly executed script provides the functions defined before the error
        sys.modules["__main__"] = module
        spec.loader.exec_module(module)
    except SystemExit:
        # a script that exits at top level on other ranks: keep what it defined
        logger.debug("the main script %s exited while loading on this rank", path)
    except Exception as exc:
        logger.warning("could not load the main script %s on this rank: %s", path, exc)
    finally:
        sys.argv = own_argv


_SERVING = False


def _hand_over_output(socket_name: str, rank: int) -> None:
    from hpcq.runtime.watchdog import hand_over_output

    try:
        hand_over_output(socket_name, rank)
    except OSError as exc:
        logger.debug("rank %d: cannot reach the rank watchdog: %s", rank, exc)


def serving() -> bool:
    """Whether this process is already a worker or manager rank of a runtime."""
    return _SERVING


def _leave_signals_to_rank_0() -> None:
    """A non-zero rank: rank 0 coordinates the stop on Ctrl-C and SIGTERM (terminate.py).

    Installed before the setup exchange that lets rank 0 go on: once rank 0 reports the
    runtime up, a SIGTERM sent to every rank (``scancel``) must find the handler here.
    """
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        terminate.install_rank_handler()


def _leave_quietly() -> None:
    """The rank served to the end and exits in order: a SIGTERM from now on (one sent
    to every rank while this one was finishing) must not turn that into a death by
    signal, which the launcher would report as the job's exit status. Python restores
    the default action of its own handlers at interpreter exit; ignoring stays."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, signal.SIG_IGN)


def _run_role(transport: Any, plan: Plan, ranks: list[RankInfo], main: MainScript) -> bool:
    """A non-zero rank: serve as worker or manager until shutdown; abort on a crash.

    Returns whether the server abandoned the runtime (a rank died).
    """
    from hpcq.runtime import comm

    global _SERVING
    _SERVING = True
    rank = transport.rank
    role = plan.roles[rank]
    _leave_signals_to_rank_0()
    if main.watchdog and ranks[rank].host == ranks[0].host:
        _hand_over_output(main.watchdog, rank)
    try:
        _adopt_main(main)
        if role == WORKER:
            from hpcq.runtime.worker import Worker

            server = (ranks[0].pid, ranks[0].host)
            worker = Worker(
                transport, plan.parent[rank], plan.num_workers, ranks[rank].host, server
            )
            worker.serve()
            return worker.abandoned
        elif role == MANAGER:
            from hpcq.runtime.manager import Manager

            children = plan.children[rank]
            watched = [*children, 0]
            local = {r: ranks[r].pid for r in watched if ranks[r].host == ranks[rank].host}
            manager = Manager(transport, children, plan.parent[rank], local)
            manager.serve()
            return manager.abandoned
    except BaseException as exc:
        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        comm.abort(
            transport.comm,
            f"unhandled exception on {role} rank {rank} ({ranks[rank].host}), "
            f"aborting the job:\n{text}",
        )
    return False


# ---------------------------------------------------------------- launched worlds


def serve_if_worker() -> None:
    """Serve on a non-zero rank of a launched world, then exit; otherwise return.

    Call it before anything else in a program started with ``mpiexec -n N`` (the
    ``hpcq`` command does). Without launcher variables it returns immediately, importing
    nothing.
    """
    if not launcher_present() or _config.mpi_disabled():
        return
    aborts.install_excepthook()
    _config.apply_thread_limits()
    try:
        from hpcq.runtime import comm

        world = comm.world()
    except RuntimeSystemError as exc:
        logger.warning("launched by an MPI launcher but %s; running serially", exc)
        return
    if world.Get_size() < 2 or world.Get_rank() == 0:
        return
    _leave_signals_to_rank_0()
    transport = comm.Transport(world)
    plan, ranks, main = _setup(transport, None)
    _run_role(transport, plan, ranks, main)
    _leave_quietly()
    transport.flush()
    sys.stdout.flush()
    sys.exit(0)


_WORLD: Server | None = None


def world_server(main_path: str | None = None) -> Server | None:
    """Rank 0 of a launched world: the server over the other ranks (started once).

    Returns ``None`` when the world has one rank (the caller runs serially).
    """
    global _WORLD
    if _WORLD is not None:
        return _WORLD
    from hpcq.runtime import comm

    aborts.install_excepthook()
    _config.apply_thread_limits()
    world = comm.world()
    if world.Get_size() < 2:
        return None
    if world.Get_rank() != 0:
        raise RuntimeSystemError("world_server() runs on rank 0 only")
    if main_path is None:
        main_path = _main_script()
    transport = comm.Transport(world)
    watchdog = _start_watchdog()
    plan, ranks, _ = _setup(transport, main_path, watchdog.socket_name if watchdog else None)

    def on_death(message: str) -> None:
        comm.abort(world, message)

    server = Server(transport, plan, ranks, on_rank_death=on_death)
    server.start_thread()
    _WORLD = server
    atexit.register(stop_world_server)
    terminate.install_server_handler()
    terminate.set_local_ranks(tuple(info.pid for info in ranks[1:] if info.host == ranks[0].host))
    if watchdog is not None:
        _watch_ranks(watchdog, plan, ranks)
    logger.info("hpcq runtime up: %d ranks, %d workers", transport.size, plan.num_workers)
    for info in ranks:
        logger.info(
            "rank %d: %s, pid %d on %s", info.rank, plan.roles[info.rank], info.pid, info.host
        )
    return server


_WATCHDOG: Watchdog | None = None


def _start_watchdog() -> Watchdog | None:
    """Rank 0: the watchdog that names the first rank to die (see watchdog.py)."""
    global _WATCHDOG
    if not hasattr(os, "pidfd_open") or not hasattr(socket, "send_fds"):
        return None
    try:
        _WATCHDOG = Watchdog()
    except OSError as exc:
        logger.warning("cannot start the rank watchdog: %s", exc)
        return None
    aborts.on_abort(_WATCHDOG.quiet)
    return _WATCHDOG


def _watch_ranks(watchdog: Watchdog, plan: Plan, ranks: list[RankInfo]) -> None:
    if len({info.host for info in ranks}) != 1:
        # several hosts: the first local death may be the launcher's clean-up of a
        # failure elsewhere, which the watchdog could not tell apart (docs/runtime.md)
        watchdog.quiet()
        return
    _hand_over_output(watchdog.socket_name, 0)
    watchdog.watch([(info.rank, info.pid, info.host, plan.roles[info.rank]) for info in ranks])


def quiet_watchdog() -> None:
    """The ranks are about to exit in order: the watchdog must not report them."""
    if _WATCHDOG is not None:
        _WATCHDOG.quiet()


def stop_world_server(timeout: float = 2.0) -> None:
    """Shut the launched world's runtime down (every other rank exits)."""
    global _WORLD
    server = _WORLD
    if server is None:
        return
    _WORLD = None
    quiet_watchdog()
    server.stop()
    if not server.join(timeout):
        from hpcq.runtime import comm

        comm.abort(server.transport.comm, "the runtime did not shut down in time; aborting")


# ------------------------------------------------------------------ attached mode


class AttachedRuntime:
    """Spawned worker ranks serving this process (the server runs in a thread here).

    Args:
        num_workers: How many processes to spawn (at least 1).
    """

    def __init__(self, num_workers: int) -> None:
        if num_workers < 1:
            raise ValueError(f"an attached runtime needs at least one worker, not {num_workers}")
        from hpcq.runtime import comm

        main_path = _main_script()
        code = (
            f"import os, sys; os.environ.update({_config.thread_environment()!r}); "
            f"sys.path[:] = {list(sys.path)!r}; "
            "from hpcq.runtime.launch import spawned_main; spawned_main()"
        )
        _expose_mpiexec()
        _ignore_failure_notices()
        self._comm = comm.spawn(num_workers, code)
        # Found now, while they are surely this process's children: after a lost rank
        # they may already have been re-parented by the time close() looks again.
        self._launchers = _spawned_launchers()
        transport = comm.Transport(self._comm)
        plan, ranks, _ = _setup(transport, main_path)
        self.server = Server(transport, plan, ranks)
        self.server.start_thread()
        self._closed = False
        logger.info("attached runtime: spawned %d workers", num_workers)

    def close(self, timeout: float = 5.0) -> None:
        """Stop the spawned ranks and disconnect from them."""
        if self._closed:
            return
        self._closed = True
        self.server.stop()
        stopped = self.server.join(timeout)
        if stopped and self.server.broken is None:
            self._comm.Disconnect()
        else:
            from hpcq.runtime import comm

            logger.warning("attached runtime did not stop cleanly: %s", self.server.broken)
            _kill_spawned_launchers(self._launchers)
            comm.abort_at_exit(1)


def _launcher_port(pid: int) -> int | None:
    """The PMI port of an ``mpiexec -pmi_args PORT ...`` process, else ``None``."""
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        return int(args[args.index(b"-pmi_args") + 1])
    except (OSError, ValueError, IndexError):
        return None


def _own_tcp_ports() -> set[int]:
    """Local ports of the TCP sockets this process holds (from /proc)."""
    inodes = set()
    with contextlib.suppress(OSError):
        for fd in os.listdir("/proc/self/fd"):
            with contextlib.suppress(OSError):
                link = os.readlink(f"/proc/self/fd/{fd}")
                if link.startswith("socket:["):
                    inodes.add(link[8:-1])
    ports = set()
    for table in ("/proc/self/net/tcp", "/proc/self/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if len(fields) > 9 and fields[9] in inodes:
                    ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def _spawned_launchers() -> set[int]:
    """PIDs of the ``mpiexec -pmi_args`` processes this process spawned workers through.

    A singleton spawns through a Hydra ``mpiexec`` that connects back to a PMI port the
    singleton listens on, so a launcher is ours when that port is one of our sockets.
    Its parent says nothing: ``setsid`` forks when it starts as a process-group leader,
    and the launcher is then re-parented at once.
    """
    ports = _own_tcp_ports()
    found: set[int] = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and _launcher_port(int(entry.name)) in ports:
            found.add(int(entry.name))
    return found


def _kill_spawned_launchers(known: Iterable[int] = ()) -> None:
    """End the Hydra process manager(s) this process spawned workers through.

    The wrapper runs Hydra in a session of its own (see :func:`_expose_mpiexec`), so
    after a lost rank nothing else would end it and it would linger, holding the
    program's stdout and stderr open. The launchers are those found at spawn time
    (``known``) and those :func:`_spawned_launchers` finds now; the session each one
    leads (Hydra and its proxies) is killed.
    """
    for pid in sorted(set(known) | _spawned_launchers()):
        if _launcher_port(pid) is None:
            continue  # already gone
        try:
            if os.getpgid(pid) == pid:
                os.killpg(pid, signal.SIGKILL)
            else:  # not wrapped (no setsid): its group may be ours
                os.kill(pid, signal.SIGKILL)
        except OSError:
            continue
        logger.info("killed the spawned process manager (pid %d)", pid)


def _expose_mpiexec() -> None:
    """Spawning from a singleton runs ``mpiexec`` from PATH: make it a safe one.

    The ``mpiexec`` beside Python (the mpich wheel's) is used when PATH has none. A Hydra
    ``mpiexec`` is wrapped to run in a session of its own: otherwise a spawned worker
    that dies makes it kill its whole process group, the user's interpreter included,
    where the server should report the lost rank and the program get a
    :class:`RuntimeSystemError`. (``-disable-auto-cleanup`` is not used: it breaks a
    second spawn from the same process.)
    """
    import hashlib
    import shutil
    import subprocess
    import tempfile

    found = shutil.which("mpiexec")
    if found is None:
        beside = Path(sys.executable).parent / "mpiexec"
        if not beside.exists():
            return
        found = str(beside)
    setsid = shutil.which("setsid")
    try:
        version = subprocess.run(
            [found, "--version"], capture_output=True, text=True, timeout=10
        ).stdout
    except (OSError, subprocess.SubprocessError):
        version = ""
    folder = str(Path(found).parent)
    if "HYDRA" in version and setsid is not None:
        text = f'#!/bin/sh\nexec "{setsid}" "{found}" "$@"\n'
        key = hashlib.sha1(text.encode()).hexdigest()[:12]
        wrapper_dir = _config.cache_dir() / "mpiexec" / key
        wrapper = wrapper_dir / "mpiexec"
        try:
            if not wrapper.exists():
                wrapper_dir.mkdir(parents=True, exist_ok=True)
                with tempfile.NamedTemporaryFile("w", dir=wrapper_dir, delete=False) as tmp:
                    tmp.write(text)
                os.chmod(tmp.name, 0o700)
                os.replace(tmp.name, wrapper)
            folder = str(wrapper_dir)
        except OSError as exc:
            logger.warning("cannot write the mpiexec wrapper in %s: %s", wrapper_dir, exc)
    os.environ["PATH"] = os.pathsep.join(filter(None, [folder, os.environ.get("PATH")]))


def _ignore_failure_notices() -> None:
    """Hydra signals SIGUSR1 to the survivors when a spawned rank dies; the server reports."""
    if (
        threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGUSR1) is signal.SIG_DFL
    ):
        signal.signal(signal.SIGUSR1, signal.SIG_IGN)


def spawned_main() -> None:
    """Entry point of a spawned rank (see :class:`AttachedRuntime`)."""
    from hpcq.runtime import comm

    _ignore_failure_notices()
    merged = comm.parent_comm()
    _leave_signals_to_rank_0()
    transport = comm.Transport(merged)
    plan, ranks, main = _setup(transport, None)
    abandoned = _run_role(transport, plan, ranks, main)
    _leave_quietly()
    if abandoned:
        # the runtime broke; the parent will not disconnect, so neither do we
        sys.stdout.flush()
        os._exit(0)
    transport.flush()
    merged.Disconnect()
