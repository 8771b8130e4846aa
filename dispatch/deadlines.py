"""The 6-hour target and 24-hour promise of a call, counted in elapsed hours from its receipt."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Deadlines:
    """When a technician should (target) and must (promise) be on site."""

    target_at: datetime
    promise_at: datetime


def compute_deadlines(received_at: datetime, target_hours: float, promise_hours: float, tz: ZoneInfo) -> Deadlines:
    """Add the target and promise hours to `received_at`, in the business timezone.

    Hours are elapsed time: the sum is taken in UTC, so a clock change (in a timezone that has
    one) neither stretches nor shortens a deadline.

    Raises
    ------
    ValueError
        When `received_at` is naive.
    """
    if received_at.tzinfo is None or received_at.utcoffset() is None:
        raise ValueError("received_at must carry a timezone")
    utc = received_at.astimezone(UTC)
    return Deadlines(
        target_at=(utc + timedelta(hours=target_hours)).astimezone(tz),
        promise_at=(utc + timedelta(hours=promise_hours)).astimezone(tz),
    )


class Scheduled(Protocol):
    """What a job carries that decides when it is due."""

    target_at: datetime
    promise_at: datetime
    window_end: datetime | None


def due_by(job: Scheduled) -> Deadlines:
    """The job's target and promise as planning and the SLA watch count them: for an appointment, both
    are the end of the customer's window (arriving in it is on time, whatever the call's hour)."""
    if job.window_end is not None:
        return Deadlines(job.window_end, job.window_end)
    return Deadlines(job.target_at, job.promise_at)
