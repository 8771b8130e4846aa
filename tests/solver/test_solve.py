"""The solver on tiny problems: each constraint, each unassigned reason, pins, warm start, repeatability."""

from __future__ import annotations

import dataclasses
from types import MappingProxyType
from typing import Any

import pytest

from solver import (
    Break,
    DispatchProblem,
    Figures,
    Job,
    Plan,
    ProblemError,
    Reason,
    Route,
    Shift,
    SolveParams,
    Status,
    Stop,
    Technician,
    Weights,
    Window,
    check,
    routing,
    solve,
)
from solver.routing import lateness_bounds
from tests.solver.conftest import LINE, grid_problem

FAST = SolveParams(time_limit_s=2, solution_limit=200)


def planned(problem: DispatchProblem, params: SolveParams = FAST, **kwargs: object) -> Plan:
    """Solve and insist the checker finds nothing wrong."""
    plan = solve(problem, params, **kwargs)  # type: ignore[arg-type]
    assert check(problem, plan) == []
    return plan


def test_skills_decide_who_goes(small_day: DispatchProblem) -> None:
    """AC jobs go to A, TV jobs to B; all four are served in line order."""
    plan = planned(small_day)
    assert plan.assignment() == {"j1": "A", "j2": "A", "j3": "B", "j4": "B"}
    assert [s.job for s in plan.route_of("A").stops] == ["j1", "j2"]  # type: ignore[union-attr]
    assert plan.figures.distance == 400 + 800
    assert plan.status == Status.OPTIMAL_OR_FEASIBLE


@pytest.mark.parametrize(
    ("job", "reason"),
    [
        (Job("x", 1, 50, "fridge:repair"), Reason.NO_SKILL),
        (Job("x", 1, 50, "ac:repair", tools=frozenset({"ladder"})), Reason.NO_TOOLS_OR_PARTS),
        (Job("x", 1, 50, "ac:repair", parts=MappingProxyType({"capacitor": 1})), Reason.NO_TOOLS_OR_PARTS),
        (Job("x", 1, 5000, "ac:repair"), Reason.TOO_LONG),
        (Job("x", 4, 50, "ac:repair", windows=(Window(0, 300),)), Reason.WINDOW_UNREACHABLE),
        (Job("x", 1, 50, "ac:repair", pin_technician="B"), Reason.PINNED_TECHNICIAN_CANNOT),
    ],
)
def test_each_precheck_reason(small_day: DispatchProblem, job: Job, reason: Reason) -> None:
    """A job nobody can serve is unassigned with the reason that says why; the rest are still planned."""
    problem = small_day.replace(jobs=(*small_day.jobs, job))
    plan = planned(problem)
    assert [(u.job, u.reason) for u in plan.unassigned] == [("x", reason)]
    assert plan.figures.served == 4


def test_no_capacity_when_the_day_is_full() -> None:
    """Two jobs at opposite ends both due at 300 s: one technician serves one, the other has no capacity."""
    tech = Technician("A", 0, 0, (Shift(0, 2000),))
    jobs = (Job("east", 3, 10, windows=(Window(0, 300),)), Job("north", 5, 10, windows=(Window(0, 300),), priority=2))
    plan = planned(grid_problem(LINE, (tech,), jobs))
    assert plan.assignment() == {"north": "A"}  # the higher priority is kept
    assert [(u.job, u.reason) for u in plan.unassigned] == [("east", Reason.NO_CAPACITY)]


def test_a_job_with_more_at_stake_is_kept_when_only_one_fits() -> None:
    """The nearer job would be the cheaper to serve; the farther one stakes its whole drop cost."""
    tech = Technician("A", 0, 0, (Shift(0, 2000),))
    jobs = (
        Job("near, can wait", 1, 10, windows=(Window(0, 300),), drop_share=0.05),
        Job("far, due now", 5, 10, windows=(Window(0, 300),)),
    )
    plan = planned(grid_problem(LINE, (tech,), jobs))
    assert plan.assignment() == {"far, due now": "A"}
    swapped = grid_problem(LINE, (tech,), (dataclasses.replace(jobs[0], drop_share=1.0), jobs[1]))
    assert planned(swapped).assignment() == {"near, can wait": "A"}  # equal stakes: the cheaper


@pytest.mark.parametrize(
    "bad", [{"service": -1}, {"priority": 0.0}, {"drop_share": 0.0}, {"drop_share": 1.5}], ids=lambda b: str(b)
)
def test_a_job_out_of_range_is_refused(bad: dict[str, Any]) -> None:
    tech = Technician("A", 0, 0, (Shift(0, 2000),))
    with pytest.raises(ProblemError, match="job x"):
        grid_problem(LINE, (tech,), (Job("x", 1, **{"service": 10, **bad}),))


@pytest.mark.parametrize("case", ["no jobs", "no technicians"])
def test_empty_problems(small_day: DispatchProblem, case: str) -> None:
    """Nothing to plan is a status, not an error; without technicians every job is unassigned."""
    problem = small_day.replace(jobs=()) if case == "no jobs" else small_day.replace(technicians=())
    plan = planned(problem)
    assert plan.status == Status.EMPTY and plan.routes == ()
    assert len(plan.unassigned) == (0 if case == "no jobs" else 4)


def test_windows_are_kept() -> None:
    """A job whose window opens at 1000 s starts then, even though the technician could be there at 100 s."""
    tech = Technician("A", 0, 0, (Shift(0, 3000),))
    plan = planned(grid_problem(LINE, (tech,), (Job("late", 1, 50, windows=(Window(1000, 1200),)),)))
    stop = plan.route_of("A").stops[0]  # type: ignore[union-attr]
    assert stop.start >= 1000 and stop.arrival <= stop.start


def test_several_windows_use_the_open_one() -> None:
    """With windows [0, 50] (unreachable) and [500, 600], service starts in the second."""
    tech = Technician("A", 0, 0, (Shift(0, 3000),))
    job = Job("two", 2, 10, windows=(Window(0, 50), Window(500, 600)))
    plan = planned(grid_problem(LINE, (tech,), (job,)))
    assert 500 <= plan.route_of("A").stops[0].start <= 600  # type: ignore[union-attr]


def test_break_is_taken_in_its_window_at_a_stop() -> None:
    """A 60 s break that must start in [120, 200] appears once, inside the window, not on the road."""
    tech = Technician("A", 0, 0, (Shift(0, 3000, Break(60, 120, 200)),))
    jobs = tuple(Job(f"j{i}", i, 50) for i in range(1, 5))
    plan = planned(grid_problem(LINE, (tech,), jobs))
    (taken,) = plan.route_of("A").breaks  # type: ignore[union-attr]
    assert 120 <= taken.start <= 200 and taken.end - taken.start == 60


def test_break_guard_keeps_long_visits_clear_of_the_break() -> None:
    """A 400 s visit in [700, 800] ends by the break's latest start (1200) as estimated, but not if
    it took twice as long: with guard 1 it is served before the break, with guard 2 it cannot be."""
    job = Job("long", 1, 400, windows=(Window(700, 800),))
    for guard, served in ((1.0, True), (2.0, False)):
        tech = Technician("A", 0, 0, (Shift(0, 3000, Break(60, 1000, 1200, guard)),))
        plan = planned(grid_problem(LINE, (tech,), (job,)))
        assert (plan.route_of("A") is not None) is served
        if served:
            (taken,) = plan.route_of("A").breaks  # type: ignore[union-attr]
            assert taken.start >= 1100


def test_promise_beats_target() -> None:
    """Two jobs, time for one on time: the job whose promise is at stake goes first."""
    tech = Technician("A", 0, 0, (Shift(0, 5000),))
    jobs = (Job("target-only", 1, 400, target=600), Job("promise", 5, 400, target=400, promise=700))
    plan = planned(grid_problem(LINE, (tech,), jobs))
    order = [s.job for s in plan.route_of("A").stops]  # type: ignore[union-attr]
    assert order[0] == "promise"
    assert plan.figures.within_promise == 2


def test_overtime_is_capped() -> None:
    """A job that needs 150 s past shift end is served with 200 s allowed, unassigned with 100 s."""
    job = Job("long", 4, 1000)  # 400 there + 1000 + 400 back = 1800
    for allowed, served in ((200, True), (100, False)):
        tech = Technician("A", 0, 0, (Shift(0, 1650, max_overtime=allowed),))
        plan = planned(grid_problem(LINE, (tech,), (job,)))
        assert (plan.figures.served == 1) is served
        if served:
            assert plan.figures.overtime == 150


def test_overtime_finishes_a_visit_and_starts_none() -> None:
    """Shift 0-600 with an hour of overtime: the first job (100 m out, 450 s) ends at 550, so the
    technician can still leave for the second; with a 550 s first job it would leave at 650, after
    the shift, and only one job is served although the overtime would cover both."""
    tech = Technician("A", 0, 0, (Shift(0, 600, max_overtime=3600),))
    for first, served in ((450, 2), (550, 1)):
        jobs = (Job("first", 1, first, windows=(Window(0, 100),)), Job("second", 2, 50))
        problem = grid_problem(LINE, (tech,), jobs)
        plan = planned(problem)
        assert check(problem, plan) == [] and plan.figures.served == served


def test_multi_day_shifts_each_get_a_route() -> None:
    """Two one-job shifts: each day's job is served in its own shift."""
    tech = Technician("A", 0, 0, (Shift(0, 1000), Shift(10_000, 11_000)))
    jobs = (Job("d1", 1, 100, windows=(Window(0, 900),)), Job("d2", 2, 100, windows=(Window(10_000, 10_800),)))
    plan = planned(grid_problem(LINE, (tech,), jobs))
    assert [s.job for s in plan.route_of("A", 0).stops] == ["d1"]  # type: ignore[union-attr]
    assert [s.job for s in plan.route_of("A", 1).stops] == ["d2"]  # type: ignore[union-attr]


def test_pins_hold(small_day: DispatchProblem) -> None:
    """Pinned technician, position and start (a visit under way) are all respected."""
    techs = tuple(dataclasses.replace(t, skills=frozenset({"ac:repair", "tv:repair"})) for t in small_day.technicians)
    jobs = (
        dataclasses.replace(small_day.jobs[0], pin_technician="B", pin_position=1),
        small_day.jobs[1],
        dataclasses.replace(small_day.jobs[2], pin_technician="B", pin_position=0, pin_start=400),
        small_day.jobs[3],
    )
    plan = planned(small_day.replace(technicians=techs, jobs=jobs))
    stops = plan.route_of("B").stops  # type: ignore[union-attr]
    assert [s.job for s in stops[:2]] == ["j3", "j1"]
    assert stops[0].start == 400


def test_max_visits(small_day: DispatchProblem) -> None:
    """A technician limited to one visit leaves its second AC job unassigned."""
    techs = (dataclasses.replace(small_day.technicians[0], max_visits=1), small_day.technicians[1])
    plan = planned(small_day.replace(technicians=techs))
    assert len(plan.route_of("A").stops) == 1  # type: ignore[union-attr]
    assert [u.reason for u in plan.unassigned] == [Reason.NO_CAPACITY]


def test_parts_on_board_limit_the_route() -> None:
    """With two capacitors on board, only two of three capacitor jobs are served."""
    tech = Technician("A", 0, 0, (Shift(0, 5000),), parts=MappingProxyType({"cap": 2}))
    jobs = tuple(Job(f"j{i}", i, 10, parts=MappingProxyType({"cap": 1})) for i in (1, 2, 3))
    plan = planned(grid_problem(LINE, (tech,), jobs))
    assert plan.figures.served == 2 and plan.unassigned[0].reason == Reason.NO_CAPACITY


def test_same_input_same_plan(small_day: DispatchProblem) -> None:
    """With a solution limit the solve is repeatable: equal routes twice."""
    params = SolveParams(time_limit_s=30, solution_limit=50)
    assert solve(small_day, params).routes == solve(small_day, params).routes


def test_warm_start_keeps_a_good_plan(small_day: DispatchProblem) -> None:
    """Seeded with the previous plan and one extra solution, the plan is the same."""
    first = planned(small_day)
    again = planned(small_day, SolveParams(time_limit_s=5, solution_limit=1), warm_start=first)
    assert again.assignment() == first.assignment()


def _warm(routes: dict[str, list[str]]) -> Plan:
    """A previous plan with these routes (times are not read by a warm start)."""
    return Plan(
        tuple(Route(t, 0, 0, tuple(Stop(j, 0, 0, 0) for j in jobs), 0) for t, jobs in routes.items()),
        (),
        Figures(0, 0, 0, 0, 0, 0, 0),
        0,
        Status.OPTIMAL_OR_FEASIBLE,
        0.0,
    )


def test_warm_start_leaves_out_what_a_vehicle_may_no_longer_serve() -> None:
    """The previous plan had B on j1 then j2; j2 now needs a skill only A has. The warm start keeps
    j1 with B (a cold start gives it to A, who is nearer) rather than being dropped as a whole."""
    techs = (
        Technician("A", 1, 1, (Shift(0, 2000),), frozenset({"ac", "tv"})),
        Technician("B", 0, 0, (Shift(0, 2000),), frozenset({"ac"})),
    )
    problem = grid_problem(LINE, techs, (Job("j1", 2, 10, "ac"), Job("j2", 3, 10, "tv")))
    once = SolveParams(time_limit_s=5, solution_limit=1)
    assert planned(problem, once).assignment()["j1"] == "A"
    assert planned(problem, once, warm_start=_warm({"B": ["j1", "j2"]})).assignment()["j1"] == "B"


def test_a_warm_route_that_no_longer_fits_keeps_what_still_does() -> None:
    """The previous plan had B on j1 then the appointment j2, whose window now closes before B could
    get there after j1 (OR-Tools then refuses the whole warm start). The warm start keeps j1 with B
    anyway; a cold start gives j1 to A, who is nearer, and j2 too."""
    techs = (Technician("A", 1, 1, (Shift(0, 2000),)), Technician("B", 0, 0, (Shift(0, 2000),)))
    problem = grid_problem(LINE, techs, (Job("j1", 2, 10), Job("j2", 5, 10, windows=(Window(0, 350),))))
    once = SolveParams(time_limit_s=5, solution_limit=1)
    assert planned(problem, once).assignment() == {"j1": "A", "j2": "A"}
    assert planned(problem, once, warm_start=_warm({"B": ["j1", "j2"]})).assignment()["j1"] == "B"


def _same_slot_problem(technicians: tuple[Technician, ...]) -> DispatchProblem:
    """Two jobs 100 m apart with the same 250-300 s window: one technician can reach only one of them."""
    jobs = (Job("a", 1, 50, windows=(Window(250, 300),)), Job("b", 2, 50, windows=(Window(250, 300),)))
    return grid_problem(LINE, technicians, jobs)


def test_a_job_left_out_of_a_warm_start_goes_to_an_idle_technician() -> None:
    """Warm-started from a plan made before "b" was known, with one solution allowed (no search),
    the plan still serves "b": it is fitted into the idle technician's route."""
    techs = tuple(Technician(t, 0, 0, (Shift(0, 2000, Break(60, 500, 900, 1.5)),)) for t in "AB")
    once = SolveParams(time_limit_s=1, solution_limit=1)
    plan = planned(_same_slot_problem(techs), once, warm_start=_warm({"A": ["a"]}))
    assert plan.assignment() == {"a": "A", "b": "B"}


def test_a_job_that_fits_nowhere_stays_out() -> None:
    """With one technician only one of the two same-slot jobs fits; the other comes back unassigned."""
    techs = (Technician("A", 0, 0, (Shift(0, 2000),)),)
    once = SolveParams(time_limit_s=1, solution_limit=1)
    plan = planned(_same_slot_problem(techs), once, warm_start=_warm({"A": ["a"]}))
    assert plan.assignment() == {"a": "A"}
    assert [(u.job, u.reason) for u in plan.unassigned] == [("b", Reason.NO_CAPACITY)]


def test_moving_a_dispatched_job_costs() -> None:
    """Two interchangeable technicians; the job dispatched to B stays with B though A is nearer."""
    techs = (Technician("A", 1, 1, (Shift(0, 2000),)), Technician("B", 0, 0, (Shift(0, 2000),)))
    job = Job("j", 2, 10, dispatched_to="B")
    plan = planned(grid_problem(LINE, techs, (job,)))
    assert plan.assignment() == {"j": "B"}
    free = planned(grid_problem(LINE, techs, (dataclasses.replace(job, dispatched_to=None),)))
    assert free.assignment() == {"j": "A"}


def test_route_time_objective_prefers_short_days() -> None:
    """With a cost per route minute the plan's working time is what the route needs, not the whole shift."""
    tech = Technician("A", 0, 0, (Shift(0, 5000),))
    problem = grid_problem(
        LINE, (tech,), (Job("j", 2, 100, windows=(Window(1000, 1100),)),), weights=Weights(route_time=1)
    )
    plan = planned(problem)
    assert plan.figures.working_time == 200 + 100 + 200


def test_restocking_gives_tools_and_parts() -> None:
    """Without the drill and with one capacitor, the technician restocks once and serves all three jobs."""
    tech = Technician("A", 0, 0, (Shift(0, 5000),), parts=MappingProxyType({"cap": 1}), restock_location=5)
    jobs = (
        Job("drill", 2, 10, tools=frozenset({"drill"})),
        Job("cap1", 1, 10, parts=MappingProxyType({"cap": 1})),
        Job("cap2", 3, 10, parts=MappingProxyType({"cap": 1})),
    )
    plan = planned(grid_problem(LINE, (tech,), jobs))
    route = plan.route_of("A")
    assert route is not None and plan.figures.served == 3
    assert route.restock_after is not None
    order = [s.job for s in route.stops]
    assert order.index("drill") > route.restock_after  # the drill comes from the restock


def test_lateness_bounds_merge_what_cannot_change_the_choice() -> None:
    """Deadlines past the horizon vanish, two already past merge into one slope, else two bounds."""
    weights = Weights(target_late=50, promise_late=500)
    job = Job("j", 1, 10, target=100, promise=1000)
    assert lateness_bounds(job, weights, earliest=0, horizon=2000) == [(1000, 500), (100, 50)]
    assert lateness_bounds(job, weights, earliest=0, horizon=900) == [(100, 50)]
    assert lateness_bounds(job, weights, earliest=1000, horizon=2000) == [(1000, 550)]
    assert lateness_bounds(dataclasses.replace(job, priority=2.0), weights, 0, 500) == [(100, 100)]


def test_large_problems_are_solved_relaxed_then_timed_with_their_breaks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past RELAX_FROM_JOBS the search runs without breaks; every route still comes back with its
    break placed, the plan passes the checker, and each job is routed or unassigned."""
    monkeypatch.setattr(routing, "RELAX_FROM_JOBS", 3)
    techs = tuple(Technician(t, 0, 0, (Shift(0, 3000, Break(300, 600, 900)),)) for t in ("A", "B"))
    jobs = tuple(Job(f"j{i}", 1 + i % 4, 150, target=200 * i, promise=2500) for i in range(8))
    problem = grid_problem(LINE, techs, jobs)
    plan = solve(problem, SolveParams(time_limit_s=1))
    assert check(problem, plan) == []
    assert plan.figures.served + len(plan.unassigned) == 8 and plan.figures.served >= 6
    assert all(len(r.breaks) == 1 for r in plan.routes if r.stops)


def test_a_search_that_finds_nothing_falls_back_to_the_model_without_breaks(monkeypatch: pytest.MonkeyPatch) -> None:
    """When OR-Tools' first plan serves nothing (its heuristics can fail on guarded breaks), the model
    without breaks is solved and timed with the real breaks: jobs are served, every rule kept."""
    searches: list[bool] = []  # whether each search's model had breaks
    real_run = routing._RoutingModel.run

    def first_search_stalls(self: routing._RoutingModel, *args: Any) -> Any:
        with_breaks = any(s.pause is not None for t in self.problem.technicians for s in t.shifts)
        searches.append(with_breaks)
        return None if len(searches) == 1 else real_run(self, *args)

    monkeypatch.setattr(routing._RoutingModel, "run", first_search_stalls)
    techs = tuple(Technician(t, 0, 0, (Shift(0, 3000, Break(300, 600, 900)),)) for t in ("A", "B"))
    jobs = tuple(Job(f"j{i}", 1 + i % 4, 150, promise=2500) for i in range(6))
    problem = grid_problem(LINE, techs, jobs)
    plan = solve(problem, SolveParams(time_limit_s=1))
    assert searches == [True, False]
    assert check(problem, plan) == [] and plan.figures.served >= 4
    assert all(len(r.breaks) == 1 for r in plan.routes if r.stops)


def test_progress_callback_sees_the_plans_and_the_best_is_returned(small_day: DispatchProblem) -> None:
    seen: list[int] = []
    plan = solve(small_day, SolveParams(time_limit_s=1, solution_limit=50), on_solution=seen.append)
    assert seen and min(seen) == plan.objective
