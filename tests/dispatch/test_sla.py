"""Jobs at risk of missing the target or the promise."""

from __future__ import annotations

from datetime import datetime, timedelta

from dispatch.models import Job, Visit
from dispatch.sla import risk

CALL = datetime.fromisoformat("2026-11-23T09:00:00+08:00")


def _job(status: str = "new", planned: datetime | None = None) -> Job:
    job = Job(status=status, target_at=CALL + timedelta(hours=6), promise_at=CALL + timedelta(hours=24))
    if planned is not None:
        job.visits.append(Visit(number=1, planned_arrival=planned))
    return job


def test_risk_grows_as_deadlines_near_and_stops_on_site() -> None:
    assert risk(_job(), CALL + timedelta(hours=1)) is None
    assert risk(_job(), CALL + timedelta(hours=5, minutes=30)) == "target"
    assert risk(_job(), CALL + timedelta(hours=23, minutes=30)) == "promise"
    assert risk(_job("on_site"), CALL + timedelta(hours=30)) is None


def test_a_planned_arrival_after_a_deadline_is_a_risk_now() -> None:
    assert risk(_job("dispatched", CALL + timedelta(hours=7)), CALL + timedelta(hours=1)) == "target"
    assert risk(_job("dispatched", CALL + timedelta(hours=25)), CALL + timedelta(hours=1)) == "promise"
    assert risk(_job("dispatched", CALL + timedelta(hours=2)), CALL + timedelta(hours=1)) is None
