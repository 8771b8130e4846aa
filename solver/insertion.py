"""Fitting the jobs a search left out into the routes it found, each at its cheapest feasible place.

OR-Tools places each technician's break by a search of its own inside every local-search move: on a
re-plan of a morning (92 jobs, 28 technicians, breaks still ahead) a 2 s search tried 34 moves, and
a job left out by the first plan, or new since the plan it was warm-started from, stayed out while
technicians skilled for it stood idle. This pass times each candidate route with the plan's own
rules (`solver.schedule.timed`), so what it adds is as feasible as what OR-Tools returned.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from solver.prechecks import Candidate
from solver.problem import DispatchProblem, Job
from solver.schedule import route_legs, timed


@dataclass
class _Route:
    """One vehicle's jobs (problem job indices) in order, and what they cost."""

    technician: int
    shift: int
    jobs: list[int]
    cost: int
    frozen_prefix: int  # stops that must stay first (pinned positions, a visit under way)


def fill_in(
    problem: DispatchProblem,
    orders: dict[tuple[int, int], list[int]],
    left_out: list[int],
    candidates: dict[int, list[Candidate]],
    bounds: Sequence[Sequence[tuple[int, int]]],
    deadline: float,
) -> tuple[dict[tuple[int, int], list[int]], list[int]]:
    """Insert left-out jobs (problem indices), the most at stake first, where they add least cost.

    `orders`: (technician, shift) -> job indices of each route that may take more jobs (routes with
    a restocking stop are left out by the caller); `bounds`: each job's lateness prices as the model
    sets them (`solver.routing.lateness_bounds`). Stops when `deadline` (perf_counter) passes.
    Returns the new orders and the jobs still left out."""
    price = _Pricer(problem, bounds)
    routes = {
        key: _Route(key[0], key[1], list(jobs), price(key[0], key[1], jobs) or 0, _frozen(problem, jobs))
        for key, jobs in orders.items()
    }
    still_out = []
    for j in sorted(left_out, key=lambda j: -problem.weights.drop_cost(problem.jobs[j])):
        job = problem.jobs[j]
        if time.perf_counter() > deadline or job.parts or job.tools or _is_pinned(job):
            still_out.append(j)
            continue
        able = [routes[key] for c in candidates.get(j, []) if (key := (c.technician, c.shift)) in routes]
        best = _cheapest_place(problem, price, j, able)
        if best is None or best[0] >= problem.weights.drop_cost(job):
            still_out.append(j)
            continue
        _, route, position, cost = best
        route.jobs.insert(position, j)
        route.cost = cost
    return {key: route.jobs for key, route in routes.items()}, still_out


def _cheapest_place(
    problem: DispatchProblem, price: _Pricer, j: int, routes: list[_Route]
) -> tuple[int, _Route, int, int] | None:
    """(added cost, route, position, new route cost) of the cheapest feasible insertion, if any."""
    best: tuple[int, _Route, int, int] | None = None
    job = problem.jobs[j]
    for route in routes:
        tech = problem.technicians[route.technician]
        if tech.max_visits is not None and len(route.jobs) >= tech.max_visits:
            continue
        move = problem.weights.move if job.dispatched_to not in (None, tech.id) else 0
        for position in range(route.frozen_prefix, len(route.jobs) + 1):
            trial = [*route.jobs[:position], j, *route.jobs[position:]]
            cost = price(route.technician, route.shift, trial)
            if cost is not None and (best is None or cost - route.cost + move < best[0]):
                best = (cost - route.cost + move, route, position, cost)
    return best


def _frozen(problem: DispatchProblem, jobs: list[int]) -> int:
    pinned = [i for i, j in enumerate(jobs) if _is_pinned(problem.jobs[j])]
    return max(pinned) + 1 if pinned else 0


def _is_pinned(job: Job) -> bool:
    return job.pin_position is not None or job.pin_start is not None


class _Pricer:
    """The objective's share of one route (driving, route time, overtime, lateness); None if it
    breaks a rule."""

    def __init__(self, problem: DispatchProblem, bounds: Sequence[Sequence[tuple[int, int]]]) -> None:
        self.problem = problem
        self.bounds = bounds

    def __call__(self, t: int, k: int, jobs: list[int]) -> int | None:
        if not jobs:
            return 0
        problem, tech = self.problem, self.problem.technicians[t]
        legs, distance = route_legs(problem, tech, jobs, None)
        timing = timed(problem, tech, k, jobs, None, None, None, legs)
        if timing is None:
            return None
        depart, stops, back, _ = timing
        weights = problem.weights
        late = sum(
            cost * max(0, stop.start - bound)
            for stop, j in zip(stops, jobs, strict=True)
            for bound, cost in self.bounds[j]
        )
        overtime = weights.overtime * max(0, back - tech.shifts[k].end)
        return weights.distance * distance + weights.route_time * (back - depart) + overtime + late
