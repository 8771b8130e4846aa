"""A day's planning problem from the database: technicians on shift, open jobs, travel, deadlines.

Solver times are seconds from midnight of the planned day in the business timezone; locations are
the depots first, then each job's customer. Deadlines already past are clamped to 0, which shifts
their lateness cost by a constant and leaves every choice the same; a target already missed while the
promise still runs is no longer priced (see `_job`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from types import MappingProxyType

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from dispatch.config import Settings
from dispatch.deadlines import due_by
from dispatch.errors import DispatchError
from dispatch.geo import TravelModel
from dispatch.models import Depot, Job, JobStatus, Priority, StockLevel, Technician, Visit
from dispatch.roster import ShiftSpan, shift_on
from solver import Break, DispatchProblem, Reason, Shift, Unassigned, Weights, Window
from solver import Job as SolverJob
from solver import Technician as SolverTechnician

# Jobs the day's plan may (re)arrange: not yet on their way or done. A dispatched job stays in, so a
# re-plan can keep it where it is (moving it costs `Weights.move`) rather than lose it.
PLANNABLE = (JobStatus.NEW.value, JobStatus.PLANNED.value, JobStatus.NEEDS_REVISIT.value, JobStatus.DISPATCHED.value)
# The service centre's objective. A minute past the target weighs 600 m of driving, past the promise
# 6 km, and workload balance nothing: on the replayed Guangzhou days capacity is short, and driving far
# to save a few late minutes costs visits later; but at 120 m a minute (the weight until 2026-11-24)
# technicians idle across town left calls hours past their target (guangzhou-normal, 2 s re-plans:
# on target 0.827 and 0.830 against 0.803 and 0.817; guangzhou-peak 0.739 and 0.750 against 0.711
# and 0.718; three times these weights gave 0.817 and 0.711).
DAY_WEIGHTS = Weights(target_late=10, promise_late=100, balance=0)
# A call whose promise falls after this time tomorrow keeps it when it waits for tomorrow's first visits.
NEXT_MORNING = time(10, 0)
# The drop-cost share of a job that loses nothing by waiting: still far above any route's cost, so it is
# served whenever the day has room, but after the jobs that would lose their target or promise.
LEFT_FOR_LATER = 0.05
# Why a call held to its target as a deadline is left out when no shift can reach it by then.
TARGET_UNREACHABLE = "no shift can reach it by its target"
PRIORITY_WEIGHT = {Priority.NORMAL.value: 1.0, Priority.URGENT.value: 2.0, Priority.COMPLAINT.value: 3.0}


class PlanningError(DispatchError, ValueError):
    """A day that cannot be planned as asked (a job without a location, nobody on shift...)."""


@dataclass(frozen=True)
class TechnicianStart:
    """Where and when a technician is next free, for a re-plan of the rest of a day."""

    lat: float
    lon: float
    ready_at: datetime  # free from here: after the visit under way, or now
    break_taken: bool  # today's break is behind them, not to be planned again


@dataclass(frozen=True)
class DayProblem:
    """The solver problem of one day and how its ids map back to database rows."""

    day: date
    origin: datetime  # time 0 of the problem
    problem: DispatchProblem
    technician_ids: dict[str, int]  # solver technician id -> technician.id
    job_ids: dict[str, int]  # solver job id -> job.id
    skipped: dict[int, str]  # job.id -> why it is not in the problem
    held_to_target: frozenset[str] = frozenset()  # solver job ids whose window is the call's target

    def at(self, seconds: int) -> datetime:
        """The aware datetime of a solver time."""
        return datetime.fromtimestamp(self.origin.timestamp() + seconds, tz=self.origin.tzinfo)

    def reason(self, left_out: Unassigned) -> str:
        """Why the plan leaves a job out, in the dispatcher's terms: a call without an appointment
        that no shift can reach is out for its target, not for a window."""
        if left_out.reason == Reason.WINDOW_UNREACHABLE and left_out.job in self.held_to_target:
            return TARGET_UNREACHABLE
        return left_out.reason.value


def plannable_jobs(session: Session, day: date, settings: Settings, as_of: datetime | None = None) -> list[Job]:
    """Open jobs received by `as_of` (default: the end of `day`) whose appointment, if any, does not
    start after `day`; oldest call first."""
    end_of_day = datetime.combine(day, time.max, tzinfo=settings.tz)
    query = (
        select(Job)
        .where(Job.status.in_(PLANNABLE), Job.received_at <= (as_of or end_of_day))
        .where((Job.window_start.is_(None)) | (Job.window_start <= end_of_day))
        .options(selectinload(Job.customer), selectinload(Job.visits).selectinload(Visit.technician))
        .order_by(Job.received_at, Job.id)
    )
    return list(session.scalars(query))


def on_shift(session: Session, day: date, settings: Settings) -> list[tuple[Technician, ShiftSpan]]:
    """Active technicians working on `day`, with their shift."""
    techs = session.scalars(select(Technician).where(Technician.active).order_by(Technician.external_id))
    working = [(t, shift_on(t, day, settings.country, settings.tz)) for t in techs]
    return [(t, span) for t, span in working if span is not None]


def build_day_problem(
    session: Session,
    day: date,
    settings: Settings,
    as_of: datetime | None = None,
    present: Mapping[int, TechnicianStart] | None = None,
) -> DayProblem:
    """The solver problem for `day` with the jobs known by `as_of`; jobs that cannot enter it are
    listed in `skipped` with the reason.

    With `present` (technician.id -> where and when they are free) the problem is the rest of the
    day: those technicians start there, then, without a break already taken; one free only after
    their shift's end, or missing from `present` (their shift is over), is left out."""
    origin = datetime.combine(day, time(0), tzinfo=settings.tz)
    crew = [(t, span) for t, span in on_shift(session, day, settings) if _still_free(present, t.id, span)]
    rest_of_day, present = present is not None, present or {}
    if not crew:
        raise PlanningError(f"nobody is on shift on {day.isoformat()}")
    depots = list(session.scalars(select(Depot).order_by(Depot.id)))
    depot_index = {d.id: i for i, d in enumerate(depots)}
    jobs, skipped = [], {}
    for job in plannable_jobs(session, day, settings, as_of):
        if job.customer.lat is None or job.customer.lon is None:
            skipped[job.id] = f"customer {job.customer.external_id} has no location"
        else:
            jobs.append(job)
    starts = [(t.id, present[t.id]) for t, _ in crew if t.id in present]
    start_index = {tech_id: len(depots) + len(jobs) + i for i, (tech_id, _) in enumerate(starts)}
    points = (
        [(d.lat, d.lon) for d in depots]
        + [(j.customer.lat, j.customer.lon) for j in jobs]
        + [(start.lat, start.lon) for _, start in starts]
    )
    matrix = TravelModel.from_settings(settings).matrix(points)  # type: ignore[arg-type]
    stock = _van_stock(session, [t.id for t, _ in crew])
    # The break guard only in re-plans of the rest of a day, the plans technicians follow: OR-Tools
    # often fails to read a previous plan's routes into a guarded model, and a whole-day re-plan from the
    # published plan (the dispatcher's, warm-started) would then lose what it keeps.
    guard = settings.break_guard if rest_of_day else 1.0

    def seconds(moment: datetime) -> int:
        return round((moment - origin).total_seconds())

    cap = round(settings.overtime_cap_min * 60)

    def solver_technician(tech: Technician, span: ShiftSpan) -> SolverTechnician:
        here, home = start_index.get(tech.id, depot_index[tech.depot_id]), depot_index[tech.depot_id]
        shift = _shift(span, seconds, present.get(tech.id), cap, guard, int(matrix.duration_s[here][home]))
        return SolverTechnician(
            tech.external_id,
            here,
            home,
            (shift,),
            skills=frozenset(tech.skill_codes()),
            parts=MappingProxyType(stock.get(tech.id, {})),
            restock_location=home,  # parts not on the van wait at the depot
        )

    technicians = tuple(solver_technician(tech, span) for tech, span in crew)
    closed_by = origin if as_of is None else max(origin, as_of)
    next_morning = datetime.combine(day + timedelta(days=1), NEXT_MORNING, tzinfo=settings.tz)
    solver_jobs = tuple(
        _job(job, len(depots) + i, seconds, closed_by, next_morning, target_as_deadline=settings.target_as_deadline)
        for i, job in enumerate(jobs)
    )
    problem = DispatchProblem(matrix.distance_m, matrix.duration_s, technicians, solver_jobs, DAY_WEIGHTS)
    return DayProblem(
        day,
        origin,
        problem,
        {tech.external_id: tech.id for tech, _ in crew},
        {job.external_id: job.id for job in jobs},
        skipped,
        frozenset(j.id for j, job in zip(solver_jobs, jobs, strict=True) if j.windows and job.window_end is None),
    )


def _still_free(present: Mapping[int, TechnicianStart] | None, technician_id: int, span: ShiftSpan) -> bool:
    """Planning the whole day (`present` None) everyone on shift counts; the rest of a day counts
    only those still present and free before their shift ends (one may leave for a visit only then).
    Planned from their shift's start, a technician whose shift is over would take jobs in the past."""
    if present is None:
        return True
    start = present.get(technician_id)
    return start is not None and start.ready_at < span.end


def _shift(
    span: ShiftSpan,
    to_s: Callable[[datetime], int],
    start: TechnicianStart | None = None,
    max_overtime: int = 0,
    break_guard: float = 1.0,
    drive_home: int = 0,
) -> Shift:
    """The solver shift; `drive_home` (seconds) from where the technician starts. One who cannot be
    back by the end plus `max_overtime` even driving straight home (late at a far customer) gets
    that much overtime: a vehicle that cannot end its empty route leaves the model without any plan."""
    begin = span.start if start is None else max(span.start, start.ready_at)
    max_overtime = max(max_overtime, to_s(begin) + drive_home - to_s(span.end))
    pause = None
    if span.break_minutes and span.break_earliest is not None and span.break_latest is not None:
        taken = start is not None and start.break_taken
        if not taken and begin <= span.break_latest:  # one past its window cannot be planned any more
            earliest = max(span.break_earliest, begin)
            pause = Break(span.break_minutes * 60, to_s(earliest), to_s(span.break_latest), break_guard)
    return Shift(to_s(begin), to_s(span.end), pause, max_overtime)


def _job(
    job: Job,
    location: int,
    to_s: Callable[[datetime], int],
    closed_by: datetime,
    next_morning: datetime,
    *,
    target_as_deadline: bool,
) -> SolverJob:
    """The solver's job. An appointment whose window closed (before `closed_by`) unserved is still
    owed a visit: it goes in without a window, already late against the window's end.

    With `target_as_deadline`, a call without an appointment whose target is still ahead must be
    reached by it: the plan serves it on target or leaves it out (the SLA watch flags it), and once
    the target has passed it comes back like any call that missed its target. A call reached a
    little late counts as late as one reached hours late, and priced by the minute it was often
    planned a few minutes past its target to save some driving (3-day replays with 2 s re-plans,
    guangzhou-normal and two copies with the overruns dealt again: on target 0.853 / 0.857 / 0.843
    against 0.843 / 0.800 / 0.810, within promise alike, nothing missed against 1 / 0 / 1).

    A target already missed by `closed_by` while the promise is still ahead is no longer priced:
    that call is off target whenever it is reached, and pricing its lateness further would only take
    visits from calls whose target can still be met (guangzhou-normal replay, 2 s re-plans: on target
    0.563 against 0.527, within promise 0.707 against 0.680, 6,010 km against 6,460)."""
    windows: tuple[Window, ...] = ()
    if job.window_start is not None and job.window_end is not None and job.window_end > closed_by:
        windows = (Window(max(0, to_s(job.window_start)), max(0, to_s(job.window_end))),)
    parts = {p["part"]: int(p["quantity"]) for p in job.parts_expected or []}
    due = due_by(job)
    target_lost = due.target_at <= closed_by < due.promise_at
    if target_as_deadline and not windows and closed_by < due.target_at:
        windows = (Window(0, max(0, to_s(due.target_at))),)
    return SolverJob(
        job.external_id,
        location,
        job.duration_min * 60,
        skill=job.skill,
        parts=MappingProxyType(parts),
        windows=windows,
        target=max(0, to_s(due.target_at)),
        target_priced=not target_lost,
        promise=max(0, to_s(due.promise_at)),
        priority=PRIORITY_WEIGHT.get(job.priority, 1.0),
        drop_share=_drop_share(due.target_at, due.promise_at, closed_by, next_morning),
        dispatched_to=_dispatched_to(job),
    )


def _drop_share(target_at: datetime, promise_at: datetime, closed_by: datetime, next_morning: datetime) -> float:
    """What leaving a job out of the day's plan loses, as a share of the drop cost: half for its
    target (still ahead), half for its promise (due by `next_morning`, or already broken: an overdue
    customer is not put off again), and half more for a promise still kept that falls due today, the
    last day it can be kept. An appointment today stakes the whole cost; a call whose target is gone
    and whose promise runs past tomorrow morning stakes nothing and is served only with time to spare
    (`LEFT_FOR_LATER`). With one drop cost for all, a full day kept two short calls rather than one
    long appointment, which then lost target and promise alike (3-day replays, 2 s re-plans:
    guangzhou-peak on target 0.689 against 0.655, appointments kept 169 of 201 against 144). Without
    the promise due today, each morning's new calls (target and promise at stake) came before the
    calls of the evening before, whose promise then broke (guangzhou-peak: within promise 0.858
    against 0.832, 22 calls missed against 33; six calls of its first evening never served)."""
    midnight = next_morning.replace(hour=0, minute=0, second=0, microsecond=0)  # the day's end
    due_today = closed_by < promise_at <= midnight
    stakes = int(closed_by < target_at) + int(promise_at <= next_morning) + int(due_today)
    return max(LEFT_FOR_LATER, min(1.0, stakes / 2))


def _dispatched_to(job: Job) -> str | None:
    """The technician a dispatched job's open visit is with."""
    if job.status != JobStatus.DISPATCHED.value:
        return None
    visit = next((v for v in job.visits if v.completed_at is None and v.arrived_at is None), None)
    return None if visit is None else visit.technician.external_id


def _van_stock(session: Session, technician_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """Parts on each technician's van, by part code."""
    rows = session.scalars(
        select(StockLevel).where(StockLevel.technician_id.in_(technician_ids)).options(selectinload(StockLevel.part))
    )
    stock: dict[int, dict[str, int]] = {}
    for row in rows:
        if row.technician_id is not None and row.quantity > 0:
            stock.setdefault(row.technician_id, {})[row.part.code] = row.quantity
    return stock
