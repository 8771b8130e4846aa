"""The job status lifecycle: every legal change works and is time-stamped, every other is refused."""

from __future__ import annotations

from itertools import pairwise, product

import pytest
from sqlalchemy.orm import Session, sessionmaker

from dispatch.errors import IllegalTransition
from dispatch.lifecycle import TRANSITIONS, change_status
from dispatch.models import JobStatus
from tests.helpers import add_job, at

LEGAL = [(a, b) for a, targets in TRANSITIONS.items() for b in sorted(targets)]
ILLEGAL = [(a, b) for a, b in product(JobStatus, JobStatus) if b not in TRANSITIONS[a]]


def test_the_happy_path_is_legal() -> None:
    """new -> planned -> dispatched -> en_route -> on_site -> completed is a chain of legal steps."""
    chain = ["new", "planned", "dispatched", "en_route", "on_site", "completed"]
    for current, wanted in pairwise(chain):
        assert JobStatus(wanted) in TRANSITIONS[JobStatus(current)]


@pytest.mark.parametrize(("current", "wanted"), LEGAL, ids=[f"{a}->{b}" for a, b in LEGAL])
def test_legal_transition_is_recorded(sessions: sessionmaker[Session], current: JobStatus, wanted: JobStatus) -> None:
    """A legal change sets the status and appends a time-stamped event, which is stored."""
    with sessions() as session:
        job = add_job(session)
        job.status = current.value
        change_status(job, wanted, at("2026-07-06 10:15"), note="test")
        session.commit()
        session.expire_all()
        assert job.status == wanted.value
        assert job.status_changed_at == at("2026-07-06 10:15")
        last = job.events[-1]
        assert (last.from_status, last.to_status, last.at) == (
            current.value,
            wanted.value,
            at("2026-07-06 10:15"),
        )


@pytest.mark.parametrize(("current", "wanted"), ILLEGAL, ids=[f"{a}->{b}" for a, b in ILLEGAL])
def test_illegal_transition_is_refused(sessions: sessionmaker[Session], current: JobStatus, wanted: JobStatus) -> None:
    """An illegal change raises and leaves the job and its history untouched."""
    with sessions() as session:
        job = add_job(session)
        job.status = current.value
        events_before = len(job.events)
        with pytest.raises(IllegalTransition, match=f"from '{current.value}' to '{wanted.value}'"):
            change_status(job, wanted, at("2026-07-06 10:15"))
        assert job.status == current.value
        assert len(job.events) == events_before


def test_cancelled_is_final() -> None:
    """Nothing leaves `cancelled`."""
    assert TRANSITIONS[JobStatus.CANCELLED] == frozenset()


def test_naive_time_is_refused(sessions: sessionmaker[Session]) -> None:
    """A status change needs an aware time."""
    from datetime import datetime

    with sessions() as session:
        job = add_job(session)
        with pytest.raises(ValueError, match="timezone"):
            change_status(job, JobStatus.PLANNED, datetime(2026, 7, 6, 10, 0))
        assert job.status == "new"
