"""Plan versions: plan a day into a new draft, publish one version atomically, compare two versions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dispatch.config import Settings
from dispatch.errors import DispatchError, NotFound
from dispatch.lifecycle import change_status
from dispatch.messages import before_publish, queue_for_publication
from dispatch.models import (
    DayPlan,
    Job,
    JobStatus,
    PlanRoute,
    PlanStatus,
    PlanStop,
    PlanUnassigned,
    PlanVersion,
    Visit,
)
from dispatch.planning import DayProblem, build_day_problem
from solver import Figures, Plan, Route, SolveParams, Status, Stop, solve


class PublishConflict(DispatchError):
    """Someone published the day since the version the caller saw."""


class NotADraft(DispatchError):
    """Only a draft version can be published."""


def plan_day(
    session: Session,
    day: date,
    settings: Settings,
    params: SolveParams | None = None,
    as_of: datetime | None = None,
    created_by: str = "",
    on_solution: Callable[[int], None] | None = None,
) -> PlanVersion:
    """Solve the day and store the result as a new draft version (flushed, not committed).

    When the day has a published plan, the search starts from it, so a re-plan keeps what still
    works where it is. `as_of` (the planning moment) also dates the version."""
    day_problem = build_day_problem(session, day, settings, as_of)
    warm = published_routes(session, day_problem)
    plan = solve(day_problem.problem, params or SolveParams(), warm_start=warm, on_solution=on_solution)
    return save_version(session, day_problem, plan, created_by, created_at=as_of)


def published_routes(session: Session, day_problem: DayProblem) -> Plan | None:
    """The day's published version as a solver plan (orders only), to warm-start a re-plan."""
    published_id = session.scalar(select(DayPlan.published_version_id).where(DayPlan.day == day_problem.day))
    version = session.get(PlanVersion, published_id) if published_id is not None else None
    if version is None:
        return None
    tech_of = {db_id: ext for ext, db_id in day_problem.technician_ids.items()}
    job_of = {db_id: ext for ext, db_id in day_problem.job_ids.items()}
    routes = tuple(
        Route(
            tech_of[route.technician_id],
            0,
            0,
            tuple(Stop(job_of[s.job_id], 0, 0, 0) for s in route.stops if s.job_id in job_of),
            0,
        )
        for route in version.routes
        if route.technician_id in tech_of
    )
    return Plan(routes, (), Figures(0, 0, 0, 0, 0, 0, 0), 0, Status.OPTIMAL_OR_FEASIBLE, 0.0)


def save_version(
    session: Session,
    day_problem: DayProblem,
    plan: Plan,
    created_by: str = "",
    created_at: datetime | None = None,
) -> PlanVersion:
    """Store a solver plan of the day as the next draft version, made at `created_at` (default: the
    wall clock; scheduled tasks pass their clock, simulated in a replay)."""
    number = (session.scalar(select(func.max(PlanVersion.number)).where(PlanVersion.day == day_problem.day)) or 0) + 1
    version = PlanVersion(
        day=day_problem.day,
        number=number,
        status=PlanStatus.DRAFT.value,
        created_at=created_at or datetime.now(tz=day_problem.origin.tzinfo),
        created_by=created_by,
        figures=figures_of(plan),
    )
    version.routes = route_rows(day_problem, plan)
    version.unassigned = [
        PlanUnassigned(job_id=day_problem.job_ids[u.job], reason=day_problem.reason(u)) for u in plan.unassigned
    ] + [PlanUnassigned(job_id=job_id, reason=reason) for job_id, reason in day_problem.skipped.items()]
    _ensure_day(session, day_problem.day)
    session.add(version)
    session.flush()
    return version


def route_rows(day_problem: DayProblem, plan: Plan, pinned: frozenset[int] = frozenset()) -> list[PlanRoute]:
    """The plan's routes as rows, times made aware; `pinned` job ids are marked pinned."""
    at, rows = day_problem.at, []
    for route in plan.routes:
        if not route.stops:
            continue
        pause = route.breaks[0] if route.breaks else None
        rows.append(
            PlanRoute(
                technician_id=day_problem.technician_ids[route.technician],
                depart=at(route.depart),
                back=at(route.back),
                break_start=at(pause.start) if pause else None,
                break_end=at(pause.end) if pause else None,
                distance_m=route.distance,
                stops=[
                    PlanStop(
                        position=i,
                        job_id=day_problem.job_ids[stop.job],
                        arrival=at(stop.arrival),
                        start=at(stop.start),
                        end=at(stop.end),
                        pinned=day_problem.job_ids[stop.job] in pinned,
                    )
                    for i, stop in enumerate(route.stops)
                ],
            )
        )
    return rows


def figures_of(plan: Plan) -> dict[str, float]:
    """The predicted figures stored with a version."""
    f = plan.figures
    return {
        "served": f.served,
        "unassigned": f.unassigned,
        "on_target": f.on_target,
        "within_promise": f.within_promise,
        "distance_m": f.distance,
        "overtime_s": f.overtime,
        "working_time_s": f.working_time,
        "solve_s": round(plan.runtime_s, 3),
    }


def day_revision(session: Session, day: date) -> int:
    """The day's publish counter, to hand back to `publish` (0 before the first publish)."""
    return session.scalar(select(DayPlan.revision).where(DayPlan.day == day)) or 0


def publish(
    session: Session, version_id: int, seen_revision: int, at: datetime, settings: Settings | None = None
) -> PlanVersion:
    """Make a draft the day's published plan: its jobs become dispatched with planned visits.

    All or nothing within the caller's transaction; `seen_revision` is the day's revision the
    dispatcher looked at, and if another publish moved it on since, nothing changes. Customers of
    newly dispatched jobs get a confirmation queued, those whose arrival moved a notice; `settings`
    (the defaults when None) chooses their language, channel and threshold.

    Raises
    ------
    PublishConflict
        When the day was published by someone else after `seen_revision`.
    NotADraft
        When the version is not a draft.
    """
    version = session.get(PlanVersion, version_id)
    if version is None:
        raise NotFound(f"plan version {version_id} does not exist")
    if version.status != PlanStatus.DRAFT.value:
        raise NotADraft(f"plan version {version.number} of {version.day} is {version.status}, not a draft")
    _claim_day(session, version.day, seen_revision)
    previous = session.scalars(
        select(PlanVersion).where(PlanVersion.day == version.day, PlanVersion.status == PlanStatus.PUBLISHED.value)
    ).all()
    for old in previous:
        old.status = PlanStatus.SUPERSEDED.value
    before = before_publish(version, list(previous))
    _withdraw(session, list(previous), version, at)
    _mark_changed_routes(list(previous), version)
    for route in version.routes:
        for stop in route.stops:
            _dispatch(stop.job, route, stop, at)
    queue_for_publication(session, version, before, at, settings or Settings())
    version.status = PlanStatus.PUBLISHED.value
    version.published_at = at
    session.execute(update(DayPlan).where(DayPlan.day == version.day).values(published_version_id=version.id))
    session.flush()
    return version


def _ensure_day(session: Session, day: date) -> None:
    """The day's row, created with the first draft so that publishing only ever updates it."""
    if session.get(DayPlan, day) is not None:
        return
    try:
        with session.begin_nested():
            session.add(DayPlan(day=day, revision=0))
    except IntegrityError:
        pass  # another planner created it first: same row, nothing to do


def _claim_day(session: Session, day: date, seen_revision: int) -> None:
    """Move the day's revision on by one, only from `seen_revision` (compare-and-set in one UPDATE)."""
    moved = session.execute(
        update(DayPlan)
        .where(DayPlan.day == day, DayPlan.revision == seen_revision)
        .values(revision=DayPlan.revision + 1)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise PublishConflict(
            f"the plan of {day.isoformat()} was published by someone else since you opened it; "
            "reload it and publish again"
        )


def _withdraw(session: Session, previous: list[PlanVersion], incoming: PlanVersion, at: datetime) -> None:
    """Planned visits of the superseded versions that the new one does not keep go back to planning."""
    kept = {stop.job_id for route in incoming.routes for stop in route.stops}
    for old in previous:
        for route in old.routes:
            for stop in route.stops:
                job = stop.job
                visit = _open_visit(job)
                if job.status != JobStatus.DISPATCHED.value or visit is None:
                    continue  # already under way or done: the field decides now
                if stop.job_id not in kept:
                    session.delete(visit)
                    job.visits.remove(visit)
                    change_status(job, JobStatus.PLANNED, at, note=f"withdrawn from plan {old.number}")


def _mark_changed_routes(previous: list[PlanVersion], incoming: PlanVersion) -> None:
    """Flag the routes whose stops differ from the last published ones: their technicians get a badge."""
    before = {route.technician_id: [s.job_id for s in route.stops] for old in previous for route in old.routes}
    for route in incoming.routes:
        stops = [s.job_id for s in route.stops]
        route.changed = bool(previous) and before.get(route.technician_id, []) != stops


def _open_visit(job: Job) -> Visit | None:
    return next((v for v in job.visits if v.completed_at is None and v.arrived_at is None), None)


# Jobs a publish may (re)dispatch; one under way, done or cancelled since the draft is left alone.
DISPATCHABLE = frozenset(
    {JobStatus.NEW.value, JobStatus.PLANNED.value, JobStatus.NEEDS_REVISIT.value, JobStatus.DISPATCHED.value}
)


def _dispatch(job: Job, route: PlanRoute, stop: PlanStop, at: datetime) -> None:
    """Give the job its planned visit (reusing an open one) and move it to dispatched."""
    if job.status not in DISPATCHABLE:
        return
    visit = _open_visit(job)
    if visit is None:
        visit = Visit(technician_id=route.technician_id, number=len(job.visits) + 1)
        job.visits.append(visit)
    visit.technician_id = route.technician_id
    visit.planned_arrival, visit.planned_start, visit.planned_end = stop.arrival, stop.start, stop.end
    visit.dispatched_at = at
    if job.status in (JobStatus.NEW.value, JobStatus.NEEDS_REVISIT.value):
        change_status(job, JobStatus.PLANNED, at, note=f"plan {route.version.number}")
    if job.status == JobStatus.PLANNED.value:
        change_status(job, JobStatus.DISPATCHED, at, note=f"plan {route.version.number} published")


@dataclass(frozen=True)
class PlanDiff:
    """What changed from one version to another, by job id."""

    added: frozenset[int]  # routed now, not before
    removed: frozenset[int]  # routed before, not now
    moved: dict[int, tuple[int, int]]  # job -> (technician before, technician now)


def diff(before: PlanVersion, after: PlanVersion) -> PlanDiff:
    """Jobs added to, removed from, and moved between technicians from `before` to `after`."""
    was = {s.job_id: r.technician_id for r in before.routes for s in r.stops}
    now = {s.job_id: r.technician_id for r in after.routes for s in r.stops}
    moved = {j: (was[j], now[j]) for j in was.keys() & now.keys() if was[j] != now[j]}
    return PlanDiff(frozenset(now.keys() - was.keys()), frozenset(was.keys() - now.keys()), moved)


def versions_of(session: Session, day: date) -> list[PlanVersion]:
    """The day's versions, newest first."""
    return list(session.scalars(select(PlanVersion).where(PlanVersion.day == day).order_by(PlanVersion.number.desc())))


def published_route(session: Session, day: date, technician_id: int) -> PlanRoute | None:
    """The technician's route in the day's published version."""
    return session.scalar(
        select(PlanRoute)
        .join(PlanVersion, PlanRoute.version_id == PlanVersion.id)
        .where(
            PlanVersion.day == day,
            PlanVersion.status == PlanStatus.PUBLISHED.value,
            PlanRoute.technician_id == technician_id,
        )
    )
