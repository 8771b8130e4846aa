"""Shared queries; services call these rather than building queries inline."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from dispatch.errors import NotFound
from dispatch.models import Base, Customer, CustomerPhone, Job, Marker, Technician, Visit

M = TypeVar("M", bound=Base)


def by_external_id(session: Session, model: type[M], external_id: str) -> M | None:
    """The record of `model` with this external id, or None."""
    return session.scalars(select(model).where(model.external_id == external_id)).one_or_none()  # type: ignore[attr-defined]


def require(session: Session, model: type[M], external_id: str) -> M:
    """The record of `model` with this external id.

    Raises
    ------
    NotFound
        When there is none.
    """
    found = by_external_id(session, model, external_id)
    if found is None:
        raise NotFound(f"{model.__tablename__} {external_id!r} does not exist")
    return found


def external_id_map(session: Session, model: type[M]) -> dict[str, M]:
    """Every record of `model` keyed by external id (for imports, which check many references)."""
    return {row.external_id: row for row in session.scalars(select(model))}  # type: ignore[attr-defined]


def customer_by_phone(session: Session, number: str) -> Customer | None:
    """The customer with this normalised phone number (the oldest file if several share it)."""
    return session.scalars(
        select(Customer).join(CustomerPhone).where(CustomerPhone.number == number).order_by(Customer.id).limit(1)
    ).first()


@dataclass(frozen=True)
class JobFilter:
    """Criteria of the job list; None means any."""

    status: Sequence[str] | None = None
    job_type: str | None = None
    product: str | None = None
    district: str | None = None
    technician: str | None = None
    day: date | None = None
    limit: int | None = None


def list_jobs(session: Session, criteria: JobFilter, tz: ZoneInfo) -> list[Job]:
    """Jobs matching `criteria`, oldest call first; `day` is the call's day in the business timezone."""
    query = select(Job).join(Customer).options(selectinload(Job.customer), selectinload(Job.visits))
    if criteria.status:
        query = query.where(Job.status.in_(list(criteria.status)))
    if criteria.job_type:
        query = query.where(Job.job_type_code == criteria.job_type)
    if criteria.product:
        query = query.where(Job.product_code == criteria.product)
    if criteria.district:
        query = query.where(Customer.district == criteria.district)
    if criteria.technician:
        query = query.where(Job.visits.any(Visit.technician.has(Technician.external_id == criteria.technician)))
    if criteria.day:
        start = datetime.combine(criteria.day, time(), tzinfo=tz)
        query = query.where(Job.received_at >= start, Job.received_at < start + timedelta(days=1))
    query = query.order_by(Job.received_at, Job.id)
    if criteria.limit:
        query = query.limit(criteria.limit)
    return list(session.scalars(query))


def row_counts(session: Session) -> dict[str, int]:
    """Number of rows of every table, by table name."""
    return {
        name: session.scalar(select(func.count()).select_from(table)) or 0
        for name, table in sorted(Base.metadata.tables.items())
    }


def marker(session: Session, key: str) -> str | None:
    """A database marker's value, or None."""
    found = session.get(Marker, key)
    return None if found is None else found.value


def set_marker(session: Session, key: str, value: str) -> None:
    """Set a database marker."""
    session.merge(Marker(key=key, value=value))
