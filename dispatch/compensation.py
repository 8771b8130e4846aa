"""Late-arrival compensation: dispatch layer.

Owns the rule (a percentage of the job's charge, clamped to a minimum and a maximum, in yuan; from
Settings) and the report of the jobs whose 24-hour promise was missed in a date range. Money is
Decimal throughout, rounded half up to the fen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from dispatch.config import Settings
from dispatch.models import Job, JobStatus, Visit, VisitPart
from dispatch.warranty import CENT, job_remedy, labour_fees, warranty_terms
from dispatch.warranty import charges as job_charges

MAX_REPORT_DAYS = 366


@dataclass(frozen=True)
class CompensationRule:
    """`percent` of the job's charge, at least `minimum` and at most `maximum` yuan."""

    percent: Decimal
    minimum: Decimal
    maximum: Decimal

    def __post_init__(self) -> None:
        if self.percent < 0:
            raise ValueError("DISPATCH_COMPENSATION_PERCENT: must not be negative")
        if self.minimum < 0:
            raise ValueError("DISPATCH_COMPENSATION_MIN_YUAN: must not be negative")
        if self.maximum < self.minimum:
            raise ValueError("DISPATCH_COMPENSATION_MAX_YUAN: must not be below the minimum")

    @classmethod
    def from_settings(cls, settings: Settings) -> CompensationRule:
        """The configured rule; through str so that 5.0 becomes exactly Decimal('5.0')."""
        return cls(
            percent=Decimal(str(settings.compensation_percent)),
            minimum=Decimal(str(settings.compensation_min_yuan)),
            maximum=Decimal(str(settings.compensation_max_yuan)),
        )

    def amount(self, charge: Decimal) -> Decimal:
        """The compensation owed for a missed promise on a job charged `charge` (0 in warranty).

        Raises
        ------
        ValueError
            When the charge is negative.
        """
        if charge < 0:
            raise ValueError(f"charge: {charge} is negative")
        share = charge * self.percent / 100
        return min(max(share, self.minimum), self.maximum).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class LateJob:
    """A job whose promise was missed, and what it is owed."""

    job: Job
    arrived_at: datetime | None  # None: nobody on site yet
    late_min: int
    charge: Decimal
    compensation: Decimal


def first_arrival(job: Job) -> datetime | None:
    """When a technician first reached the customer for this job."""
    arrivals = [visit.arrived_at for visit in job.visits if visit.arrived_at is not None]
    return min(arrivals) if arrivals else None


def _lateness(job: Job, now: datetime) -> tuple[datetime | None, timedelta] | None:
    """(first arrival, how late) when the job missed its promise by `now`, else None."""
    arrived = first_arrival(job)
    reference = arrived if arrived is not None else now
    if reference <= job.promise_at:
        return None
    return arrived, reference - job.promise_at


def late_jobs(session: Session, first_day: date, last_day: date, settings: Settings, now: datetime) -> list[LateJob]:
    """Jobs whose promise fell on `first_day`..`last_day` (business timezone) and was missed, by promise.

    A job nobody reached yet counts once its promise has passed `now`; cancelled jobs do not count.

    Raises
    ------
    ValueError
        When the range is reversed or longer than MAX_REPORT_DAYS, naming the field.
    """
    if last_day < first_day:
        raise ValueError(f"last_day: {last_day.isoformat()} is before first_day {first_day.isoformat()}")
    if (last_day - first_day).days >= MAX_REPORT_DAYS:
        raise ValueError(f"last_day: a report covers at most {MAX_REPORT_DAYS} days")
    tz, rule = settings.tz, CompensationRule.from_settings(settings)
    start = datetime.combine(first_day, time(), tz)
    end = datetime.combine(last_day + timedelta(days=1), time(), tz)
    jobs = session.scalars(
        select(Job)
        .where(Job.promise_at >= start, Job.promise_at < end, Job.status != JobStatus.CANCELLED.value)
        .options(
            selectinload(Job.visits).selectinload(Visit.parts).selectinload(VisitPart.part),
            selectinload(Job.owned_product),
            selectinload(Job.customer),
        )
        .order_by(Job.promise_at, Job.id)
    )
    terms, fees = warranty_terms(session), labour_fees(session)
    rows = []
    for job in jobs:
        missed = _lateness(job, now)
        if missed is None:
            continue
        arrived, late = missed
        charge = job_charges(job, job_remedy(job, terms, tz), fees).total
        rows.append(LateJob(job, arrived, int(late.total_seconds() // 60), charge, rule.amount(charge)))
    return rows
