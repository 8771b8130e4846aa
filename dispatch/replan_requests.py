"""Asking for a re-plan: events in the field or at the desk record a request; the scheduler runs one
re-plan for the pending ones (dispatch.realtime.replan_if_requested), so a web request never solves."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from dispatch.models import Job, Priority, ReplanReason, ReplanRequest, Visit

# A visit ending this much before its planned end frees the technician early: worth a re-plan.
EARLY_FINISH = timedelta(minutes=15)


def request_replan(
    session: Session,
    reason: ReplanReason,
    at: datetime,
    job: Job | None = None,
    technician_id: int | None = None,
) -> ReplanRequest:
    """Ask for a re-plan of the rest of the day soon."""
    if job is not None and job.id is None:
        session.flush()  # the request names the job by id
    request = ReplanRequest(
        reason=reason.value, job_id=None if job is None else job.id, technician_id=technician_id, requested_at=at
    )
    session.add(request)
    return request


def on_call_taken(session: Session, job: Job, at: datetime) -> None:
    """An urgent call or a complaint cannot wait for the next regular re-plan."""
    reasons = {Priority.URGENT.value: ReplanReason.URGENT_CALL, Priority.COMPLAINT.value: ReplanReason.COMPLAINT}
    if job.priority in reasons:
        request_replan(session, reasons[job.priority], at, job)


def on_visit_finished(session: Session, visit: Visit, at: datetime) -> None:
    """A technician finishing well before the plan said is free for more."""
    if visit.planned_end is not None and at < visit.planned_end - EARLY_FINISH:
        request_replan(session, ReplanReason.EARLY_FINISH, at, visit.job, visit.technician_id)
