"""The PyVRP stage: its seed passes the checker alone and through OR-Tools; what it cannot express falls back."""

from __future__ import annotations

import dataclasses
from types import MappingProxyType

from solver import Break, DispatchProblem, Job, Shift, SolveParams, Technician, Window, check, solve
from solver.seeding import RESTOCK, can_seed, seed_routes
from tests.solver.conftest import LINE, grid_problem


def test_seed_respects_skills(small_day: DispatchProblem) -> None:
    """Skills are PyVRP load gates: AC jobs seed into A's vehicle, TV jobs into B's."""
    routes = seed_routes(small_day, [0, 1, 2, 3], [(0, 0), (1, 0)], time_limit_s=0.3)
    assert routes is not None
    assert sorted(routes[0]) == [0, 1] and sorted(routes[1]) == [2, 3]


def test_pyvrp_alone_and_seeded_plans_pass_the_checker(small_day: DispatchProblem) -> None:
    """seed_share 1 (PyVRP's routes, timed by our rules) and 0.5 (seeding OR-Tools) both give valid, full plans."""
    for share in (1.0, 0.5):
        plan = solve(small_day, SolveParams(time_limit_s=1, seed_share=share))
        assert check(small_day, plan) == [] and plan.figures.served == 4


def test_breaks_and_deadlines_are_left_to_or_tools() -> None:
    """A shift with a break and jobs with deadlines: seeded, the final plan still has its break in place."""
    tech = Technician("A", 0, 0, (Shift(0, 4000, Break(60, 200, 400)),))
    jobs = tuple(Job(f"j{i}", i, 100, target=600 * i, promise=3000) for i in range(1, 5))
    problem = grid_problem(LINE, (tech,), jobs)
    plan = solve(problem, SolveParams(time_limit_s=1, seed_share=0.5))
    assert check(problem, plan) == [] and len(plan.route_of("A").breaks) == 1  # type: ignore[union-attr]


def test_what_pyvrp_cannot_express_is_not_seeded(small_day: DispatchProblem) -> None:
    """Pins and several windows per job: no seed, and the solve still succeeds with OR-Tools alone."""
    pinned = small_day.replace(jobs=(dataclasses.replace(small_day.jobs[0], pin_technician="A"), *small_day.jobs[1:]))
    two_windows = small_day.replace(
        jobs=(dataclasses.replace(small_day.jobs[0], windows=(Window(0, 100), Window(500, 900))), *small_day.jobs[1:])
    )
    for problem in (pinned, two_windows):
        assert not can_seed(problem, [0, 1, 2, 3])
        assert seed_routes(problem, [0, 1, 2, 3], [(0, 0), (1, 0)], 0.2) is None
        plan = solve(problem, SolveParams(time_limit_s=1, seed_share=0.5))
        assert check(problem, plan) == [] and plan.figures.served == 4


def test_seed_restocks_before_a_missing_tool_and_between_parts() -> None:
    """A technician without tool "t" and with one part "p": the tool job and the second part job
    come after its single restock (PyVRP initial load dropped at the reload)."""
    tech = Technician(
        "A", 0, 0, (Shift(0, 10_000),), tools=frozenset(), parts=MappingProxyType({"p": 1}), restock_location=5
    )
    jobs = (
        Job("tool", 1, 10, tools=frozenset({"t"})),
        Job("part1", 2, 10, parts=MappingProxyType({"p": 1})),
        Job("part2", 3, 10, parts=MappingProxyType({"p": 1})),
    )
    problem = grid_problem(LINE, (tech,), jobs)
    routes = seed_routes(problem, [0, 1, 2], [(0, 0)], time_limit_s=0.3)
    assert routes is not None and routes[0].count(RESTOCK) == 1
    after = routes[0][routes[0].index(RESTOCK) + 1 :]
    assert 0 in after and sum(1 for j in routes[0] if j in (1, 2) and j not in after) <= 1
    plan = solve(problem, SolveParams(time_limit_s=1, seed_share=0.5))
    assert check(problem, plan) == [] and plan.figures.served == 3


def test_the_seed_keeps_the_job_with_more_at_stake() -> None:
    """Only one of two jobs fits the shift: PyVRP's prize carries the drop share, so its seed keeps the
    farther job that stakes its whole drop cost, and with equal stakes the nearer, cheaper one."""
    tech = Technician("A", 0, 0, (Shift(0, 2000),))
    jobs = (
        Job("near, can wait", 1, 10, windows=(Window(0, 300),), drop_share=0.05),
        Job("far, due now", 5, 10, windows=(Window(0, 300),)),
    )
    routes = seed_routes(grid_problem(LINE, (tech,), jobs), [0, 1], [(0, 0)], time_limit_s=0.3)
    assert routes == {0: [1]}
    equal = grid_problem(LINE, (tech,), (dataclasses.replace(jobs[0], drop_share=1.0), jobs[1]))
    assert seed_routes(equal, [0, 1], [(0, 0)], time_limit_s=0.3) == {0: [0]}
