"""Timing a route in a given order: the forward schedule every plan is reported with, by the
checker's rules (windows, the break on the drive or while waiting, the shift's end)."""

from __future__ import annotations

import itertools
import time
from collections.abc import Mapping, Sequence

from solver.plan import BreakTaken, Figures, Plan, Reason, Route, Status, Stop, Unassigned
from solver.problem import Break, DispatchProblem, Job, Shift, Technician


def route_legs(
    problem: DispatchProblem, tech: Technician, jobs: list[int], restock_after: int | None
) -> tuple[list[int], int]:
    """Travel time of each leg of the route (via the restock place after job `restock_after`) and its distance."""
    places = [tech.start_location] + [problem.jobs[j].location for j in jobs] + [tech.end_location]
    durations, distances = problem.duration_rows, problem.distance_rows
    legs, distance = [], 0
    for gap, (a, b) in enumerate(itertools.pairwise(places)):
        if restock_after is not None and gap == restock_after + 1:  # via the restock place
            via = tech.restock_location
            if via is None:
                raise ValueError(f"technician {tech.id} restocks but has no restock location")
            legs.append(durations[a][via] + durations[via][b])
            distance += distances[a][via] + distances[via][b]
        else:
            legs.append(durations[a][b])
            distance += distances[a][b]
    return legs, distance


def timed(
    problem: DispatchProblem,
    tech: Technician,
    shift_index: int,
    jobs: list[int],
    starts: list[int] | None,
    break_start: int | None,
    restock_after: int | None,
    legs: list[int] | None = None,
) -> tuple[int, tuple[Stop, ...], int, tuple[BreakTaken, ...]] | None:
    """The forward schedule of a route, trying break positions near `break_start` first; None if none fits.
    `legs`: the route's `route_legs`, when the caller has them already.

    Without a `break_start` the break is tried first where the route reaches the break's earliest
    start: the first fitting placement is taken, and one at the start of a morning route would keep
    the technician waiting at its first stop until after the break."""
    shift = tech.shifts[shift_index]
    pause = shift.pause if shift.pause is not None and shift.pause.duration > 0 else None
    if legs is None:
        legs, _ = route_legs(problem, tech, jobs, restock_after)
    route_jobs = [problem.jobs[j] for j in jobs]
    if pause is not None:
        # A break only delays what follows it: a route that fails without one fails with every
        # placement, and trying them all costs a dozen simulations.
        unbroken = _simulate(route_jobs, legs, shift, None, None)
        if unbroken is None:
            return None
        if break_start is None and starts is None:
            starts, break_start = [stop.start for stop in unbroken[1]], pause.earliest
    for placement in _break_options(pause, break_start, starts, legs, shift):
        simulated = _simulate(route_jobs, legs, shift, pause, placement)
        if simulated is not None:
            return simulated
    return None


def schedule(
    problem: DispatchProblem,
    tech: Technician,
    shift_index: int,
    jobs: list[int],
    starts: list[int] | None,
    break_start: int | None,
    restock_after: int | None = None,
    lenient: bool = False,
) -> Route:
    """Times of one route in the order OR-Tools chose.

    The route is simulated forward, each service as early as its window allows, trying break
    positions near OR-Tools' choice first (OR-Tools' own placement is always among the feasible).
    `lenient`: a route that cannot keep every rule (a dispatcher's order) is still timed, late or
    over its shift where it must be, with the break where the route gets back earliest.
    """
    shift = tech.shifts[shift_index]
    legs, distance = route_legs(problem, tech, jobs, restock_after)
    simulated = timed(problem, tech, shift_index, jobs, starts, break_start, restock_after, legs)
    if simulated is None and lenient:
        simulated = _lenient(problem, tech, shift_index, jobs, legs)
    if simulated is None:
        # No placement fits (OR-Tools' own always does; a foreign seed may not): time the route
        # without its break and let the checker say so.
        route_jobs = [problem.jobs[j] for j in jobs]
        simulated = _simulate(route_jobs, legs, shift, None, None) or (shift.start, (), shift.start, ())
        simulated = (*simulated[:3], ())
    depart, stops, back, breaks = simulated
    return Route(tech.id, shift_index, depart, stops, back, breaks, restock_after, distance)


def _lenient(
    problem: DispatchProblem, tech: Technician, shift_index: int, jobs: list[int], legs: list[int]
) -> tuple[int, tuple[Stop, ...], int, tuple[BreakTaken, ...]] | None:
    shift = tech.shifts[shift_index]
    pause = shift.pause if shift.pause is not None and shift.pause.duration > 0 else None
    route_jobs = [problem.jobs[j] for j in jobs]
    options = _break_options(pause, None, None, legs, shift)
    timings = [t for p in options if (t := _simulate(route_jobs, legs, shift, pause, p, lenient=True)) is not None]
    return min(timings, key=lambda t: t[2], default=None)


def time_routes(problem: DispatchProblem, orders: Mapping[str, Sequence[str]]) -> Plan:
    """Time routes given as technician id -> job ids in order (its first shift), as a dispatcher left
    them. Nothing is dropped: a route that breaks a rule is timed anyway for `check` to report it;
    jobs in no route come back unassigned (no capacity)."""
    began = time.perf_counter()
    index = {job.id: j for j, job in enumerate(problem.jobs)}
    routes = tuple(
        schedule(problem, problem.technician(tech_id), 0, [index[j] for j in job_ids], None, None, lenient=True)
        for tech_id, job_ids in orders.items()
        if job_ids
    )
    routed = {j for job_ids in orders.values() for j in job_ids}
    unassigned = [Unassigned(job.id, Reason.NO_CAPACITY) for job in problem.jobs if job.id not in routed]
    return make_plan(problem, routes, unassigned, 0, Status.OPTIMAL_OR_FEASIBLE, began)


def _break_options(
    pause: Break | None, chosen: int | None, starts: list[int] | None, legs: list[int], shift: Shift
) -> list[tuple[int, int] | None]:
    """(gap, earliest start) pairs to try: the gap holding OR-Tools' break first, then the others."""
    if pause is None:
        return [None]
    gaps = list(range(len(legs)))
    if chosen is not None and starts is not None:
        holding = sum(1 for s in starts if s <= chosen)  # breaks before the first later service
        gaps.sort(key=lambda g: abs(g - holding))
    options: list[tuple[int, int] | None] = []
    for g in gaps:
        options += [(g, pause.earliest), (g, chosen if chosen is not None else pause.earliest), (g, pause.latest)]
    return options


def _simulate(
    jobs: list[Job],
    legs: list[int],
    shift: Shift,
    pause: Break | None,
    placement: tuple[int, int] | None,
    lenient: bool = False,
) -> tuple[int, tuple[Stop, ...], int, tuple[BreakTaken, ...]] | None:
    """Forward schedule with the break in gap `placement[0]`, starting no earlier than `placement[1]`.

    The checker's rule: a break starting before the drive could end (at the stop being left, or a
    pause on the way) delays the arrival by its length; a later one is taken at the next stop,
    while waiting, and ends before the service starts. After a service the break waits for its guard
    (`Break.guard`). It leaves for a visit only during its shift. `lenient`: a missed window, a late
    break, a departure after the shift's end or a late return does not stop the schedule.
    """
    gap, not_before = placement if placement is not None else (-1, 0)
    first_start = _earliest_start(jobs[0], shift.start + legs[0], lenient)
    if first_start is None:
        return None
    depart = shift.start if gap == 0 else max(shift.start, min(shift.end, first_start - legs[0]))
    ready = guarded = depart  # guarded: the break's earliest start after the last service (its guard)
    stops: list[Stop] = []
    breaks: list[BreakTaken] = []
    for i, leg in enumerate(legs):
        arrival, pause_end = ready + leg, None
        if i == gap and pause is not None:
            b = max(pause.earliest, guarded, not_before)
            if b > pause.latest and not lenient:
                return None
            if b < ready + leg:
                arrival += pause.duration  # before or during the drive: it arrives that much later
            else:
                pause_end = b + pause.duration  # while waiting at the next stop
            breaks.append(BreakTaken(b, b + pause.duration, i - 1))
        if i == len(jobs):
            back = arrival
            if back > shift.end + shift.max_overtime and not lenient:  # a break after the return: no bound
                return None
            return depart, tuple(stops), back, tuple(breaks)
        if arrival - leg > shift.end and not lenient:
            return None
        job = jobs[i]
        start = _earliest_start(job, max(arrival, pause_end or arrival), lenient)
        if start is None:
            return None
        stops.append(Stop(job.id, arrival, start, start + job.service))
        ready = start + job.service
        guarded = start + (round(job.service * pause.guard) if pause is not None else job.service)
    return None


def _earliest_start(job: Job, ready: int, lenient: bool = False) -> int | None:
    """The first moment at or after `ready` that a service may start (window, pinned start); when
    `lenient` and none is left, `ready` itself (late)."""
    if job.pin_start is not None:
        return job.pin_start if job.pin_start >= ready else (ready if lenient else None)
    if not job.windows:
        return ready
    windows = job.windows if len(job.windows) == 1 else sorted(job.windows, key=lambda w: w.start)
    for window in windows:
        if ready <= window.end:
            return max(ready, window.start)
    return ready if lenient else None


def make_plan(
    problem: DispatchProblem,
    routes: tuple[Route, ...],
    unassigned: list[Unassigned],
    objective: int,
    status: Status,
    began: float,
) -> Plan:
    jobs = {j.id: j for j in problem.jobs}
    stops = [(s, jobs[s.job]) for r in routes for s in r.stops]
    figures = Figures(
        served=len(stops),
        unassigned=len(unassigned),
        on_target=sum(1 for s, j in stops if j.target is None or s.arrival <= j.target),
        within_promise=sum(1 for s, j in stops if j.promise is None or s.arrival <= j.promise),
        distance=sum(r.distance for r in routes),
        overtime=sum(max(0, r.back - problem.technician(r.technician).shifts[r.shift].end) for r in routes),
        working_time=sum(r.back - r.depart for r in routes),
    )
    order = {j.id: i for i, j in enumerate(problem.jobs)}
    return Plan(
        routes,
        tuple(sorted(unassigned, key=lambda u: order[u.job])),
        figures,
        int(objective),
        status,
        time.perf_counter() - began,
    )
