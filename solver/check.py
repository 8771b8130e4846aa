"""The independent plan checker: recomputes a plan from the matrices alone, without OR-Tools.

Rules it enforces (the same ones the solver's plans promise):
- every job is routed at most once, or unassigned with a reason, never both, never neither;
- a technician takes only jobs it holds the skill (and tools) for, and never runs out of a part;
  after its restocking visit it has every tool and part;
- a route leaves its start location at `depart`; after each stop the technician drives on at once:
  arrival = end of the previous service + travel, exactly, plus the break's length when the break
  starts before that drive would end (taken at the stop being left, or as a pause on the way);
  a later break is taken at the next stop while waiting and ends before the service starts (after
  the return it needs only to start in its window: the working day is over);
  service starts at or after the arrival, inside a window;
- the break starts within its window; the route is inside its shift (plus allowed overtime), and
  the technician leaves for each visit before the shift's end (overtime only finishes the last one);
- pins (technician, position, start) and maximum visits hold;
- the plan's figures equal the recomputed ones.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from solver.plan import Figures, Plan, Route
from solver.problem import DispatchProblem, Job, Technician


@dataclass(frozen=True)
class Violation:
    """One broken rule: what kind, about whom, and the numbers."""

    kind: str
    subject: str
    message: str

    def __str__(self) -> str:
        return f"{self.kind} [{self.subject}]: {self.message}"


def check(problem: DispatchProblem, plan: Plan) -> list[Violation]:
    """Every rule `plan` breaks for `problem`; an empty list means the plan is valid."""
    found: list[Violation] = []
    jobs = {j.id: j for j in problem.jobs}
    _check_coverage(problem, plan, found)
    seen_routes: set[tuple[str, int]] = set()
    for route in plan.routes:
        try:
            tech = problem.technician(route.technician)
        except KeyError:
            found.append(Violation("technician", route.technician, "unknown technician"))
            continue
        if not 0 <= route.shift < len(tech.shifts):
            found.append(Violation("shift", tech.id, f"no shift {route.shift}"))
            continue
        if (tech.id, route.shift) in seen_routes:
            found.append(Violation("route", tech.id, f"two routes for shift {route.shift}"))
        seen_routes.add((tech.id, route.shift))
        routed = [jobs[s.job] for s in route.stops if s.job in jobs]
        if len(routed) != len(route.stops):
            continue  # unknown jobs were reported by the coverage check
        _check_abilities(tech, route, routed, found)
        _check_times(problem, tech, route, routed, found)
        _check_pins(tech, route, routed, found)
    _check_pinned_elsewhere(problem, plan, found)
    _check_figures(problem, plan, found)
    return found


def _check_coverage(problem: DispatchProblem, plan: Plan, found: list[Violation]) -> None:
    known = {j.id for j in problem.jobs}
    routed = [s.job for r in plan.routes for s in r.stops]
    left = [u.job for u in plan.unassigned]
    for job_id in sorted(set(routed + left) - known):
        found.append(Violation("job", job_id, "not a job of the problem"))
    for job_id in sorted({j for j in routed if routed.count(j) > 1}):
        found.append(Violation("once", job_id, f"routed {routed.count(job_id)} times"))
    for job_id in sorted(set(routed) & set(left)):
        found.append(Violation("once", job_id, "both routed and unassigned"))
    for job_id in sorted(known - set(routed) - set(left)):
        found.append(Violation("coverage", job_id, "neither routed nor unassigned"))
    for u in plan.unassigned:
        if not str(u.reason):
            found.append(Violation("reason", u.job, "unassigned without a reason"))


def _check_abilities(tech: Technician, route: Route, routed: list[Job], found: list[Violation]) -> None:
    stock = dict(tech.parts)
    restocked = route.restock_after is not None and route.restock_after < 0
    for position, job in enumerate(routed):
        if job.skill is not None and job.skill not in tech.skills:
            found.append(Violation("skill", job.id, f"{tech.id} lacks {job.skill}"))
        if not restocked and not job.tools <= tech.tools:
            found.append(Violation("tools", job.id, f"{tech.id} lacks {sorted(job.tools - tech.tools)}"))
        for part, quantity in job.parts.items():
            if restocked:
                continue
            stock[part] = stock.get(part, 0) - quantity
            if stock[part] < 0:
                found.append(Violation("parts", job.id, f"{tech.id} runs out of {part}"))
        if route.restock_after == position:
            restocked = True
    if route.restock_after is not None and tech.restock_location is None:
        found.append(Violation("restock", tech.id, "restocks without a restocking place"))


def _legs(problem: DispatchProblem, tech: Technician, route: Route, routed: list[Job]) -> tuple[list[int], list[int]]:
    """Travel time and distance of each drive (start -> stops -> end), via the restock place where taken."""
    places = [tech.start_location] + [j.location for j in routed] + [tech.end_location]
    times, distances = [], []
    for gap, (a, b) in enumerate(itertools.pairwise(places)):
        if route.restock_after is not None and route.restock_after == gap - 1 and tech.restock_location is not None:
            r = tech.restock_location
            times.append(int(problem.duration[a, r] + problem.duration[r, b]))
            distances.append(int(problem.distance[a, r] + problem.distance[r, b]))
        else:
            times.append(int(problem.duration[a, b]))
            distances.append(int(problem.distance[a, b]))
    return times, distances


def _check_times(
    problem: DispatchProblem, tech: Technician, route: Route, routed: list[Job], found: list[Violation]
) -> None:
    shift = tech.shifts[route.shift]
    legs, distances = _legs(problem, tech, route, routed)
    pause = shift.pause if shift.pause is not None and shift.pause.duration > 0 else None
    taken = {b.after + 1: b for b in route.breaks}  # gap index -> break
    if pause is None and route.breaks:
        found.append(Violation("break", tech.id, "a break where the shift has none"))
    if pause is not None and len(route.breaks) != 1:
        found.append(Violation("break", tech.id, f"{len(route.breaks)} breaks where the shift has one"))
    for b in route.breaks:
        if pause is not None and not (pause.earliest <= b.start <= pause.latest and b.end - b.start == pause.duration):
            found.append(
                Violation(
                    "break",
                    tech.id,
                    f"break {b.start}-{b.end} outside [{pause.earliest}, {pause.latest}] or not {pause.duration} long",
                )
            )
    if route.depart < shift.start or route.depart > shift.end:
        found.append(Violation("shift", tech.id, f"departs at {route.depart}, shift {shift.start}-{shift.end}"))
    ready = route.depart
    for gap in range(len(routed) + 1):
        brk = taken.get(gap)
        arrival = ready + legs[gap]
        if brk is not None and brk.start < ready + legs[gap]:
            if brk.start < ready:
                found.append(Violation("break", tech.id, f"break at {brk.start} before it is free at {ready}"))
            arrival += brk.end - brk.start
        if gap == len(routed):
            _check_return(tech, route, arrival, brk, found)
            break
        stop, job = route.stops[gap], routed[gap]
        leaves = arrival - legs[gap]
        if gap > 0 and leaves > shift.end:  # the first departure is checked above
            found.append(Violation("shift", job.id, f"leaves for it at {leaves}, after {shift.end}"))
        if stop.arrival != arrival:
            found.append(Violation("arrival", job.id, f"reported {stop.arrival}, recomputed {arrival}"))
        if brk is not None and brk.start >= ready + legs[gap] and brk.end > stop.start:
            found.append(Violation("break", tech.id, f"break at the stop of {job.id} runs into its service"))
        if stop.start < max(stop.arrival, arrival):
            found.append(Violation("start", job.id, f"service starts at {stop.start} before arrival {arrival}"))
        if job.windows and not any(w.contains(stop.start) for w in job.windows):
            found.append(Violation("window", job.id, f"service starts at {stop.start}, windows {job.windows}"))
        if stop.end != stop.start + job.service:
            found.append(Violation("service", job.id, f"ends at {stop.end}, not start + {job.service}"))
        ready = stop.end
    if route.distance != sum(distances):
        found.append(Violation("distance", tech.id, f"route distance {route.distance}, recomputed {sum(distances)}"))


def _check_return(tech: Technician, route: Route, arrival: int, brk: object, found: list[Violation]) -> None:
    shift = tech.shifts[route.shift]
    if route.back != arrival:
        found.append(Violation("return", tech.id, f"back at {route.back}, recomputed {arrival}"))
    if arrival > shift.end + shift.max_overtime:
        found.append(
            Violation("shift", tech.id, f"back at {arrival}, after {shift.end} + {shift.max_overtime} overtime")
        )


def _check_pins(tech: Technician, route: Route, routed: list[Job], found: list[Violation]) -> None:
    for position, (stop, job) in enumerate(zip(route.stops, routed, strict=True)):
        if job.pin_technician is not None and job.pin_technician != tech.id:
            found.append(Violation("pin", job.id, f"pinned to {job.pin_technician}, routed to {tech.id}"))
        if job.pin_position is not None and job.pin_position != position:
            found.append(Violation("pin", job.id, f"pinned at position {job.pin_position}, found at {position}"))
        if job.pin_start is not None and job.pin_start != stop.start:
            found.append(Violation("pin", job.id, f"pinned to start at {job.pin_start}, starts at {stop.start}"))
    if tech.max_visits is not None and len(routed) > tech.max_visits:
        found.append(Violation("visits", tech.id, f"{len(routed)} visits, at most {tech.max_visits}"))


def _check_pinned_elsewhere(problem: DispatchProblem, plan: Plan, found: list[Violation]) -> None:
    """A job under way (pinned start) must be in the plan."""
    routed = {s.job for r in plan.routes for s in r.stops}
    for job in problem.jobs:
        if job.pin_start is not None and job.id not in routed:
            found.append(Violation("pin", job.id, "a visit under way is missing from the plan"))


def _check_figures(problem: DispatchProblem, plan: Plan, found: list[Violation]) -> None:
    jobs = {j.id: j for j in problem.jobs}
    stops = [(s, jobs[s.job]) for r in plan.routes for s in r.stops if s.job in jobs]
    overtime = 0
    for r in plan.routes:
        try:
            overtime += max(0, r.back - problem.technician(r.technician).shifts[r.shift].end)
        except (KeyError, IndexError):
            continue
    expected = Figures(
        served=len(stops),
        unassigned=len(plan.unassigned),
        on_target=sum(1 for s, j in stops if j.target is None or s.arrival <= j.target),
        within_promise=sum(1 for s, j in stops if j.promise is None or s.arrival <= j.promise),
        distance=sum(r.distance for r in plan.routes),
        overtime=overtime,
        working_time=sum(r.back - r.depart for r in plan.routes),
    )
    if plan.figures != expected:
        found.append(Violation("figures", "plan", f"reported {plan.figures}, recomputed {expected}"))
