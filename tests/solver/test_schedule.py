"""Timing a dispatcher's order: feasible orders pass the checker; broken ones are timed, not dropped."""

from __future__ import annotations

from solver import Break, DispatchProblem, Job, Shift, Technician, Window, check, time_routes
from tests.solver.conftest import LINE, grid_problem


def test_a_good_order_passes_the_checker(small_day: DispatchProblem) -> None:
    plan = time_routes(small_day, {"A": ["j1", "j2"], "B": ["j3", "j4"]})
    assert check(small_day, plan) == [] and plan.figures.served == 4
    assert [s.arrival for s in plan.route_of("A").stops] == [100, 250]  # type: ignore[union-attr]


def test_a_missed_window_is_timed_late_and_reported() -> None:
    """j2's window closes at 150; served after j1 it starts at 250: kept in the route, flagged."""
    tech = Technician("A", 0, 0, (Shift(0, 2000),))
    jobs = (Job("j1", 1, 50), Job("j2", 2, 50, windows=(Window(0, 150),)))
    problem = grid_problem(LINE, (tech,), jobs)
    plan = time_routes(problem, {"A": ["j1", "j2"]})
    assert [s.job for s in plan.route_of("A").stops] == ["j1", "j2"]  # type: ignore[union-attr]
    assert [v.kind for v in check(problem, plan)] == ["window"]


def test_over_the_shift_and_skill_are_reported_and_left_jobs_unassigned(small_day: DispatchProblem) -> None:
    """B's shift ends at 500: a long route returns late; j1 needs A's skill; j2 is in no route."""
    late = small_day.replace(
        technicians=(
            small_day.technicians[0],
            Technician("B", 0, 0, (Shift(0, 500, Break(100, 0, 1000)),), frozenset({"tv:repair"})),
        )
    )
    plan = time_routes(late, {"B": ["j3", "j4", "j1"]})
    kinds = sorted(v.kind for v in check(late, plan))
    assert kinds == ["shift", "skill"]
    assert [u.job for u in plan.unassigned] == ["j2"]


def test_a_break_later_in_the_day_does_not_hold_up_the_morning() -> None:
    """The break may start in [1000, 1200]; jobs at 100 m and 200 m are served at once (arrivals 100
    and 250), the break follows the second one, not before the first (which would start at 1060)."""
    tech = Technician("A", 0, 0, (Shift(0, 3000, Break(60, 1000, 1200)),))
    problem = grid_problem(LINE, (tech,), (Job("j1", 1, 50), Job("j2", 2, 50)))
    plan = time_routes(problem, {"A": ["j1", "j2"]})
    route = plan.route_of("A")
    assert check(problem, plan) == []
    assert [s.start for s in route.stops] == [100, 250]  # type: ignore[union-attr]
    assert [b.start for b in route.breaks] == [1000]  # type: ignore[union-attr]
