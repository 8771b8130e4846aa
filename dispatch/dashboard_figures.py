"""The dashboard's figures beyond on-time: visits per job, utilisation, travel, satisfaction, complaints,
follow-ups and parts. Layer: dispatch; SQL aggregates, as in `dispatch.dashboard`.

Which records each figure reads (the filter's date range is in business days):

- visits per job: visits with an arrival, of the counted jobs that are completed (over those jobs);
- utilisation: visits by their own arrival time in the range, of the filtered technician (the job
  filters do not apply: a technician's day is not split by product);
- travel km per job: the planned distance of each day's *published* plan (its routes' `distance_m`,
  returns to the depot included) over the stops on those routes: what the centre committed to drive,
  since actual driving is not recorded;
- satisfaction: the verdicts recorded on the visits of the counted jobs;
- complaints: received in the range (with job filters set: only those linked to a matching job);
- follow-ups: those of the counted jobs due by today; done when `done_at` is set;
- parts: parts replaced on the visits of the counted jobs, valued at the catalogue's unit price.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Float, Select, and_, func, select
from sqlalchemy.orm import Session, selectinload

from dispatch.dashboard_sql import DashboardFilter, at, day_bucket, day_start, flag, minutes_between, of_counted_jobs
from dispatch.models import (
    Complaint,
    DayPlan,
    FollowUp,
    Job,
    JobStatus,
    Part,
    PlanRoute,
    PlanStop,
    Satisfaction,
    Technician,
    Visit,
    VisitPart,
)
from dispatch.roster import ShiftSpan, shifts_over


@dataclass(frozen=True)
class Utilisation:
    """One technician's minutes over the range.

    `available_min`: shift length less the break; `idle_min`: available time neither driving nor on
    site; `overtime_min`: from the shift's end (or the whole day on a day off) to the day's last
    completed visit (the drive home is not recorded).
    """

    technician: str
    available_min: float
    on_site_min: float
    driving_min: float
    overtime_min: float

    @property
    def idle_min(self) -> float:
        return max(0.0, self.available_min - (self.on_site_min + self.driving_min - self.overtime_min))

    @property
    def busy_share(self) -> float | None:
        """On site and driving within the shift, over the available time."""
        if not self.available_min:
            return None
        return (self.available_min - self.idle_min) / self.available_min


@dataclass(frozen=True)
class PartUse:
    """How many of one part were replaced, and their value."""

    code: str
    name: str
    quantity: int
    value: float


@dataclass(frozen=True)
class OtherFigures:
    """The dashboard's figures beyond on-time (see the module docstring for what each counts)."""

    completed_visits: int  # visits with an arrival, of the completed jobs
    utilisation: list[Utilisation]
    planned_km: float
    planned_stops: int
    satisfaction: dict[str, int]
    complaints: int
    follow_ups_due: int
    follow_ups_done: int
    parts: list[PartUse]

    @property
    def km_per_job(self) -> float | None:
        return self.planned_km / self.planned_stops if self.planned_stops else None

    @property
    def follow_up_rate(self) -> float | None:
        return self.follow_ups_done / self.follow_ups_due if self.follow_ups_due else None

    def satisfaction_share(self, verdict: str) -> float | None:
        """Share of the recorded verdicts that are `verdict`."""
        recorded = sum(self.satisfaction.values())
        return self.satisfaction.get(verdict, 0) / recorded if recorded else None


def other_figures(
    session: Session,
    criteria: DashboardFilter,
    tz: ZoneInfo,
    country: str,
    today: date | None = None,
    shifts: Roster | None = None,
) -> OtherFigures:
    """The figures beyond on-time for `criteria`; follow-ups count once due, up to `today` (default: the
    range's end), also when that is after the range: a job of the range's last day is followed up later.
    `shifts`: the roster over at least the range's days, if already read."""
    km, stops = planned_travel(session, criteria)
    due_by = today if today is not None else criteria.last_day
    due, done = follow_ups(session, criteria, tz, due_by)
    verdicts, completed_visits = visit_records(session, criteria, tz)
    return OtherFigures(
        completed_visits=completed_visits,
        utilisation=utilisation(session, criteria, tz, country, shifts),
        planned_km=km,
        planned_stops=stops,
        satisfaction=verdicts,
        complaints=complaints(session, criteria, tz),
        follow_ups_due=due,
        follow_ups_done=done,
        parts=parts_used(session, criteria, tz),
    )


def visit_records(session: Session, criteria: DashboardFilter, tz: ZoneInfo) -> tuple[dict[str, int], int]:
    """Visits of the counted jobs per recorded verdict, and the visits with an arrival of the completed ones.

    A count per verdict (the column only holds Satisfaction values) rather than GROUP BY: one pass
    over the visits, where grouping would sort them all.
    """
    verdicts = sorted(v.value for v in Satisfaction)
    of_completed = flag(and_(Job.status == JobStatus.COMPLETED.value, Visit.arrived_at.is_not(None)))
    counts = [func.sum(flag(Visit.satisfaction == v)) for v in verdicts]
    stmt = select(func.sum(of_completed), *counts).join(Job, Job.id == Visit.job_id)
    completed, *found = session.execute(of_counted_jobs(stmt, Visit.job_id, criteria, tz)).one()
    return {v: int(n) for v, n in zip(verdicts, found, strict=True) if n}, int(completed or 0)


def complaints(session: Session, criteria: DashboardFilter, tz: ZoneInfo) -> int:
    """Complaints received in the range (only those of matching jobs when job filters are set)."""
    stmt = select(func.count(Complaint.id)).where(
        Complaint.received_at >= day_start(criteria.first_day, tz),
        Complaint.received_at < day_start(criteria.last_day + timedelta(days=1), tz),
    )
    if criteria.narrows_jobs:
        stmt = of_counted_jobs(stmt, Complaint.job_id, criteria, tz)
    return session.scalar(stmt) or 0


def follow_ups(session: Session, criteria: DashboardFilter, tz: ZoneInfo, due_by: date) -> tuple[int, int]:
    """Follow-ups of the counted jobs due by `due_by`, and how many of them are done."""
    stmt = select(func.count(FollowUp.id), func.count(FollowUp.done_at)).where(FollowUp.due_on <= due_by)
    row = session.execute(of_counted_jobs(stmt, FollowUp.job_id, criteria, tz)).one()
    return int(row[0]), int(row[1])


def parts_used(session: Session, criteria: DashboardFilter, tz: ZoneInfo) -> list[PartUse]:
    """Parts replaced on the visits of the counted jobs, most valuable first."""
    value = func.sum(VisitPart.quantity * Part.unit_price, type_=Float)
    stmt = (
        select(Part.code, Part.name, func.sum(VisitPart.quantity), value)
        .join(VisitPart, VisitPart.part_id == Part.id)
        .join(Visit, Visit.id == VisitPart.visit_id)
    )
    rows = session.execute(
        of_counted_jobs(stmt, Visit.job_id, criteria, tz)
        .group_by(Part.id, Part.code, Part.name)
        .order_by(value.desc(), Part.code)
    )
    return [PartUse(code, name, int(qty), round(float(val or 0), 2)) for code, name, qty, val in rows]


def planned_travel(session: Session, criteria: DashboardFilter) -> tuple[float, int]:
    """Kilometres and stops of the published plans of the range's days (of the filtered technician)."""
    routes = (
        select(PlanRoute.id, PlanRoute.distance_m)
        .join(DayPlan, DayPlan.published_version_id == PlanRoute.version_id)
        .where(DayPlan.day >= criteria.first_day, DayPlan.day <= criteria.last_day)
    )
    if criteria.technician_id is not None:
        routes = routes.where(PlanRoute.technician_id == criteria.technician_id)
    chosen = routes.subquery()
    metres = session.scalar(select(func.sum(chosen.c.distance_m))) or 0
    stops = session.scalar(select(func.count(PlanStop.id)).where(PlanStop.route_id.in_(select(chosen.c.id)))) or 0
    return metres / 1000, int(stops)


# Each technician's shifts by day (days off left out), by technician id.
Roster = dict[int, dict[date, ShiftSpan]]


def roster(session: Session, days: Sequence[date], country: str, tz: ZoneInfo) -> Roster:
    """Every technician's shifts on `days`, by the roster's rules (dated shifts, weekly pattern,
    absences, holidays): loaded once for the utilisation and the worst misses' causes."""
    technicians = session.scalars(
        select(Technician).options(
            selectinload(Technician.weekly_shifts), selectinload(Technician.shifts), selectinload(Technician.absences)
        )
    )
    return {t.id: shifts_over(t, days, country, tz) for t in technicians}


def utilisation(
    session: Session, criteria: DashboardFilter, tz: ZoneInfo, country: str, shifts: Roster | None = None
) -> list[Utilisation]:
    """Each technician's available, on-site, driving and overtime minutes in the range, by name
    (`shifts`: the roster over at least the range's days, else read here)."""
    day = day_bucket(Visit.arrived_at, criteria.days, tz).label("day")
    # The day's first start and last completion as minutes from the range's start: numbers, not some
    # 20,000 timestamps to parse, compared below with the shift's end measured the same way.
    origin = day_start(criteria.first_day, tz)
    started = minutes_between(func.min(func.coalesce(Visit.en_route_at, Visit.arrived_at)), at(origin))
    last = minutes_between(func.max(Visit.completed_at), at(origin))
    on_site = func.sum(minutes_between(Visit.completed_at, Visit.arrived_at))
    driving = func.sum(minutes_between(Visit.arrived_at, Visit.en_route_at))
    stmt = (
        select(Visit.technician_id, day, started, last, on_site, driving)
        .where(
            and_(
                Visit.arrived_at >= day_start(criteria.first_day, tz),
                Visit.arrived_at < day_start(criteria.last_day + timedelta(days=1), tz),
            )
        )
        .group_by(Visit.technician_id, day)
    )
    if criteria.technician_id is not None:
        stmt = stmt.where(Visit.technician_id == criteria.technician_id)
    worked = {(tid, d): (first, last, site, drive) for tid, d, first, last, site, drive in session.execute(stmt)}
    if shifts is None:
        shifts = roster(session, criteria.days, country, tz)
    names = {tid: f"{name} ({external})" for tid, name, external in session.execute(_technicians(criteria))}
    return _per_technician(criteria, worked, shifts, names, origin)


def _technicians(criteria: DashboardFilter) -> Select[int, str, str]:
    stmt = select(Technician.id, Technician.name, Technician.external_id)
    if criteria.technician_id is not None:
        stmt = stmt.where(Technician.id == criteria.technician_id)
    return stmt


def _per_technician(
    criteria: DashboardFilter,
    worked: Mapping[tuple[int, str], tuple[float | None, float | None, float | None, float | None]],
    shifts: Roster,
    names: Mapping[int, str],
    origin: datetime,
) -> list[Utilisation]:
    """Join the worked minutes per technician-day (times as minutes from `origin`) with the roster's
    shifts of those days."""
    days = [(day, day.isoformat()) for day in criteria.days]
    totals: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])
    nothing = (None, None, None, None)
    for tid in names:
        on_shift = shifts.get(tid, {})
        for day, iso in days:
            span = on_shift.get(day)
            first, last, site, drive = worked.get((tid, iso), nothing)
            if span is None and last is None:
                continue
            sums = totals[tid]
            shift_end = first
            if span is not None:
                sums[0] += (span.end - span.start).total_seconds() / 60 - span.break_minutes
                shift_end = (span.end - origin).total_seconds() / 60
            sums[1] += float(site or 0)
            sums[2] += float(drive or 0)
            sums[3] += _overtime_min(shift_end, last)
    rows = [Utilisation(names[tid], *sums) for tid, sums in totals.items()]
    return sorted(rows, key=lambda u: u.technician)


def _overtime_min(shift_end: float | None, last_completed: float | None) -> float:
    if shift_end is None or last_completed is None:
        return 0.0
    return max(0.0, float(last_completed) - shift_end)
