"""Which open jobs are at risk of missing the 6-hour target or the 24-hour promise."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from dispatch.deadlines import due_by
from dispatch.models import Job, JobStatus

# A job is at risk this long before a deadline if nobody is on site yet.
WARNING = timedelta(hours=1)
# On site (or done, or cancelled): the deadlines no longer run.
SETTLED = frozenset({JobStatus.ON_SITE.value, JobStatus.COMPLETED.value, JobStatus.CANCELLED.value})


def risk(job: Job, now: datetime) -> str | None:
    """ "promise" or "target" when that deadline is past or within WARNING (or the planned arrival
    misses it) and nobody is on site yet; None otherwise."""
    if job.status in SETTLED:
        return None
    visit = job.visits[-1] if job.visits else None
    planned = visit.planned_arrival if visit is not None and visit.completed_at is None else None
    for name, deadline in (("promise", job.promise_at), ("target", job.target_at)):
        if now >= deadline - WARNING or (planned is not None and planned > deadline):
            return name
    return None


# Jobs the SLA watch follows: received, nobody on site yet.
WATCHED = (
    JobStatus.NEW.value,
    JobStatus.PLANNED.value,
    JobStatus.NEEDS_REVISIT.value,
    JobStatus.DISPATCHED.value,
    JobStatus.EN_ROUTE.value,
)


@dataclass(frozen=True)
class SlaFlag:
    """A job whose predicted arrival misses a deadline, or that no plan serves."""

    job_id: int
    external_id: str
    deadline: str  # "target" or "promise" (for a windowed job: its window's end, both)
    due: datetime
    predicted: datetime | None  # None: unassigned
    slack_min: int  # due minus the predicted arrival (or now, unassigned): negative is late

    @property
    def unassigned(self) -> bool:
        return self.predicted is None


def sla_flags(session: Session, now: datetime) -> list[SlaFlag]:
    """Every watched job received by `now` that will miss its target or promise as planned, or has no
    planned arrival; most urgent (least slack) first."""
    jobs = session.scalars(
        select(Job)
        .where(Job.status.in_(WATCHED), Job.received_at <= now)
        .options(selectinload(Job.visits))
        .order_by(Job.id)
    )
    flags = [flag for job in jobs if (flag := _flag(job, now)) is not None]
    return sorted(flags, key=lambda f: (f.slack_min, f.deadline != "promise", f.job_id))


def _flag(job: Job, now: datetime) -> SlaFlag | None:
    visit = job.visits[-1] if job.visits else None
    predicted = None
    if visit is not None and visit.completed_at is None and job.status != JobStatus.NEEDS_REVISIT.value:
        predicted = visit.planned_arrival
    owed = due_by(job)
    deadlines = [("promise", owed.promise_at), ("target", owed.target_at)]
    if job.window_end is not None:  # one deadline: the window's end
        deadlines = deadlines[:1]
    if predicted is None:
        # Unassigned: the nearest deadline still ahead, else the promise already missed.
        name, due = next(((n, d) for n, d in reversed(deadlines) if d > now), deadlines[0])
        return SlaFlag(job.id, job.external_id, name, due, None, _minutes(due - now))
    for name, due in deadlines:
        if predicted > due:
            return SlaFlag(job.id, job.external_id, name, due, predicted, _minutes(due - predicted))
    return None


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)
