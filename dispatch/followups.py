"""Follow-up (return) calls: dispatch layer.

Owns the call owed to a customer the day after a repair or an install was completed: creating them
(a daily scheduled task, idempotent), sharing them out among the dispatchers, the list of calls due,
and recording the answer. "Not solved" sends the job back to planning for another visit, urgently.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from dispatch.config import Settings
from dispatch.db import transaction
from dispatch.errors import DispatchError
from dispatch.lifecycle import change_status
from dispatch.models import (
    FINISHING_OUTCOMES,
    FollowUp,
    Job,
    JobStatus,
    Priority,
    ReplanReason,
    Role,
    Satisfaction,
    User,
    Visit,
)
from dispatch.replan_requests import request_replan

logger = logging.getLogger(__name__)

# Job types whose result the customer can judge a day later; maintenance and delivery get no call.
FOLLOWED_UP_JOB_TYPES = ("repair", "install")


class InvalidAnswer(DispatchError):
    """A follow-up answer that cannot be stored; names the field."""

    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(f"{field_name}: {reason}")
        self.field = field_name
        self.reason = reason


@dataclass(frozen=True)
class FollowUpAnswer:
    """What the dispatcher learnt on the call; `solved` and `satisfaction` only when someone answered."""

    reached: bool
    solved: bool | None = None
    satisfaction: Satisfaction | None = None
    note: str = ""


def _day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(), tz)
    return start, datetime.combine(day + timedelta(days=1), time(), tz)


def completing_visits(session: Session, day: date, tz: ZoneInfo) -> list[Visit]:
    """Visits that completed a repair or an install on `day` (business timezone), job still completed."""
    start, end = _day_bounds(day, tz)
    return list(
        session.scalars(
            select(Visit)
            .join(Job, Visit.job_id == Job.id)
            .where(
                Visit.completed_at >= start,
                Visit.completed_at < end,
                Visit.outcome.in_([o.value for o in FINISHING_OUTCOMES]),
                Job.job_type_code.in_(FOLLOWED_UP_JOB_TYPES),
                Job.status == JobStatus.COMPLETED.value,
            )
            .order_by(Visit.completed_at, Visit.id)
        )
    )


def active_dispatchers(session: Session) -> list[User]:
    """The dispatcher accounts that may be given calls, oldest first."""
    return list(
        session.scalars(select(User).where(User.role == Role.DISPATCHER.value, User.active.is_(True)).order_by(User.id))
    )


def _open_load(session: Session) -> Counter[int]:
    """How many follow-ups each user still has to make."""
    rows = session.execute(
        select(FollowUp.assigned_to_id, func.count())
        .where(FollowUp.done_at.is_(None), FollowUp.assigned_to_id.is_not(None))
        .group_by(FollowUp.assigned_to_id)
    )
    return Counter({user_id: count for user_id, count in rows if user_id is not None})


def create_follow_ups(session: Session, now: datetime, tz: ZoneInfo) -> list[FollowUp]:
    """Create the follow-ups of the repairs and installs completed the day before `now`, due today.

    Idempotent: a visit that already has its follow-up gets no second one. Each new call goes to
    the active dispatcher with the fewest open calls (ties: the oldest account); none when the
    centre has no dispatcher account.
    """
    today = now.astimezone(tz).date()
    visits = completing_visits(session, today - timedelta(days=1), tz)
    if not visits:
        return []
    followed = set(session.scalars(select(FollowUp.visit_id).where(FollowUp.visit_id.in_([v.id for v in visits]))))
    dispatchers = active_dispatchers(session)
    load = _open_load(session)
    created = []
    for visit in visits:
        if visit.id in followed:
            continue
        assignee = min(dispatchers, key=lambda u: (load[u.id], u.id)) if dispatchers else None
        if assignee is not None:
            load[assignee.id] += 1
        follow_up = FollowUp(
            job_id=visit.job_id,
            visit_id=visit.id,
            due_on=today,
            assigned_to_id=None if assignee is None else assignee.id,
            created_at=now,
            note="",
        )
        session.add(follow_up)
        created.append(follow_up)
    session.flush()
    return created


def create_due_follow_ups(sessions: sessionmaker[Session], settings: Settings, now: datetime) -> str:
    """Scheduled task: the day's follow-up calls (see `create_follow_ups`)."""
    with transaction(sessions) as session:
        created = create_follow_ups(session, now, settings.tz)
    return f"{len(created)} follow-up call(s) created"


def due_follow_ups(session: Session, user_id: int | None, today: date) -> list[FollowUp]:
    """Open follow-ups due today or overdue: the user's own first, then by due day (oldest first)."""
    # A CASE rather than `!=`: unassigned calls (NULL) would otherwise sort before the user's own.
    own_first = case((FollowUp.assigned_to_id == user_id, 0), else_=1)
    return list(
        session.scalars(
            select(FollowUp)
            .where(FollowUp.done_at.is_(None), FollowUp.due_on <= today)
            .options(selectinload(FollowUp.job).selectinload(Job.customer), selectinload(FollowUp.visit))
            .order_by(own_first, FollowUp.due_on, FollowUp.id)
        )
    )


def _check(answer: FollowUpAnswer) -> None:
    if answer.reached:
        if answer.solved is None:
            raise InvalidAnswer("solved", "say whether the problem is solved")
    elif answer.solved is not None or answer.satisfaction is not None:
        raise InvalidAnswer("reached", "nobody answered, so there is no verdict to record")


def record_answer(
    session: Session, follow_up: FollowUp, answer: FollowUpAnswer, user_id: int | None, now: datetime
) -> FollowUp:
    """Store the answer of the call; "not solved" sends the job back for an urgent revisit.

    Raises
    ------
    InvalidAnswer
        When the answer is inconsistent or the follow-up was recorded already; nothing is changed.
    IllegalTransition
        When the job cannot go back to planning (e.g. cancelled since).
    """
    if follow_up.done_at is not None:
        raise InvalidAnswer("follow_up", "this call was recorded already")
    _check(answer)
    if answer.reached and answer.solved is False:
        send_back_for_revisit(session, follow_up.job, now)
        follow_up.revisit_job_id = follow_up.job_id
    follow_up.reached = answer.reached
    follow_up.solved = answer.solved
    follow_up.satisfaction = None if answer.satisfaction is None else answer.satisfaction.value
    follow_up.note = answer.note.strip()
    follow_up.done_at = now
    follow_up.done_by_id = user_id
    return follow_up


def send_back_for_revisit(session: Session, job: Job, now: datetime) -> None:
    """The job needs another visit soon: back to planning as urgent, and a re-plan like an urgent call."""
    if job.status != JobStatus.NEEDS_REVISIT.value:
        change_status(job, JobStatus.NEEDS_REVISIT, now, note="follow-up call: problem not solved")
    # A complaint outranks urgency in planning; do not lower it.
    if job.priority != Priority.COMPLAINT.value:
        job.priority = Priority.URGENT.value
    request_replan(session, ReplanReason.URGENT_CALL, now, job)
    logger.info("job %s back to planning after a follow-up call: not solved", job.external_id)
