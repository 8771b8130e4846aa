"""A dispatcher's changes to a draft: move, remove, pin and unpin jobs, then re-optimise around the pins.

Every change re-times the draft's routes by the solver's rules and returns what the independent
checker finds broken (late, out of window, over shift, missing skill), in words a dispatcher reads.
The caller's transaction decides: commit to save, roll back for a preview.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from dispatch.config import Settings
from dispatch.errors import DispatchError, NotFound
from dispatch.models import PlanStatus, PlanStop, PlanUnassigned, PlanVersion, Technician
from dispatch.planning import DayProblem, build_day_problem
from dispatch.plans import figures_of, route_rows, save_version
from solver import Plan, SolveParams, check, solve, time_routes

REMOVED = "removed by the dispatcher"


@dataclass(frozen=True)
class Warning:
    """One rule the edited draft breaks."""

    kind: str  # the checker's kind: window, shift, skill, break, parts...
    subject: str  # the job or technician concerned (external id)
    message: str


class NotEditable(DispatchError):
    """Only drafts can be changed."""


def _draft(session: Session, version_id: int) -> PlanVersion:
    version = session.get(PlanVersion, version_id)
    if version is None:
        raise NotFound(f"plan version {version_id} does not exist")
    if version.status != PlanStatus.DRAFT.value:
        raise NotEditable(f"plan version {version.number} of {version.day} is {version.status}; copy it to change it")
    return version


def _stop_of(version: PlanVersion, job_id: int) -> PlanStop | None:
    return next((s for r in version.routes for s in r.stops if s.job_id == job_id), None)


def move_job(
    session: Session, settings: Settings, version_id: int, job_id: int, technician_id: int, position: int
) -> list[Warning]:
    """Put the job at `position` (0-based, clipped) of the technician's route in the draft."""
    version = _draft(session, version_id)
    if session.get(Technician, technician_id) is None:
        raise NotFound(f"technician {technician_id} does not exist")
    orders = _orders(version)
    pinned = {s.job_id for r in version.routes for s in r.stops if s.pinned}
    for jobs in orders.values():
        if job_id in jobs:
            jobs.remove(job_id)
    target = orders.setdefault(technician_id, [])
    target.insert(max(0, min(position, len(target))), job_id)
    return _retime(session, settings, version, orders, pinned)


def remove_job(session: Session, settings: Settings, version_id: int, job_id: int) -> list[Warning]:
    """Take the job out of its route; it stays in the draft as unassigned, removed by the dispatcher."""
    version = _draft(session, version_id)
    orders = _orders(version)
    if not any(job_id in jobs for jobs in orders.values()):
        raise NotFound(f"job {job_id} is not routed in plan version {version.number}")
    for jobs in orders.values():
        if job_id in jobs:
            jobs.remove(job_id)
    pinned = {s.job_id for r in version.routes for s in r.stops if s.pinned}
    return _retime(session, settings, version, orders, pinned - {job_id}, removed={job_id})


def set_pinned(session: Session, version_id: int, job_id: int, pinned: bool) -> None:
    """Pin a routed job to its technician (re-optimising keeps it there), or unpin it."""
    version = _draft(session, version_id)
    stop = _stop_of(version, job_id)
    if stop is None:
        raise NotFound(f"job {job_id} is not routed in plan version {version.number}")
    stop.pinned = pinned
    session.flush()


def reoptimise(
    session: Session,
    settings: Settings,
    version_id: int,
    params: SolveParams | None = None,
    as_of: datetime | None = None,
    created_by: str = "",
    on_solution: Callable[[int], None] | None = None,
) -> PlanVersion:
    """A new draft solved from this one: pinned jobs stay with their technicians, the rest may move.
    `as_of` (the planning moment, simulated in a replay) also dates the version."""
    version = _draft(session, version_id)
    day_problem = build_day_problem(session, version.day, settings, as_of)
    tech_ext = {db: ext for ext, db in day_problem.technician_ids.items()}
    job_ext = {db: ext for ext, db in day_problem.job_ids.items()}
    pins = {job_ext[s.job_id]: tech_ext[r.technician_id] for r in version.routes for s in r.stops if s.pinned}
    problem = day_problem.problem.replace(
        jobs=tuple(
            dataclasses.replace(j, pin_technician=pins.get(j.id, j.pin_technician)) for j in day_problem.problem.jobs
        )
    )
    pinned_day = dataclasses.replace(day_problem, problem=problem)
    warm = time_routes(problem, _solver_orders(version, tech_ext, job_ext))
    plan = solve(problem, params or SolveParams(), warm_start=warm, on_solution=on_solution)
    new = save_version(session, pinned_day, plan, created_by, created_at=as_of)
    new.based_on_id = version.id
    new.note = f"re-optimised from version {version.number} around {len(pins)} pinned job(s)"
    for route in new.routes:
        for stop in route.stops:
            stop.pinned = job_ext.get(stop.job_id) in pins
    session.flush()
    return new


def _orders(version: PlanVersion) -> dict[int, list[int]]:
    """Technician id -> job ids in route order."""
    return {r.technician_id: [s.job_id for s in r.stops] for r in version.routes}


def _solver_orders(version: PlanVersion, tech_ext: dict[int, str], job_ext: dict[int, str]) -> dict[str, list[str]]:
    return {
        tech_ext[r.technician_id]: [job_ext[s.job_id] for s in r.stops if s.job_id in job_ext]
        for r in version.routes
        if r.technician_id in tech_ext
    }


def _retime(
    session: Session,
    settings: Settings,
    version: PlanVersion,
    orders: dict[int, list[int]],
    pinned: set[int],
    removed: set[int] | None = None,
) -> list[Warning]:
    """Re-time the draft with the new orders, store routes, stops and figures; the checker's findings."""
    day_problem = build_day_problem(session, version.day, settings)
    tech_ext = {db: ext for ext, db in day_problem.technician_ids.items()}
    job_ext = {db: ext for ext, db in day_problem.job_ids.items()}
    missing = [t for t, jobs in orders.items() if jobs and t not in tech_ext]
    if missing:
        raise DispatchError(f"technician(s) {missing} are not on shift on {version.day.isoformat()}")
    solver_orders = {tech_ext[t]: [job_ext[j] for j in jobs if j in job_ext] for t, jobs in orders.items()}
    plan = time_routes(day_problem.problem, solver_orders)
    _store(session, version, day_problem, plan, pinned, removed or set())
    return [Warning(v.kind, v.subject, v.message) for v in check(day_problem.problem, plan) if v.kind != "figures"]


def _store(
    session: Session, version: PlanVersion, day_problem: DayProblem, plan: Plan, pinned: set[int], removed: set[int]
) -> None:
    """Replace the draft's routes and unassigned list by the re-timed plan (dispatcher removals kept)."""
    earlier_removals = {u.job_id for u in version.unassigned if u.reason == REMOVED}
    for route in list(version.routes):
        session.delete(route)
    for left in list(version.unassigned):
        session.delete(left)
    session.flush()
    version.unassigned.clear()
    version.routes = route_rows(day_problem, plan, frozenset(pinned))
    out = removed | earlier_removals
    for u in plan.unassigned:
        job_id = day_problem.job_ids[u.job]
        reason = REMOVED if job_id in out else day_problem.reason(u)
        version.unassigned.append(PlanUnassigned(job_id=job_id, reason=reason))
    version.figures = figures_of(plan)
    session.flush()
