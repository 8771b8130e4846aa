"""Visits and service records: a technician's way through one job, parts from the van, outcomes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from dispatch.config import Settings
from dispatch.errors import InsufficientStock, NotFound
from dispatch.lifecycle import change_status
from dispatch.messages import estimate_arrival, queue_on_the_way
from dispatch.models import (
    Job,
    JobStatus,
    Outcome,
    Part,
    ReplanReason,
    Satisfaction,
    StockLevel,
    Technician,
    Visit,
    VisitPart,
)
from dispatch.replan_requests import on_visit_finished, request_replan


@dataclass(frozen=True)
class PartUse:
    """A quantity of one catalogue part replaced on a visit."""

    part_code: str
    quantity: int


@dataclass(frozen=True)
class ServiceRecord:
    """What the technician records when a visit ends."""

    outcome: Outcome
    fault_found: str = ""
    cause: str = ""
    parts: Sequence[PartUse] = field(default_factory=tuple)
    feedback: str = ""
    satisfaction: Satisfaction | None = None


def dispatch_visit(job: Job, technician: Technician, at: datetime, planned_arrival: datetime | None = None) -> Visit:
    """Send `technician` to a planned job: a new visit, the job `dispatched`."""
    change_status(job, JobStatus.DISPATCHED, at, note=f"to {technician.external_id}")
    visit = Visit(
        technician=technician,
        number=len(job.visits) + 1,
        dispatched_at=at,
        planned_arrival=planned_arrival,
    )
    job.visits.append(visit)
    return visit


def current_visit(job: Job) -> Visit:
    """The job's latest visit, the one under way.

    Raises
    ------
    NotFound
        When the job has never been dispatched.
    """
    if not job.visits:
        raise NotFound(f"job {job.external_id} has no visit")
    return job.visits[-1]


def set_off(job: Job, at: datetime, settings: Settings | None = None) -> Visit:
    """The technician is on the way; the customer is sent the expected arrival time.

    Parameters
    ----------
    settings
        Travel model, timezone and message channels; the defaults when None.
    """
    visit = current_visit(job)
    change_status(job, JobStatus.EN_ROUTE, at)
    visit.en_route_at = at
    session = object_session(job)
    if session is not None:  # a job outside any session has no outbox to write to
        settings = settings or Settings()
        queue_on_the_way(session, job, estimate_arrival(session, visit, at, settings), at, settings)
    return visit


def arrive(job: Job, at: datetime) -> Visit:
    """The technician is at the customer's door; work starts."""
    visit = current_visit(job)
    change_status(job, JobStatus.ON_SITE, at)
    visit.arrived_at = at
    visit.started_at = at
    return visit


def finish_visit(session: Session, job: Job, record: ServiceRecord, at: datetime) -> Visit:
    """Close the visit with its service record; parts come out of the technician's van.

    A finishing outcome completes the job; any other sends it back to planning (`needs_revisit`).

    Raises
    ------
    InsufficientStock
        When the van holds fewer of a part than recorded; nothing is changed then.
    """
    visit = current_visit(job)
    uses = [(_part(session, code), quantity) for code, quantity in _totals(record.parts).items()]
    levels = [_take_from_van(session, visit.technician, part, quantity) for part, quantity in uses]
    wanted = JobStatus.COMPLETED if record.outcome.finishes_job else JobStatus.NEEDS_REVISIT
    change_status(job, wanted, at, note=record.outcome.value)
    for level, (part, quantity) in zip(levels, uses, strict=True):
        level.quantity -= quantity
        visit.parts.append(VisitPart(part=part, quantity=quantity))
    visit.completed_at = at
    visit.outcome = record.outcome.value
    visit.fault_found = record.fault_found
    visit.cause = record.cause
    visit.feedback = record.feedback
    visit.satisfaction = None if record.satisfaction is None else record.satisfaction.value
    on_visit_finished(session, visit, at)
    return visit


def cancel_job(session: Session, job: Job, at: datetime, note: str = "") -> None:
    """The customer called the job off: a planned visit not yet reached is withdrawn, and a job
    someone was dispatched or driving to asks for a re-plan (their day has a gap now).

    Raises
    ------
    IllegalTransition
        When the job is on site, done or already cancelled.
    """
    was_routed = job.status in (JobStatus.DISPATCHED.value, JobStatus.EN_ROUTE.value)
    change_status(job, JobStatus.CANCELLED, at, note=note or "cancelled")
    visit = job.visits[-1] if job.visits else None
    technician_id = None if visit is None else visit.technician_id
    if visit is not None and visit.arrived_at is None and visit.completed_at is None:
        session.delete(visit)
        job.visits.remove(visit)
    if was_routed:
        request_replan(session, ReplanReason.CANCELLATION, at, job, technician_id)


def is_first_time_fix(job: Job) -> bool:
    """A job completed by its first visit."""
    return job.status == JobStatus.COMPLETED and len(job.visits) == 1


def _totals(parts: Sequence[PartUse]) -> dict[str, int]:
    """Quantities per part code, so a part listed twice is checked against the van once."""
    totals: dict[str, int] = {}
    for use in parts:
        if use.quantity <= 0:
            raise ValueError(f"part {use.part_code}: quantity must be positive")
        totals[use.part_code] = totals.get(use.part_code, 0) + use.quantity
    return totals


def _part(session: Session, code: str) -> Part:
    part = session.scalars(select(Part).where(Part.code == code)).one_or_none()
    if part is None:
        raise NotFound(f"part {code!r} is not in the catalogue")
    return part


def _take_from_van(session: Session, technician: Technician, part: Part, quantity: int) -> StockLevel:
    """The van stock level that will give `quantity` of `part` (checked, not yet taken)."""
    level = session.scalars(
        select(StockLevel).where(StockLevel.part_id == part.id, StockLevel.technician_id == technician.id)
    ).one_or_none()
    held = 0 if level is None else level.quantity
    if level is None or held < quantity:
        raise InsufficientStock(
            f"van of {technician.external_id} holds {held} of part {part.code}, {quantity} recorded"
        )
    return level
