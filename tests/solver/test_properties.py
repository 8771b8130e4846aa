"""Property-based: on random small problems every plan passes the checker and accounts for every job."""

from __future__ import annotations

from types import MappingProxyType

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver import Break, DispatchProblem, Job, Shift, SolveParams, Technician, Window, check, solve

SKILLS = ["ac:repair", "tv:install", "wm:repair"]


@st.composite
def problems(draw: st.DrawFn) -> DispatchProblem:
    """2-12 points on a 1 km square, 1-3 technicians with shifts (maybe a break), 0-8 jobs."""
    n_points = draw(st.integers(2, 12))
    xy = np.array(
        draw(st.lists(st.tuples(st.integers(0, 1000), st.integers(0, 1000)), min_size=n_points, max_size=n_points)),
        dtype=float,
    )
    metres = np.rint(np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])).astype(np.int64)
    technicians = []
    for i in range(draw(st.integers(1, 3))):
        start = draw(st.integers(0, 500))
        length = draw(st.integers(300, 4000))
        pause = None
        if draw(st.booleans()):
            earliest = draw(st.integers(start, start + length // 2))
            pause = Break(draw(st.integers(10, 120)), earliest, earliest + draw(st.integers(0, 1500)))
        technicians.append(
            Technician(
                f"T{i}",
                draw(st.integers(0, n_points - 1)),
                draw(st.integers(0, n_points - 1)),
                (Shift(start, start + length, pause, draw(st.sampled_from([0, 0, 300]))),),
                frozenset(draw(st.sets(st.sampled_from(SKILLS), max_size=3))),
                parts=MappingProxyType({"cap": draw(st.integers(0, 3))}),
                max_visits=draw(st.one_of(st.none(), st.integers(1, 4))),
            )
        )
    jobs = []
    for j in range(draw(st.integers(0, 8))):
        windows: tuple[Window, ...] = ()
        if draw(st.booleans()):
            w_start = draw(st.integers(0, 3000))
            windows = (Window(w_start, w_start + draw(st.integers(0, 1500))),)
        received = draw(st.integers(0, 1000))
        jobs.append(
            Job(
                f"J{j}",
                draw(st.integers(0, n_points - 1)),
                draw(st.integers(1, 600)),  # a visit takes time: zero-length ones let OR-Tools hide a break
                draw(st.sampled_from(SKILLS)),
                parts=MappingProxyType({"cap": draw(st.integers(0, 1))}),
                windows=windows,
                target=received + 600,
                promise=received + 2400,
                priority=draw(st.sampled_from([1.0, 2.0])),
            )
        )
    return DispatchProblem(metres, metres.copy(), tuple(technicians), tuple(jobs))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(), st.sampled_from([0.0, 0.0, 0.3, 1.0]))
def test_every_plan_passes_the_checker(problem: DispatchProblem, seed_share: float) -> None:
    """No violation, and every job is either routed or unassigned with a reason (OR-Tools alone, seeded by
    PyVRP, or PyVRP alone)."""
    plan = solve(problem, SolveParams(time_limit_s=1, solution_limit=30, seed_share=seed_share))
    assert check(problem, plan) == []
    routed = {s.job for r in plan.routes for s in r.stops}
    left = {u.job for u in plan.unassigned}
    assert routed | left == {j.id for j in problem.jobs} and not routed & left
    assert all(u.reason for u in plan.unassigned)
