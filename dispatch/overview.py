"""A one-glance summary of the centre: people, files, and today's calls by status."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dispatch.models import Customer, Job, Technician, Visit
from dispatch.store import JobFilter, list_jobs


@dataclass(frozen=True)
class Overview:
    """Figures of the start page."""

    day: date
    technicians: int
    customers: int
    jobs: int
    visits: int
    today_by_status: dict[str, int]
    today_jobs: list[Job]


def centre_overview(session: Session, day: date, tz: ZoneInfo) -> Overview:
    """Counts of the stored records and the calls received on `day`."""
    today = list_jobs(session, JobFilter(day=day), tz)

    def count(model: type) -> int:
        return session.scalar(select(func.count()).select_from(model)) or 0

    return Overview(
        day=day,
        technicians=count(Technician),
        customers=count(Customer),
        jobs=count(Job),
        visits=count(Visit),
        today_by_status=dict(Counter(job.status for job in today)),
        today_jobs=today,
    )
