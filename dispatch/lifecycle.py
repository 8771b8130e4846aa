"""The job status lifecycle: which changes are legal, and the time-stamped change itself."""

from __future__ import annotations

from datetime import datetime

from dispatch.errors import IllegalTransition
from dispatch.models import Job, JobEvent, JobStatus

S = JobStatus
# new -> planned -> dispatched -> en_route -> on_site -> completed, plus cancelled and
# needs_revisit (back to planning for another visit). A plan may be withdrawn (back one step);
# a follow-up call may find a completed job not solved after all.
TRANSITIONS: dict[JobStatus, frozenset[JobStatus]] = {
    S.NEW: frozenset({S.PLANNED, S.CANCELLED}),
    S.PLANNED: frozenset({S.DISPATCHED, S.NEW, S.CANCELLED}),
    S.DISPATCHED: frozenset({S.EN_ROUTE, S.PLANNED, S.CANCELLED}),
    S.EN_ROUTE: frozenset({S.ON_SITE, S.DISPATCHED, S.CANCELLED}),
    S.ON_SITE: frozenset({S.COMPLETED, S.NEEDS_REVISIT}),
    S.NEEDS_REVISIT: frozenset({S.PLANNED, S.CANCELLED}),
    S.COMPLETED: frozenset({S.NEEDS_REVISIT}),
    S.CANCELLED: frozenset(),
}
OPEN_STATUSES = frozenset({S.NEW, S.PLANNED, S.NEEDS_REVISIT})


def can_change(current: str, wanted: str) -> bool:
    """Whether the lifecycle allows going from `current` to `wanted`."""
    return JobStatus(wanted) in TRANSITIONS[JobStatus(current)]


def change_status(job: Job, wanted: JobStatus | str, at: datetime, note: str = "") -> JobEvent:
    """Move `job` to `wanted` at time `at`, recording the change in its history.

    Raises
    ------
    IllegalTransition
        When the lifecycle does not allow the change; the job is left as it was.
    ValueError
        When `at` is naive.
    """
    if at.tzinfo is None:
        raise ValueError("status change time must carry a timezone")
    target = JobStatus(wanted)
    if not can_change(job.status, target):
        raise IllegalTransition(job.external_id, job.status, target.value)
    event = JobEvent(from_status=job.status, to_status=target.value, at=at, note=note)
    job.events.append(event)
    job.status = target.value
    job.status_changed_at = at
    return event


def open_job(job: Job, at: datetime, note: str = "received") -> JobEvent:
    """Give a new job its first status and history entry."""
    job.status = JobStatus.NEW.value
    job.status_changed_at = at
    event = JobEvent(from_status=None, to_status=JobStatus.NEW.value, at=at, note=note)
    job.events.append(event)
    return event
