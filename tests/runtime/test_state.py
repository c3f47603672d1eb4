"""The scheduler state machine and the role plan, without MPI."""

from __future__ import annotations

import pytest

from hpcq.runtime import state as st
from hpcq.runtime.protocol import TaskResult, TaskSpec
from hpcq.runtime.roles import MANAGER, SERVER, WORKER, plan_roles


def spec(n: int, submitter: int = -1) -> TaskSpec:
    return TaskSpec((submitter, n), 0, b"payload")


def result(n: int, submitter: int = -1) -> TaskResult:
    return TaskResult((submitter, n), True, b"value")


def sent(instructions: list[st.Instruction], kind: type) -> list:
    return [i for i in instructions if isinstance(i, kind)]


def test_tasks_spread_over_idle_children_then_by_load() -> None:
    state = st.SchedulerState({1: 1, 2: 1})
    out = state.handle(st.TasksArrived("client-0", tuple(spec(i) for i in range(4))))
    batches = {i.dest: len(i.tasks) for i in sent(out, st.SendTasks)}
    assert batches == {1: 2, 2: 2}
    assert state.child_load(1) == 2 and state.child_load(2) == 2


def test_results_route_to_origin_and_release_load() -> None:
    state = st.SchedulerState({1: 1, 2: 1})
    state.handle(st.TasksArrived(1, (spec(1, submitter=1),)))
    owner = state.owner_of((1, 1))
    assert owner in (1, 2)
    out = state.handle(st.ResultsArrived(owner, (result(1, submitter=1),)))
    assert sent(out, st.SendResults) == [st.SendResults(1, (result(1, submitter=1),))]
    assert state.load == 0 and not state.holds((1, 1))


def test_results_from_the_wrong_source_are_ignored() -> None:
    state = st.SchedulerState({1: 1, 2: 1})
    state.handle(st.TasksArrived("client-0", (spec(1),)))
    owner = state.owner_of((-1, 1))
    other = 2 if owner == 1 else 1
    assert sent(state.handle(st.ResultsArrived(other, (result(1),))), st.SendResults) == []
    assert state.holds((-1, 1))


def test_idle_child_steals_from_the_most_loaded() -> None:
    state = st.SchedulerState({1: 1, 2: 1})
    state.handle(st.ChildWentIdle(2))
    # everything lands on 1 while 2 is busy elsewhere
    state._children[2].idle = False
    state._thieves.clear()
    state.handle(st.TasksArrived("client-0", tuple(spec(i) for i in range(6))))
    loads = (state.child_load(1), state.child_load(2))
    busiest = 1 if loads[0] >= loads[1] else 2
    thief = 3 - busiest
    out = state.handle(st.ChildWentIdle(thief))
    steals = sent(out, st.RequestSteal)
    assert len(steals) == 1 and steals[0].dest == busiest and steals[0].count >= 1
    given = (spec(0),) if state.owner_of((-1, 0)) == busiest else (spec(1),)
    out = state.handle(st.StolenArrived(busiest, given))
    assert sent(out, st.SendTasks) == [st.SendTasks(thief, given)]
    assert state.owner_of(given[0].task_id) == thief


def test_no_steal_when_nothing_is_queued() -> None:
    state = st.SchedulerState({1: 1, 2: 1})
    state.handle(st.TasksArrived("client-0", (spec(1), spec(2))))
    assert sent(state.handle(st.ChildWentIdle(1)), st.RequestSteal) == []


def test_cancel_forwards_to_owner_and_drops_the_result() -> None:
    state = st.SchedulerState({1: 1})
    state.handle(st.TasksArrived("client-0", (spec(1),)))
    out = state.handle(st.CancelAsked(((-1, 1),)))
    assert out == [st.SendCancel(1, ((-1, 1),))]
    out = state.handle(st.ResultsArrived(1, (result(1),)))
    assert sent(out, st.SendResults) == []
    assert state.load == 0


def test_cancelled_task_in_a_steal_is_not_placed_again() -> None:
    state = st.SchedulerState({1: 1, 2: 1})
    state.handle(st.TasksArrived("client-0", (spec(1), spec(2), spec(3))))
    owner = state.owner_of((-1, 1))
    state.handle(st.CancelAsked(((-1, 1),)))
    out = state.handle(st.StolenArrived(owner, (spec(1),)))
    assert sent(out, st.SendTasks) == []
    assert not state.holds((-1, 1))


def test_origin_gone_cancels_everything_it_submitted() -> None:
    state = st.SchedulerState({1: 1})
    state.handle(st.TasksArrived("client-0", (spec(1), spec(2))))
    state.handle(st.TasksArrived("client-1", (spec(3, submitter=-2),)))
    out = state.handle(st.OriginGone("client-0"))
    assert out == [st.SendCancel(1, ((-1, 1), (-1, 2)))]


def test_manager_reports_load_and_idleness_upward() -> None:
    state = st.SchedulerState({4: 1, 5: 1}, upstream=True)
    out = state.handle(st.TasksArrived(st.UP, (spec(1),)))
    assert st.ReportLoad(1) in out
    owner = state.owner_of((-1, 1))
    out = state.handle(st.ResultsArrived(owner, (result(1),)))
    assert st.SendResults(st.UP, (result(1),)) in out
    assert st.ReportLoad(0) in out
    out = state.handle(st.ChildWentIdle(4))
    out += state.handle(st.ChildWentIdle(5))
    assert out.count(st.ReportIdle()) == 1


def test_manager_answers_upstream_steal_from_its_workers() -> None:
    state = st.SchedulerState({4: 1, 5: 1}, upstream=True)
    state.handle(st.TasksArrived(4, tuple(spec(i, submitter=4) for i in range(6))))
    out = state.handle(st.StealAsked(2))
    requests = sent(out, st.RequestSteal)
    assert requests and sum(r.count for r in requests) <= 2
    victim = requests[0].dest
    victim_task = next(
        t for t in (spec(i, submitter=4) for i in range(6)) if state.owner_of(t.task_id) == victim
    )
    out = []
    for request in requests:
        given = (victim_task,) if request.dest == victim else ()
        out += state.handle(st.StolenArrived(request.dest, given))
    returned = sent(out, st.ReturnStolen)
    assert returned == [st.ReturnStolen((victim_task,))]
    assert state.owner_of(victim_task.task_id) == st.UP
    # the result comes back from upstream and goes to the worker that submitted it
    out = state.handle(st.ResultsArrived(st.UP, (result(victim_task.task_id[1], submitter=4),)))
    assert sent(out, st.SendResults)[0].dest == 4


def test_manager_with_nothing_to_give_answers_at_once() -> None:
    state = st.SchedulerState({4: 1}, upstream=True)
    assert state.handle(st.StealAsked(3)) == [st.ReturnStolen(())]


def test_unknown_event_is_a_type_error() -> None:
    state = st.SchedulerState({1: 1})
    with pytest.raises(TypeError):
        state.handle("nonsense")  # type: ignore[arg-type]


def test_a_coordinator_needs_children() -> None:
    with pytest.raises(ValueError):
        st.SchedulerState({})


def test_state_module_does_not_import_mpi() -> None:
    import subprocess
    import sys

    code = "import sys, hpcq.runtime.state, hpcq.runtime; print('mpi4py' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ---------------------------------------------------------------------- roles


def test_two_ranks_are_a_server_and_a_worker() -> None:
    plan = plan_roles([0, 0])
    assert plan.roles == (SERVER, WORKER) and plan.num_workers == 1
    assert plan.children == {0: {1: 1}}


def test_one_node_has_no_manager() -> None:
    plan = plan_roles([0, 0, 0, 0])
    assert plan.roles == (SERVER, WORKER, WORKER, WORKER)
    assert plan.parent == (-1, 0, 0, 0)


def test_other_nodes_get_a_manager_when_big_enough() -> None:
    plan = plan_roles([0, 0, 0, 3, 3, 3, 6, 6])
    assert plan.roles == (SERVER, WORKER, WORKER, MANAGER, WORKER, WORKER, WORKER, WORKER)
    assert plan.parent == (-1, 0, 0, 0, 3, 3, 0, 0)
    assert plan.children[0] == {1: 1, 2: 1, 3: 2, 6: 1, 7: 1}
    assert plan.children[3] == {4: 1, 5: 1}
    assert plan.num_workers == 6


def test_a_runtime_needs_two_ranks() -> None:
    with pytest.raises(ValueError):
        plan_roles([0])
