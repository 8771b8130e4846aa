"""The day as it unfolds: the scheduled tasks of real-time dispatch, each a function of the clock.

Every task takes the session factory, the settings and `now`, so the scheduler (real time) and the
replay (`dispatch simulate`, simulated time) call the very same functions.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload, sessionmaker

from dispatch.config import Settings
from dispatch.db import transaction
from dispatch.geo import TravelModel
from dispatch.models import (
    Absence,
    DayPlan,
    Job,
    JobEvent,
    JobStatus,
    PlanRoute,
    PlanStatus,
    PlanStop,
    PlanVersion,
    ReplanReason,
    ReplanRequest,
    Technician,
    TechnicianBreak,
    Visit,
)
from dispatch.planning import DayProblem, PlanningError, TechnicianStart, build_day_problem, on_shift
from dispatch.plans import PublishConflict, day_revision, plan_day, publish, published_routes, save_version
from dispatch.replan_requests import request_replan
from dispatch.roster import ShiftSpan
from dispatch.sla import SlaFlag, sla_flags
from solver import SolveParams, Status, solve

AUTHOR = "scheduler"
__all__ = ["request_replan"]  # re-exported: the scheduler's side of re-plan requests


@dataclass(frozen=True)
class ReplanOutcome:
    """What one re-plan of the rest of a day did."""

    day: date
    version_id: int | None  # the version published, None when nothing changed
    moved_jobs: tuple[int, ...]  # jobs now with another technician than before
    changed_technicians: tuple[int, ...]  # technicians whose stops changed (they get a badge)
    solve_s: float


def solve_params(settings: Settings) -> SolveParams:
    """The solver settings every scheduled plan uses (the replay uses the same ones)."""
    return SolveParams(time_limit_s=settings.replan_time_limit_s)


def plan_tomorrow(sessions: sessionmaker[Session], settings: Settings, now: datetime) -> int | None:
    """A draft plan of tomorrow with the calls received so far; its version id (None: nobody on shift)."""
    tomorrow = now.astimezone(settings.tz).date() + timedelta(days=1)
    try:
        with transaction(sessions) as session:
            return plan_day(session, tomorrow, settings, solve_params(settings), as_of=now, created_by=AUTHOR).id
    except PlanningError:
        return None


def publish_if_unpublished(sessions: sessionmaker[Session], settings: Settings, now: datetime) -> int | None:
    """Publish today's newest draft when the dispatcher has not published today (planning one first when
    there is none); the published version's id, or None when today was already published or has nobody on."""
    today = now.astimezone(settings.tz).date()
    with transaction(sessions) as session:
        if _published_version(session, today) is not None:
            return None
        revision = day_revision(session, today)
        draft = session.scalar(
            select(PlanVersion)
            .where(PlanVersion.day == today, PlanVersion.status == PlanStatus.DRAFT.value)
            .order_by(PlanVersion.number.desc())
        )
        if draft is None:
            try:
                draft = plan_day(session, today, settings, solve_params(settings), as_of=now, created_by=AUTHOR)
            except PlanningError:
                return None
        try:
            return publish(session, draft.id, revision, now, settings).id
        except PublishConflict:
            return None


def pending_replan_requests(session: Session) -> list[ReplanRequest]:
    """Requests no re-plan has handled yet, oldest first."""
    return list(
        session.scalars(
            select(ReplanRequest).where(ReplanRequest.handled_at.is_(None)).order_by(ReplanRequest.requested_at)
        )
    )


def _published_version(session: Session, day: date) -> PlanVersion | None:
    version_id = session.scalar(select(DayPlan.published_version_id).where(DayPlan.day == day))
    return None if version_id is None else session.get(PlanVersion, version_id)


# A re-plan publishes only when some technician's stops change or an arrival moves at least this much.
ARRIVAL_CHANGE = timedelta(minutes=10)
UNDER_WAY = (JobStatus.EN_ROUTE.value, JobStatus.ON_SITE.value)


def replan_rest_of_day(sessions: sessionmaker[Session], settings: Settings, now: datetime) -> ReplanOutcome | None:
    """Re-plan what is left of today from where everyone is now and publish it when it differs.

    Visits under way stay as they are; a dispatched job moves to another technician only where that
    pays for `Weights.move`. None when nobody has shift time left today."""
    today = now.astimezone(settings.tz).date()
    with transaction(sessions) as session:
        crew = [(t, span) for t, span in on_shift(session, today, settings) if span.end > now]
        if not crew:
            return None
        state = _state(session, now)
        if session.scalar(select(DayPlan.replanned_state).where(DayPlan.day == today)) == state:
            return None  # nothing new since the last re-plan
        present = present_state(session, crew, settings, now)
        try:
            day_problem = build_day_problem(session, today, settings, as_of=now, present=present)
        except PlanningError:
            return None
        before = _published_version(session, today)
        revision = day_revision(session, today)
        day_problem = _keep_pins(day_problem, before)
        # From the published plan: each re-plan goes on improving the last one, and what still works stays.
        warm = published_routes(session, day_problem)
        plan = solve(day_problem.problem, solve_params(settings), warm_start=warm)
        if plan.status == Status.NO_SOLUTION:
            return None  # the published plan stands rather than an empty one
        draft = session.begin_nested()  # undone when the new version changes nothing
        version = save_version(session, day_problem, plan, AUTHOR, created_at=now)
        _add_done_and_under_way(session, version, today, settings)
        if before is not None and not _differs(before, version):
            draft.rollback()
            _remember(session, today, state)
            return ReplanOutcome(today, None, (), (), plan.runtime_s)
        version.note = f"re-planned at {now.astimezone(settings.tz):%H:%M}"
        moved = _moved_jobs(before, version)
        try:
            publish(session, version.id, revision, now, settings)
        except PublishConflict:
            draft.rollback()  # a dispatcher published meanwhile: theirs stands
            return None
        draft.commit()
        _remember(session, today, _state(session, now))
        changed = tuple(r.technician_id for r in version.routes if r.changed)
        return ReplanOutcome(today, version.id, moved, changed, plan.runtime_s)


def _state(session: Session, now: datetime) -> str:
    """A fingerprint of what a re-plan depends on: status changes, calls received, requests, breaks."""
    events = session.scalar(select(func.max(JobEvent.id))) or 0
    calls = session.scalar(select(func.count(Job.id)).where(Job.received_at <= now)) or 0
    requests = session.scalar(select(func.max(ReplanRequest.id))) or 0
    breaks = session.scalar(select(func.max(TechnicianBreak.id))) or 0
    absences = session.scalar(select(func.max(Absence.id))) or 0
    return f"{events}:{calls}:{requests}:{breaks}:{absences}"


def _remember(session: Session, day: date, state: str) -> None:
    session.execute(update(DayPlan).where(DayPlan.day == day).values(replanned_state=state))


def replan_if_requested(sessions: sessionmaker[Session], settings: Settings, now: datetime) -> ReplanOutcome | None:
    """Run one re-plan for every pending request once the oldest has waited the debounce time."""
    with transaction(sessions) as session:
        pending = pending_replan_requests(session)
        debounce = timedelta(seconds=settings.replan_debounce_s)
        if not pending or pending[0].requested_at + debounce > now:
            return None
        for request in pending:
            request.handled_at = now
    return replan_rest_of_day(sessions, settings, now)


def present_state(
    session: Session, crew: list[tuple[Technician, ShiftSpan]], settings: Settings, now: datetime
) -> dict[int, TechnicianStart]:
    """Where each technician will next be free, and when: after the visit under way (or the drive to
    it), else now where the last visit of the day ended (or at the depot)."""
    travel = TravelModel.from_settings(settings)
    day_start = min(span.start for _, span in crew)
    return {tech.id: _start_of(session, tech, span, day_start, travel, now) for tech, span in crew}


def _start_of(
    session: Session, tech: Technician, span: ShiftSpan, day_start: datetime, travel: TravelModel, now: datetime
) -> TechnicianStart:
    visits = _visits_today(session, tech.id, day_start)
    done = [v for v in visits if v.completed_at is not None]
    last = max(done, key=lambda v: v.completed_at or now, default=None)
    here = (tech.depot.lat, tech.depot.lon) if last is None else _where(last)
    ready = max(now, span.start)
    current = next((v for v in visits if v.job.status in UNDER_WAY and v.completed_at is None), None)
    if current is not None:
        ready = max(now, _expected_end(current, here, travel, now))
        here = _where(current)
    breaks = list(
        session.scalars(
            select(TechnicianBreak).where(TechnicianBreak.technician_id == tech.id, TechnicianBreak.start >= day_start)
        )
    )
    for pause in breaks:
        ready = max(ready, pause.end)
    return TechnicianStart(here[0], here[1], ready, break_taken=bool(breaks))


def _visits_today(session: Session, technician_id: int, day_start: datetime) -> list[Visit]:
    return list(
        session.scalars(
            select(Visit)
            .where(Visit.technician_id == technician_id, Visit.en_route_at >= day_start)
            .options(selectinload(Visit.job).selectinload(Job.customer))
        )
    )


def _where(visit: Visit) -> tuple[float, float]:
    customer = visit.job.customer
    return float(customer.lat or 0.0), float(customer.lon or 0.0)


def _expected_end(visit: Visit, came_from: tuple[float, float], travel: TravelModel, now: datetime) -> datetime:
    """When the visit under way should end: its start plus the estimate; still driving, the start is
    when the drive from `came_from` gets there."""
    started = visit.started_at
    if started is None:
        drive_s = int(travel.matrix([came_from, _where(visit)]).duration_s[0][1])
        started = (visit.en_route_at or now) + timedelta(seconds=drive_s)
    return started + timedelta(minutes=visit.job.duration_min)


def _keep_pins(day_problem: DayProblem, published: PlanVersion | None) -> DayProblem:
    """Jobs the dispatcher pinned in the published plan stay with their technicians."""
    if published is None:
        return day_problem
    tech_ext = {db_id: ext for ext, db_id in day_problem.technician_ids.items()}
    job_ext = {db_id: ext for ext, db_id in day_problem.job_ids.items()}
    pins = {
        job_ext[s.job_id]: tech_ext[r.technician_id]
        for r in published.routes
        for s in r.stops
        if s.pinned and s.job_id in job_ext and r.technician_id in tech_ext
    }
    if not pins:
        return day_problem
    jobs = tuple(
        dataclasses.replace(j, pin_technician=pins.get(j.id, j.pin_technician)) for j in day_problem.problem.jobs
    )
    return dataclasses.replace(day_problem, problem=dataclasses.replace(day_problem.problem, jobs=jobs))


def _add_done_and_under_way(session: Session, version: PlanVersion, day: date, settings: Settings) -> None:
    """Put the day's visits already made or under way at the head of each route (pinned), so the
    published version stays the technician's whole day."""
    day_start = datetime.combine(day, datetime.min.time(), tzinfo=settings.tz)
    visits = session.scalars(
        select(Visit)
        .where(Visit.en_route_at >= day_start, Visit.en_route_at < day_start + timedelta(days=1))
        .order_by(Visit.en_route_at)
    )
    routes = {r.technician_id: r for r in version.routes}
    planned = {s.job_id for r in version.routes for s in r.stops}
    heads: dict[int, list[Visit]] = {}
    for visit in visits:
        if visit.job_id not in planned:  # a failed visit whose job is planned again shows once, ahead
            heads.setdefault(visit.technician_id, []).append(visit)
    for technician_id, made in heads.items():
        route = routes.get(technician_id)
        if route is None:
            first, last = made[0], made[-1]
            back = last.completed_at or last.planned_end or last.en_route_at
            route = PlanRoute(technician_id=technician_id, depart=first.en_route_at, back=back)
            version.routes.append(route)
        _prepend(session, route, [_stop_of_visit(i, v) for i, v in enumerate(made)])


def _prepend(session: Session, route: PlanRoute, head: list[PlanStop]) -> None:
    """Put `head` before the route's stops; positions are unique per route, so the stored ones step
    aside (negative) before taking their new places."""
    later = list(route.stops)
    for i, stop in enumerate(later):
        stop.position = -1 - i
    session.flush()
    for i, stop in enumerate(later):
        stop.position = len(head) + i
    route.stops = head + later
    route.depart = min(route.depart, head[0].arrival)


def _stop_of_visit(position: int, visit: Visit) -> PlanStop:
    arrival = visit.arrived_at or visit.planned_arrival or visit.en_route_at
    start = visit.started_at or visit.planned_start or arrival
    end = visit.completed_at or visit.planned_end or start
    return PlanStop(position=position, job_id=visit.job_id, arrival=arrival, start=start, end=end, pinned=True)


def _differs(before: PlanVersion, after: PlanVersion) -> bool:
    """Whether publishing `after` changes anything a technician or customer would notice."""

    def stops(version: PlanVersion) -> dict[int, list[tuple[int, datetime]]]:
        return {r.technician_id: [(s.job_id, s.arrival) for s in r.stops] for r in version.routes if r.stops}

    old, new = stops(before), stops(after)
    if {t: [j for j, _ in v] for t, v in old.items()} != {t: [j for j, _ in v] for t, v in new.items()}:
        return True
    return any(abs(a - b) >= ARRIVAL_CHANGE for t in new for (_, a), (_, b) in zip(old[t], new[t], strict=True))


def _moved_jobs(before: PlanVersion | None, after: PlanVersion) -> tuple[int, ...]:
    if before is None:
        return ()
    was = {s.job_id: r.technician_id for r in before.routes for s in r.stops}
    return tuple(
        s.job_id for r in after.routes for s in r.stops if s.job_id in was and was[s.job_id] != r.technician_id
    )


# A visit this long past its planned end is an overrun: the rest of that technician's day is re-planned.
OVERRUN = timedelta(minutes=15)


def sla_watch(sessions: sessionmaker[Session], settings: Settings, now: datetime) -> list[SlaFlag]:
    """The jobs at stake now (for the board), and a re-plan request for each new overrun."""
    with transaction(sessions) as session:
        for visit in _new_overruns(session, now):
            request_replan(session, ReplanReason.OVERRUN, now, visit.job, visit.technician_id)
        return sla_flags(session, now)


def _new_overruns(session: Session, now: datetime) -> list[Visit]:
    on_site = session.scalars(
        select(Visit)
        .join(Job)
        .where(Job.status == JobStatus.ON_SITE.value, Visit.completed_at.is_(None), Visit.planned_end.is_not(None))
    )
    late = [v for v in on_site if v.planned_end is not None and v.planned_end + OVERRUN < now]
    if not late:
        return []
    reported = set(
        session.scalars(
            select(ReplanRequest.job_id).where(
                ReplanRequest.reason == ReplanReason.OVERRUN.value,
                ReplanRequest.job_id.in_([v.job_id for v in late]),
            )
        )
    )
    return [v for v in late if v.job_id not in reported]
