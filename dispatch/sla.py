"""Which open jobs are at risk of missing the 6-hour target or the 24-hour promise."""

from __future__ import annotations

from datetime import datetime, timedelta

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
