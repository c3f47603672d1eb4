"""The serial fallback (``num_workers=0``): same API, in-process, no MPI."""

from __future__ import annotations

import subprocess
import sys

import pytest

from hpcq.exceptions import RuntimeSystemError
from hpcq.runtime import get_runtime, has_runtime
from hpcq.runtime.client import RuntimeClient
from hpcq.runtime.future import RemoteTraceback


def double(x: int) -> int:
    return 2 * x


def nested_sum(depth: int) -> int:
    if depth == 0:
        return 1
    return sum(get_runtime().map(nested_sum, [depth - 1] * 3).result())


async def awaiting(x: int) -> int:
    handle = get_runtime()
    values = await handle.wait([handle.submit(double, x), handle.submit(double, x + 1)])
    return sum(values)


def raises() -> None:
    raise ValueError("bad value in task")


def test_submit_map_and_nesting() -> None:
    with RuntimeClient(0) as client:
        assert client.mode == "serial" and client.num_workers == 0
        assert client.submit(double, 4).result() == 8
        assert client.map(double, range(5)).result() == [0, 2, 4, 6, 8]
        assert client.submit(nested_sum, 3).result() == 27
        assert client.submit(awaiting, 1).result() == 6


def test_handle_on_the_client_while_open() -> None:
    assert not has_runtime()
    with RuntimeClient(0) as client:
        assert has_runtime() and get_runtime() is client.handle
        handle = get_runtime()
        future = handle.map(double, range(4))
        assert sorted(handle.next(future).result()) == [(0, 0), (1, 2), (2, 4), (3, 6)]
        assert handle.next(future).result() == []
        assert handle.wait([future]).result() == [[0, 2, 4, 6]]
        assert handle.cancel(future) is False
    assert not has_runtime()
    with pytest.raises(RuntimeSystemError):
        get_runtime()


def test_exception_keeps_its_type_and_traceback() -> None:
    with RuntimeClient(0) as client:
        with pytest.raises(ValueError, match="bad value") as info:
            client.submit(raises).result()
        assert isinstance(info.value.__cause__, RemoteTraceback)
        assert "bad value in task" in str(info.value.__cause__)
        assert client.submit(double, 1).result() == 2


def test_unpicklable_call_is_a_type_error() -> None:
    with RuntimeClient(0) as client, pytest.raises(TypeError, match="not picklable"):
        client.submit(lambda: 1)


def test_closed_client_refuses_work() -> None:
    client = RuntimeClient(0)
    client.close()
    client.close()
    with pytest.raises(RuntimeSystemError, match="closed"):
        client.submit(double, 1)


@pytest.mark.parametrize("bad", [-1, 1.5, True])
def test_bad_num_workers(bad: object) -> None:
    with pytest.raises(ValueError, match="num_workers"):
        RuntimeClient(bad)  # type: ignore[arg-type]


def test_no_mpi_means_serial() -> None:
    code = (
        "from hpcq.runtime.client import RuntimeClient\n"
        "with RuntimeClient() as c: print(c.mode, c.submit(abs, -3).result())\n"
    )
    env = {"HPCQ_NO_MPI": "1", "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert out.stdout.split() == ["serial", "3"], out.stderr


def test_serve_if_worker_without_launcher_imports_nothing() -> None:
    code = (
        "import sys; from hpcq.runtime.launch import serve_if_worker; serve_if_worker();"
        "print('mpi4py' in sys.modules)"
    )
    env = {"PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert out.stdout.strip() == "False", out.stderr
