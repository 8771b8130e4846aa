"""Complaints: intake raises the open job's priority, same-day answers, end-of-day escalation, resolution."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dispatch.complaints import (
    ComplaintIntake,
    InvalidComplaint,
    answer_complaint,
    escalated_open_count,
    file_complaint,
    list_complaints,
    resolve_complaint,
)
from dispatch.config import Settings
from dispatch.models import Complaint, ReplanRequest
from dispatch.scheduling import TASKS, run_and_record
from tests.helpers import add_job, at

ESCALATION = next(task for task in TASKS if task.id == "escalate_complaints")


def _complaint(
    session: Session, received: str = "2026-07-06 10:00", job_status: str = "planned", job_id: str = "J1"
) -> Complaint:
    job = add_job(session, job_id, received="2026-07-06 08:00")
    job.status = job_status
    session.flush()
    complaint = file_complaint(session, ComplaintIntake(job.customer_id, "师傅迟到两小时", job.id), None, at(received))
    session.flush()
    return complaint


def test_a_complaint_about_an_open_job_raises_its_priority_and_asks_for_a_replan(
    sessions: sessionmaker[Session],
) -> None:
    """The job gets `complaint` priority and a complaint re-plan request."""
    with sessions.begin() as session:
        complaint = _complaint(session)
        session.flush()
        assert complaint.job is not None and complaint.job.priority == "complaint"
        requests = session.scalars(select(ReplanRequest)).all()
        assert [(r.reason, r.job_id) for r in requests] == [("complaint", complaint.job_id)]


def test_a_complaint_about_a_completed_job_changes_no_plan(sessions: sessionmaker[Session]) -> None:
    """A job done with keeps its priority; nothing is re-planned."""
    with sessions.begin() as session:
        complaint = _complaint(session, job_status="completed")
        session.flush()
        assert complaint.job is not None and complaint.job.priority == "normal"
        assert session.scalars(select(ReplanRequest)).all() == []


@pytest.mark.parametrize(
    ("text", "other_customer", "field"),
    [("  ", False, "text"), ("太慢", True, "job")],
)
def test_bad_complaints_are_refused_naming_the_field(
    sessions: sessionmaker[Session], text: str, other_customer: bool, field: str
) -> None:
    """An empty text, or a job of another customer, is refused and nothing is stored."""
    with sessions.begin() as session:
        job = add_job(session, "J1")
        other = add_job(session, "J2")
        session.flush()
        customer_id = other.customer_id if other_customer else job.customer_id
        with pytest.raises(InvalidComplaint, match=f"^{field}:"):
            file_complaint(session, ComplaintIntake(customer_id, text, job.id), None, at("2026-07-06 10:00"))
        assert session.scalars(select(Complaint)).all() == [] and job.priority == "normal"


def test_unanswered_complaint_escalates_at_the_end_of_the_day_and_an_answered_one_does_not(
    sessions: sessionmaker[Session], settings: Settings
) -> None:
    """At 18:00 (frozen clock) the unanswered complaint is escalated and counted in the badge; the answered one is not."""
    with sessions.begin() as session:
        unanswered = _complaint(session).id
        answered = _complaint(session, "2026-07-06 11:00", job_id="J2")
        answer_complaint(session, answered, "已安排明早上门并致歉", at("2026-07-06 15:00"))
        answered_id = answered.id
    end_of_day = at("2026-07-06 18:00")
    run = run_and_record(ESCALATION, sessions, settings, end_of_day)
    assert run.error == "" and run.outcome == "'1 complaint(s) escalated'"
    with sessions() as session:
        assert session.get_one(Complaint, unanswered).escalated_at == end_of_day
        assert session.get_one(Complaint, answered_id).escalated_at is None
        assert escalated_open_count(session) == 1
    again = run_and_record(ESCALATION, sessions, settings, at("2026-07-07 18:00"))
    assert again.outcome == "'0 complaint(s) escalated'"  # escalated once


def test_escalation_runs_at_the_configured_time(settings: Settings) -> None:
    """By default at 18:00 in the business timezone; DISPATCH_COMPLAINTS_ESCALATE_AT moves it."""
    assert ESCALATION.schedule.at(settings) == (18, 0)  # type: ignore[union-attr]
    assert ESCALATION.schedule.at(replace(settings, complaints_escalate_at="20:30")) == (20, 30)  # type: ignore[union-attr]
    assert Settings.from_env({"DISPATCH_COMPLAINTS_ESCALATE_AT": "21:15"}).complaints_escalate_at == "21:15"


def test_a_complaint_received_after_the_run_waits_for_the_next_one(
    sessions: sessionmaker[Session], settings: Settings
) -> None:
    """A complaint taken at 18:30 is not escalated by the 18:00 run, whose clock is earlier."""
    with sessions.begin() as session:
        late = _complaint(session, "2026-07-06 18:30").id
    run_and_record(ESCALATION, sessions, settings, at("2026-07-06 18:00"))
    with sessions() as session:
        assert session.get_one(Complaint, late).escalated_at is None


def test_manager_resolution_clears_the_badge_and_the_open_list(sessions: sessionmaker[Session]) -> None:
    """Resolving an escalated complaint stores who and how, and it leaves the badge and the open list."""
    with sessions.begin() as session:
        complaint = _complaint(session)
        complaint.escalated_at = at("2026-07-06 18:00")
        assert escalated_open_count(session) == 1
        assert list_complaints(session) == [complaint]
        resolve_complaint(session, complaint, "电话致歉，减免上门费", None, at("2026-07-07 09:00"))
        assert complaint.resolution == "电话致歉，减免上门费" and complaint.resolved_at == at("2026-07-07 09:00")
        assert escalated_open_count(session) == 0
        assert list_complaints(session) == [] and list_complaints(session, open_only=False) == [complaint]
        with pytest.raises(InvalidComplaint, match=r"^resolution:"):
            resolve_complaint(session, complaint, "again", None, at("2026-07-07 10:00"))


def test_an_answer_is_needed_and_given_once(sessions: sessionmaker[Session]) -> None:
    """An empty answer is refused; a second answer too; an answered complaint leaves the open list."""
    with sessions.begin() as session:
        complaint = _complaint(session)
        with pytest.raises(InvalidComplaint, match=r"^answer:"):
            answer_complaint(session, complaint, " ", at("2026-07-06 12:00"))
        answer_complaint(session, complaint, "已回复", at("2026-07-06 12:00"))
        with pytest.raises(InvalidComplaint, match="answered already"):
            answer_complaint(session, complaint, "再回复", at("2026-07-06 13:00"))
        assert complaint.answer == "已回复" and list_complaints(session) == []
