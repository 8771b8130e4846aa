"""The checker catches each kind of broken plan (plans are corrupted on purpose)."""

from __future__ import annotations

import dataclasses

import pytest

from solver import (
    Break,
    BreakTaken,
    DispatchProblem,
    Plan,
    Shift,
    SolveParams,
    Stop,
    Unassigned,
    Window,
    check,
    solve,
)
from solver.plan import Reason

FAST = SolveParams(time_limit_s=2, solution_limit=100)


@pytest.fixture
def solved(small_day: DispatchProblem) -> tuple[DispatchProblem, Plan]:
    """The small day and a valid plan of it."""
    plan = solve(small_day, FAST)
    assert check(small_day, plan) == []
    return small_day, plan


def _with_route(plan: Plan, technician: str, **changes: object) -> Plan:
    routes = tuple(dataclasses.replace(r, **changes) if r.technician == technician else r for r in plan.routes)
    return dataclasses.replace(plan, routes=routes)


def _stops(plan: Plan, technician: str) -> list[Stop]:
    route = plan.route_of(technician)
    assert route is not None
    return list(route.stops)


def kinds(problem: DispatchProblem, plan: Plan) -> set[str]:
    """The kinds of violation found."""
    return {v.kind for v in check(problem, plan)}


def test_arrival_that_does_not_match_the_matrix(solved: tuple[DispatchProblem, Plan]) -> None:
    """An arrival 5 s earlier than the drive allows is caught."""
    problem, plan = solved
    stops = _stops(plan, "A")
    stops[1] = dataclasses.replace(stops[1], arrival=stops[1].arrival - 5)
    assert "arrival" in kinds(problem, _with_route(plan, "A", stops=tuple(stops)))


def test_job_given_to_the_wrong_technician(solved: tuple[DispatchProblem, Plan]) -> None:
    """A TV job in the AC technician's route breaks the skill rule (and the figures still add up)."""
    problem, plan = solved
    b_stops = _stops(plan, "B")
    a_route = plan.route_of("A")
    assert a_route is not None
    moved = (*a_route.stops, b_stops[0])
    broken = _with_route(_with_route(plan, "B", stops=tuple(b_stops[1:])), "A", stops=moved)
    assert "skill" in kinds(problem, broken)


def test_job_twice_and_job_missing(solved: tuple[DispatchProblem, Plan]) -> None:
    """Serving j1 twice and dropping j2 from everything are both caught."""
    problem, plan = solved
    stops = _stops(plan, "A")
    found = kinds(problem, _with_route(plan, "A", stops=(stops[0], stops[0])))
    assert {"once", "coverage"} <= found


def test_unassigned_and_routed(solved: tuple[DispatchProblem, Plan]) -> None:
    """A job both in a route and in the unassigned list is caught."""
    problem, plan = solved
    broken = dataclasses.replace(plan, unassigned=(Unassigned("j1", Reason.NO_CAPACITY),))
    assert "once" in kinds(problem, broken)


def test_window_and_service_length(solved: tuple[DispatchProblem, Plan]) -> None:
    """A service starting outside the window, or ending too soon, is caught."""
    problem, plan = solved
    windowed = problem.replace(
        jobs=tuple(dataclasses.replace(j, windows=(Window(0, 10),)) if j.id == "j1" else j for j in problem.jobs)
    )
    assert "window" in kinds(windowed, plan)
    stops = _stops(plan, "A")
    stops[0] = dataclasses.replace(stops[0], end=stops[0].end - 1)
    assert "service" in kinds(problem, _with_route(plan, "A", stops=tuple(stops)))


def test_back_after_shift_end(solved: tuple[DispatchProblem, Plan]) -> None:
    """Shrinking the shift below the route's return is caught."""
    problem, plan = solved
    route = plan.route_of("A")
    assert route is not None
    short = dataclasses.replace(problem.technicians[0], shifts=(Shift(0, route.back - 1),))
    assert "shift" in kinds(problem.replace(technicians=(short, problem.technicians[1])), plan)


def test_leaving_for_a_visit_after_shift_end(solved: tuple[DispatchProblem, Plan]) -> None:
    """Ending the shift just before A leaves its first stop, with overtime enough to get back: the
    second visit starts after the shift, which no overtime allows."""
    problem, plan = solved
    route = plan.route_of("A")
    assert route is not None and len(route.stops) == 2
    leaves = route.stops[0].end
    short = dataclasses.replace(problem.technicians[0], shifts=(Shift(0, leaves - 1, max_overtime=10_000),))
    found = check(problem.replace(technicians=(short, problem.technicians[1])), plan)
    assert [v.subject for v in found if v.kind == "shift"] == [route.stops[1].job]


def test_break_rules(solved: tuple[DispatchProblem, Plan]) -> None:
    """A missing break, a break outside its window and a break in the middle of a drive are caught."""
    problem, plan = solved
    with_break = dataclasses.replace(problem.technicians[0], shifts=(Shift(0, 2000, Break(30, 0, 2000)),))
    needs_break = problem.replace(technicians=(with_break, problem.technicians[1]))
    assert "break" in kinds(needs_break, plan)
    late_window = dataclasses.replace(with_break, shifts=(Shift(0, 2000, Break(30, 1500, 1600)),))
    route = plan.route_of("A")
    assert route is not None
    early = _with_route(plan, "A", breaks=(BreakTaken(route.stops[0].end, route.stops[0].end + 30, 0),))
    assert "break" in kinds(problem.replace(technicians=(late_window, problem.technicians[1])), early)


def test_figures_must_match(solved: tuple[DispatchProblem, Plan]) -> None:
    """A plan that claims more on-target visits than it has is caught."""
    problem, plan = solved
    inflated = dataclasses.replace(plan, figures=dataclasses.replace(plan.figures, distance=plan.figures.distance - 1))
    assert kinds(problem, inflated) == {"figures"}


def test_pins_are_checked(solved: tuple[DispatchProblem, Plan]) -> None:
    """A plan ignoring a pin (to another technician) is caught."""
    problem, plan = solved
    pinned = problem.replace(
        jobs=tuple(dataclasses.replace(j, pin_technician="B") if j.id == "j1" else j for j in problem.jobs)
    )
    assert "pin" in kinds(pinned, plan)
