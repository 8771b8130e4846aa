"""Complaints: dispatch layer.

Owns taking a complaint (a customer's, about one of their jobs or in general), answering it the
same day, escalating to the managers what is still unanswered at the end of the business day (a
daily scheduled task), and the managers' resolution. A complaint about a job still open raises
that job to `complaint` priority and asks for a re-plan.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from dispatch.config import Settings
from dispatch.db import transaction
from dispatch.errors import DispatchError
from dispatch.models import Complaint, Customer, Job, JobStatus, Priority
from dispatch.replan_requests import on_call_taken

logger = logging.getLogger(__name__)

# Jobs that are done with: a complaint about them changes nothing in planning.
CLOSED_STATUSES = frozenset({JobStatus.COMPLETED.value, JobStatus.CANCELLED.value})
MAX_TEXT_CHARS = 4000


class InvalidComplaint(DispatchError):
    """A complaint, answer or resolution that cannot be stored; names the field."""

    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(f"{field_name}: {reason}")
        self.field = field_name
        self.reason = reason


@dataclass(frozen=True)
class ComplaintIntake:
    """What the dispatcher notes when a customer complains."""

    customer_id: int
    text: str
    job_id: int | None = None


def _text(field_name: str, raw: str) -> str:
    text = raw.strip()
    if not text:
        raise InvalidComplaint(field_name, "must not be empty")
    if len(text) > MAX_TEXT_CHARS:
        raise InvalidComplaint(field_name, f"at most {MAX_TEXT_CHARS} characters")
    return text


def file_complaint(session: Session, intake: ComplaintIntake, user_id: int | None, now: datetime) -> Complaint:
    """Store a complaint; an open job it is about gets `complaint` priority and a re-plan request.

    Raises
    ------
    InvalidComplaint
        When the text is empty, the customer unknown, or the job not the customer's.
    """
    text = _text("text", intake.text)
    customer = session.get(Customer, intake.customer_id)
    if customer is None:
        raise InvalidComplaint("customer", f"no customer {intake.customer_id}")
    job = None
    if intake.job_id is not None:
        job = session.get(Job, intake.job_id)
        if job is None or job.customer_id != customer.id:
            raise InvalidComplaint("job", f"customer {customer.external_id} has no job {intake.job_id}")
    complaint = Complaint(
        customer=customer, job=job, received_at=now, received_by_id=user_id, text=text, answer="", resolution=""
    )
    session.add(complaint)
    if job is not None and job.status not in CLOSED_STATUSES:
        job.priority = Priority.COMPLAINT.value
        on_call_taken(session, job, now)  # a complaint-priority job asks for a re-plan
    return complaint


def answer_complaint(session: Session, complaint: Complaint, answer: str, now: datetime) -> Complaint:
    """Record the same-day answer to the customer.

    Raises
    ------
    InvalidComplaint
        When the answer is empty or the complaint was answered already.
    """
    if complaint.answered_at is not None:
        raise InvalidComplaint("answer", "this complaint was answered already")
    complaint.answer = _text("answer", answer)
    complaint.answered_at = now
    return complaint


def resolve_complaint(
    session: Session, complaint: Complaint, resolution: str, user_id: int | None, now: datetime
) -> Complaint:
    """Record how a manager settled the complaint.

    Raises
    ------
    InvalidComplaint
        When the resolution is empty or the complaint was resolved already.
    """
    if complaint.resolved_at is not None:
        raise InvalidComplaint("resolution", "this complaint was resolved already")
    complaint.resolution = _text("resolution", resolution)
    complaint.resolved_at = now
    complaint.resolved_by_id = user_id
    return complaint


def escalate_unanswered(session: Session, now: datetime) -> list[Complaint]:
    """Escalate every complaint received by `now` and still unanswered (and unresolved) to the managers.

    Each escalation is stamped and logged as a warning to the managers; the nav badge counts them
    until resolved. A complaint is escalated once.
    """
    due = list(
        session.scalars(
            select(Complaint)
            .where(
                Complaint.answered_at.is_(None),
                Complaint.resolved_at.is_(None),
                Complaint.escalated_at.is_(None),
                Complaint.received_at <= now,
            )
            .options(selectinload(Complaint.customer))
            .order_by(Complaint.received_at, Complaint.id)
        )
    )
    for complaint in due:
        complaint.escalated_at = now
        logger.warning(
            "to the managers: complaint %d of customer %s (%s), received %s, has no answer; escalated",
            complaint.id,
            complaint.customer.external_id,
            complaint.customer.name,
            complaint.received_at.isoformat(),
        )
    return due


def escalate_complaints(sessions: sessionmaker[Session], settings: Settings, now: datetime) -> str:
    """Scheduled task, at the end of the business day: see `escalate_unanswered`."""
    with transaction(sessions) as session:
        escalated = escalate_unanswered(session, now)
    return f"{len(escalated)} complaint(s) escalated"


def escalated_open_count(session: Session) -> int:
    """How many escalated complaints still wait for a manager's resolution (the nav badge)."""
    count = session.scalar(
        select(func.count())
        .select_from(Complaint)
        .where(Complaint.escalated_at.is_not(None), Complaint.resolved_at.is_(None))
    )
    return int(count or 0)


def list_complaints(session: Session, open_only: bool = True, escalated_only: bool = False) -> list[Complaint]:
    """Complaints, newest first (at most 500).

    Open ones by default: not resolved, and either unanswered or escalated (an escalated complaint
    waits for a manager's resolution even once answered; an answered one that never escalated is done).
    """
    query = select(Complaint).options(selectinload(Complaint.customer), selectinload(Complaint.job))
    if open_only:
        query = query.where(
            Complaint.resolved_at.is_(None),
            or_(Complaint.answered_at.is_(None), Complaint.escalated_at.is_not(None)),
        )
    if escalated_only:
        query = query.where(Complaint.escalated_at.is_not(None))
    return list(session.scalars(query.order_by(Complaint.received_at.desc(), Complaint.id.desc()).limit(500)))
