"""The managers' dashboard: on-time rates, their breakdowns and trends, and the worst misses with causes.

Layer: dispatch. Every figure is a SQL aggregate over the records (see `dispatch.dashboard_sql`);
only the handful of worst misses is looked at row by row, to name their causes.

On time follows the replay rules: see `dispatch.dashboard_ontime`, which counts it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dispatch.dashboard_figures import OtherFigures, Roster, other_figures, roster
from dispatch.dashboard_ontime import BREAKDOWNS, Histogram, OnTime, on_time_tables, share, total
from dispatch.dashboard_sql import DashboardFilter, at, job_facts, minutes_between
from dispatch.models import Customer, JobType, Outcome, ProductKind, Technician

__all__ = ["BREAKDOWNS", "Cause", "Dashboard", "DashboardFilter", "Histogram", "Miss", "OnTime", "build_dashboard"]
WORST_MISSES = 20


class Cause(StrEnum):
    """Why a job missed its target, derived from its records (see `causes`)."""

    NOT_SERVED = "not_served"
    OUTSIDE_HOURS = "outside_hours"
    DISPATCHED_LATE = "dispatched_late"
    PLANNED_LATE = "planned_late"
    RAN_LATE = "ran_late"
    NO_PLANNED_TIME = "no_planned_time"
    CUSTOMER_NOT_HOME = "customer_not_home"
    REVISIT = "revisit"


@dataclass(frozen=True)
class Miss:
    """One job that missed its target, with how late it was and why."""

    job_id: int
    external_id: str
    received_at: datetime
    district: str
    technician: str
    priority: str
    target_due: datetime
    arrival: datetime | None
    late_min: float  # past the target; unserved: until now
    within_promise: bool
    causes: tuple[Cause, ...]


@dataclass(frozen=True)
class Dashboard:
    """Everything the managers' dashboard shows for one filter."""

    criteria: DashboardFilter
    now: datetime
    summary: OnTime
    breakdowns: dict[str, list[OnTime]]
    response_h: Histogram
    lateness_min: Histogram
    worst: list[Miss]
    other: OtherFigures
    technician_names: dict[int, str] = field(default_factory=dict)

    @property
    def visits_per_job(self) -> float | None:
        """Visits with an arrival per completed job."""
        return share(self.other.completed_visits, self.summary.completed)

    @property
    def complaint_rate(self) -> float | None:
        """Complaints per counted job."""
        return share(self.other.complaints, self.summary.jobs)


def build_dashboard(
    session: Session, criteria: DashboardFilter, now: datetime, tz: ZoneInfo, country: str
) -> Dashboard:
    """All the figures of the dashboard for `criteria`, as they stand at `now`.

    Parameters
    ----------
    session
        An open session; nothing is written.
    criteria
        The date range (business days of `tz`) and filters.
    now
        Where "deadline passed" and "pending" are measured from.
    tz, country
        Business timezone and the country of the working calendar (for "received outside working hours").
    """
    names = technician_names(session)
    # The day before the range too: a night shift that began then may cover an early-morning call.
    shifts = roster(session, [criteria.first_day - timedelta(days=1), *criteria.days], country, tz)
    tables = on_time_tables(session, criteria, now, tz, names, WORST_MISSES)
    return Dashboard(
        criteria=criteria,
        now=now,
        summary=total(tables.breakdowns["priority"]),
        breakdowns=tables.breakdowns,
        response_h=tables.response_h,
        lateness_min=tables.lateness_min,
        worst=worst_misses(session, criteria, tables.worst_ids, now, tz, shifts, names),
        other=other_figures(session, criteria, tz, country, today=now.astimezone(tz).date(), shifts=shifts),
        technician_names=names,
    )


@dataclass(frozen=True)
class FilterChoices:
    """What the filter form offers: districts, technicians (id, name), products, job types."""

    districts: list[str]
    technicians: list[tuple[int, str]]
    products: list[str]
    job_types: list[str]


def filter_choices(session: Session) -> FilterChoices:
    """The values each filter of the form may take, from the records."""
    districts = session.scalars(select(Customer.district).distinct().where(Customer.district != ""))
    names = technician_names(session)
    return FilterChoices(
        districts=sorted(districts),
        technicians=sorted(names.items(), key=lambda item: item[1]),
        products=sorted(session.scalars(select(ProductKind.code))),
        job_types=sorted(session.scalars(select(JobType.code))),
    )


def technician_names(session: Session) -> dict[int, str]:
    """Every technician's display name, "name (external id)"."""
    rows = session.execute(select(Technician.id, Technician.name, Technician.external_id))
    return {tid: f"{name} ({external})" for tid, name, external in rows}


def worst_misses(
    session: Session,
    criteria: DashboardFilter,
    job_ids: list[int],
    now: datetime,
    tz: ZoneInfo,
    shifts: Roster,
    names: dict[int, str],
) -> list[Miss]:
    """The missed jobs `job_ids` (in that order) with how late they are and the causes (`shifts`: the
    roster over at least the days the jobs came in and the days before)."""
    if not job_ids:
        return []
    facts = job_facts(criteria, tz, job_ids)
    c = facts.c
    late = minutes_between(func.coalesce(c.arrival, at(now)), c.target_due).label("late")
    found = {r.job_id: r for r in session.execute(select(facts, late))}
    rows = [found[job_id] for job_id in job_ids if job_id in found]
    # The day before too: a night shift that began then may cover an early-morning call.
    days = {r.received_at.astimezone(tz).date() - timedelta(days=back) for r in rows for back in (0, 1)}
    on_shift = _shift_spans(shifts, days)
    return [
        Miss(
            job_id=r.job_id,
            external_id=r.external_id,
            received_at=r.received_at,
            district=r.district,
            technician="" if r.technician_id is None else names.get(r.technician_id, ""),
            priority=r.priority,
            target_due=r.target_due,
            arrival=r.arrival,
            late_min=float(r.late),
            within_promise=r.arrival is not None and r.arrival <= r.promise_due,
            causes=causes(r, any(s <= r.received_at < e for s, e in on_shift)),
        )
        for r in rows
    ]


def causes(row: Any, received_on_shift: bool) -> tuple[Cause, ...]:
    """Why a job missed its target, by these rules (all that apply, in this order):

    - not served: nobody has arrived yet;
    - received outside working hours: no technician was on shift when the call came in;
    - dispatched late: its first visit was dispatched after the target had passed;
    - planned late: else, the planned arrival was already after the target;
    - ran late on route: else, planned in time but arrived late;
    - no planned time: else (served, dispatched in time, no planned arrival recorded);
    - customer not home / first visit did not fix (revisit): what the first visit ended with, which
      delays the job's completion rather than the arrival the rates count.
    """
    found: list[Cause] = []
    due = row.target_due
    if row.arrival is None:
        found.append(Cause.NOT_SERVED)
    if not received_on_shift:
        found.append(Cause.OUTSIDE_HOURS)
    if row.dispatched_at is not None and row.dispatched_at > due:
        found.append(Cause.DISPATCHED_LATE)
    elif row.planned_arrival is not None and row.planned_arrival > due:
        found.append(Cause.PLANNED_LATE)
    elif row.arrival is not None and row.planned_arrival is not None:
        found.append(Cause.RAN_LATE)
    elif row.arrival is not None:
        found.append(Cause.NO_PLANNED_TIME)
    if row.first_outcome == Outcome.CUSTOMER_NOT_HOME.value:
        found.append(Cause.CUSTOMER_NOT_HOME)
    elif row.first_outcome is not None and not Outcome(row.first_outcome).finishes_job:
        found.append(Cause.REVISIT)
    return tuple(found)


def _shift_spans(shifts: Roster, days: set[date]) -> set[tuple[datetime, datetime]]:
    """The distinct (start, end) of every technician's shift on each of `days`: technicians sharing
    hours share a span, so a call's time is checked against a handful rather than one per technician."""
    return {(span.start, span.end) for by_day in shifts.values() for day in days if (span := by_day.get(day))}
