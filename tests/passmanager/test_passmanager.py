"""The generic pass-manager framework: the reference example, controllers, run, errors."""

from __future__ import annotations

import logging
import pickle
import re
from collections.abc import Callable, Iterable
from typing import Any

import pytest
from toy_passes import CountDigits, FailOn, RemoveFive, ToyPassManager, more_than_six_digits

from hpcq.exceptions import HpcqError
from hpcq.passmanager import (
    ConditionalController,
    DoWhileController,
    FlowControllerLinear,
    GenericPass,
    PassManagerError,
    PassManagerState,
    PropertySet,
    RunState,
    WorkflowStatus,
)
from hpcq.runtime._context import reset_runtime, set_runtime

INPUTS = [123456789, 45654, 36785554]


class Record(GenericPass):
    """Appends its label to the IR (a list) and counts its runs in the property set."""

    def __init__(self, label: str) -> None:
        super().__init__()
        self.label = label

    def name(self) -> str:
        return f"Record({self.label})"

    def run(self, passmanager_ir: list[str]) -> list[str]:
        key = f"runs_{self.label}"
        self.property_set[key] = (self.property_set[key] or 0) + 1
        return [*passmanager_ir, self.label]


class Increment(GenericPass):
    """Adds one to property ``counter``."""

    def run(self, passmanager_ir: Any) -> None:
        self.property_set["counter"] = (self.property_set["counter"] or 0) + 1


class ListPassManager(ToyPassManager):
    """IR: a list of labels, starting empty; output: the list."""

    def _passmanager_frontend(self, input_program: Any, **kwargs: Any) -> list[str]:
        return []

    def _passmanager_backend(
        self, passmanager_ir: list[str], in_program: Any, **kwargs: Any
    ) -> Any:
        return passmanager_ir


# --- the reference example ------------------------------------------------------------


def test_reference_example_remove_five() -> None:
    pm = ToyPassManager(tasks=[RemoveFive()])
    assert pm.run(INPUTS) == [12346789, 464, 36784]


def test_reference_example_conditional() -> None:
    conditional = ConditionalController(tasks=[RemoveFive()], condition=more_than_six_digits)
    pm = ToyPassManager(tasks=[CountDigits(), conditional])
    assert pm.run(INPUTS) == [12346789, 45654, 36784]


def test_single_input_gives_single_output_and_property_set() -> None:
    pm = ToyPassManager(tasks=[CountDigits(), RemoveFive()])
    assert pm.run(505) == 0
    assert pm.property_set["ndigits"] == 3
    assert pm.property_set["missing"] is None


# --- controllers ----------------------------------------------------------------------


def test_linear_runs_in_order_and_flattens_nested_lists() -> None:
    pm = ListPassManager([Record("a"), [Record("b"), [Record("c")]]])
    pm.append(FlowControllerLinear([Record("d")]))
    assert pm.run(0) == ["a", "b", "c", "d"]


def test_conditional_false_runs_nothing() -> None:
    skipped = ConditionalController([Record("x")], condition=lambda ps: ps["flag"] is True)
    pm = ListPassManager([Record("a"), skipped, Record("b")])
    assert pm.run(0) == ["a", "b"]
    assert pm.property_set["runs_x"] is None


def test_conditional_reads_state_when_it_starts() -> None:
    class SetFlag(GenericPass):
        def run(self, passmanager_ir: Any) -> None:
            self.property_set["flag"] = True

    taken = ConditionalController([Record("x")], condition=lambda ps: ps["flag"] is True)
    assert ListPassManager([SetFlag(), taken]).run(0) == ["x"]


def test_do_while_loops_until_condition_false() -> None:
    loop = DoWhileController(
        [Increment(), Record("r")], do_while=lambda ps: ps["counter"] < 4, max_iteration=10
    )
    pm = ListPassManager(loop)
    assert pm.run(0) == ["r"] * 4
    assert pm.property_set["counter"] == 4


def test_do_while_runs_at_least_once() -> None:
    loop = DoWhileController([Record("r")], do_while=lambda ps: False)
    assert ListPassManager(loop).run(0) == ["r"]


def test_do_while_max_iteration_reached() -> None:
    loop = DoWhileController([Increment()], do_while=lambda ps: True, max_iteration=3)
    pm = ListPassManager(loop)
    with pytest.raises(PassManagerError, match=r"Maximum iteration reached\. max_iteration=3"):
        pm.run(0)


def test_do_while_takes_the_pass_managers_max_iteration() -> None:
    counts: list[int] = []

    def callback(**kwargs: Any) -> None:
        counts.append(kwargs["count"])

    loop = DoWhileController([Increment()], do_while=lambda ps: True)
    pm = ListPassManager(loop, max_iteration=5)
    with pytest.raises(PassManagerError, match="max_iteration=5"):
        pm.run(0, callback=callback)
    assert counts == [1, 2, 3, 4, 5]


def test_nested_controllers() -> None:
    # Linear [ a, DoWhile [ Increment, Conditional(counter even) [ b ] ] until 4, c ]
    even = ConditionalController([Record("b")], condition=lambda ps: ps["counter"] % 2 == 0)
    loop = DoWhileController(
        [Increment(), even], do_while=lambda ps: ps["counter"] < 4, max_iteration=10
    )
    pm = ListPassManager([Record("a"), FlowControllerLinear([loop]), Record("c")])
    assert pm.run(0) == ["a", "b", "b", "c"]


def test_nested_pass_manager_as_flow_controller() -> None:
    inner = ListPassManager([Record("a"), Record("b")])
    outer = ListPassManager([inner.to_flow_controller(), Record("c")])
    assert outer.run(0) == ["a", "b", "c"]


def test_controllers_check_their_arguments() -> None:
    with pytest.raises(TypeError, match="condition must be callable"):
        ConditionalController([Record("a")], condition=None)
    with pytest.raises(TypeError, match="do_while must be callable"):
        DoWhileController([Record("a")], do_while=None)
    with pytest.raises(ValueError, match="max_iteration"):
        DoWhileController([Record("a")], do_while=bool, max_iteration=0)
    with pytest.raises(TypeError, match="did you forget the"):
        ListPassManager([Record])  # type: ignore[list-item]


# --- status, requires, callback, logging ----------------------------------------------


def test_state_dataclasses() -> None:
    status = WorkflowStatus()
    assert (status.count, status.completed_passes, status.previous_run) == (
        0,
        set(),
        RunState.FAIL,
    )
    state = PassManagerState(status, PropertySet(a=1))
    assert state.property_set["a"] == 1 and state.property_set["b"] is None


def test_completed_pass_is_skipped_and_requires_run_first() -> None:
    counter = Increment()

    class NeedsCounter(Record):
        def __init__(self) -> None:
            super().__init__("n")
            self.requires = [counter]

    # ``counter`` ran as a requirement; listed again it is skipped (still valid).
    pm = ListPassManager([NeedsCounter(), counter])
    assert pm.run(0) == ["n"]
    assert pm.property_set["counter"] == 1


def test_callback_receives_each_pass() -> None:
    seen: list[tuple[str, Any, int, float]] = []

    def callback(pass_: GenericPass, passmanager_ir: Any, time: float, property_set: Any,
                 count: int) -> None:  # fmt: skip
        seen.append((pass_.name(), list(passmanager_ir), count, time))

    ListPassManager([Record("a"), Record("b")]).run(0, callback=callback)
    assert [s[:3] for s in seen] == [("Record(a)", ["a"], 1), ("Record(b)", ["a", "b"], 2)]
    assert all(s[3] >= 0 for s in seen)


def test_pass_time_logged_at_info(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="hpcq.passmanager"):
        ToyPassManager([RemoveFive()]).run(15)
    messages = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("Pass: RemoveFive - ") and m.endswith(" (ms)") for m in messages)


# --- the schedule ---------------------------------------------------------------------


def test_append_replace_remove_len_add_getitem() -> None:
    pm = ListPassManager([Record("a")])
    pm.append([Record("b"), Record("c")])
    assert len(pm) == 2
    pm.replace(0, Record("z"))
    assert pm.run(0) == ["z", "b", "c"]
    pm.remove(0)
    assert pm.run(0) == ["b", "c"] and len(pm) == 1
    combined = pm + ListPassManager([Record("d")])
    assert isinstance(combined, ListPassManager) and combined.run(0) == ["b", "c", "d"]
    assert (pm + Record("e")).run(0) == ["b", "c", "e"]
    assert pm.run(0) == ["b", "c"]  # + made a new pass manager
    assert combined[1].run(0) == ["d"]
    assert combined[0:2].run(0) == ["b", "c", "d"]
    with pytest.raises(PassManagerError, match="index 7"):
        pm.remove(7)
    with pytest.raises(PassManagerError, match="index 7"):
        pm.replace(7, Record("x"))


# --- errors ---------------------------------------------------------------------------


def test_a_pass_error_propagates_as_itself_with_the_input_index_as_a_note() -> None:
    pm = ToyPassManager([RemoveFive(), FailOn("7")])
    with pytest.raises(ZeroDivisionError, match="found 7 in 37") as info:
        pm.run([1, 2, 37, 4])
    assert not isinstance(info.value, PassManagerError)
    assert "while running the pass manager on input 2" in getattr(info.value, "__notes__", [])


def test_a_pass_error_on_one_input_is_the_pass_own_exception() -> None:
    with pytest.raises(ZeroDivisionError, match=r"^found 1 in 1$"):
        ToyPassManager([FailOn("1")]).run(1)


def test_the_pass_log_line_is_written_when_the_pass_raises(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with (
        caplog.at_level(logging.INFO, logger="hpcq.passmanager"),
        pytest.raises(ZeroDivisionError),
    ):
        ToyPassManager([RemoveFive(), FailOn("1")]).run(1)
    lines = [r.getMessage() for r in caplog.records]
    assert any(re.fullmatch(r"Pass: FailOn - \d+\.\d{3} \(ms\)", line) for line in lines), lines
    assert any(line.startswith("Pass: RemoveFive - ") for line in lines), lines


def test_the_manager_own_failures_stay_pass_manager_errors() -> None:
    loop = DoWhileController([RemoveFive()], do_while=lambda ps: True, max_iteration=2)
    with pytest.raises(PassManagerError, match="Maximum iteration reached") as info:
        ToyPassManager(loop).run(1)
    assert isinstance(info.value, HpcqError)


def test_conversion_error_names_input_index() -> None:
    with pytest.raises(PassManagerError, match="input 1: cannot convert the result") as info:
        ToyPassManager([RemoveFive()]).run([1, "x"])
    assert isinstance(info.value.__cause__, ValueError)


def test_max_iteration_error_names_input_index() -> None:
    loop = DoWhileController([RemoveFive()], do_while=lambda ps: True, max_iteration=2)
    with pytest.raises(PassManagerError, match="input 0: Maximum iteration reached"):
        ToyPassManager(loop).run([1, 2])


# --- run over a list through a runtime ------------------------------------------------


class _Done:
    def __init__(self, values: list[Any]) -> None:
        self._values = values

    def result(self) -> list[Any]:
        return self._values


class PicklingRuntime:
    """A stand-in runtime whose ``map`` sends the function and items through pickle."""

    def __init__(self) -> None:
        self.calls = 0

    def map(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> _Done:
        self.calls += 1
        remote_fn = pickle.loads(pickle.dumps(fn))
        return _Done([remote_fn(pickle.loads(pickle.dumps(item))) for item in items])


@pytest.fixture
def runtime() -> Any:
    handle = PicklingRuntime()
    token = set_runtime(handle)
    yield handle
    reset_runtime(token)


def test_run_list_maps_over_runtime_in_order(runtime: PicklingRuntime) -> None:
    conditional = ConditionalController(tasks=[RemoveFive()], condition=more_than_six_digits)
    pm = ToyPassManager(tasks=[CountDigits(), conditional])
    assert pm.run(INPUTS) == [12346789, 45654, 36784]
    assert runtime.calls == 1


def test_run_list_through_runtime_error_names_index(runtime: PicklingRuntime) -> None:
    with pytest.raises(ZeroDivisionError, match="found 2 in 2") as info:
        ToyPassManager([FailOn("2")]).run([1, 2, 3])
    assert "while running the pass manager on input 1" in getattr(info.value, "__notes__", [])


def test_unpicklable_pass_manager_runs_serially(
    runtime: PicklingRuntime, caplog: pytest.LogCaptureFixture
) -> None:
    conditional = ConditionalController([RemoveFive()], condition=lambda ps: True)
    with caplog.at_level(logging.WARNING, logger="hpcq.passmanager"):
        assert ToyPassManager(conditional).run([15, 25]) == [1, 2]
    assert runtime.calls == 0
    assert "running 2 inputs serially" in caplog.text


def test_callback_keeps_list_runs_serial(runtime: PicklingRuntime) -> None:
    seen: list[str] = []
    ToyPassManager([RemoveFive()]).run([15, 6], callback=lambda **kw: seen.append("x"))
    assert runtime.calls == 0 and seen == ["x", "x"]


def test_passes_and_pass_managers_take_their_ir_type_as_a_parameter() -> None:
    import typing

    from hpcq.ir.circuit import Circuit
    from hpcq.passes import CircuitPass, PassManager
    from hpcq.passmanager import BasePassManager

    assert typing.get_args(PassManager.__orig_bases__[0]) == (Circuit,)  # type: ignore[attr-defined]
    assert typing.get_args(CircuitPass.__orig_bases__[0]) == (Circuit,)  # type: ignore[attr-defined]
    assert GenericPass[int] is not GenericPass and BasePassManager[int] is not BasePassManager
