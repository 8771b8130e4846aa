"""Jobs (one customer request each), their status history, and visits (service records)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dispatch.models.base import Base, in_check
from dispatch.models.catalog import Part
from dispatch.models.customers import Customer, OwnedProduct
from dispatch.models.workforce import Technician


class JobStatus(StrEnum):
    """Where a job stands; `dispatch.lifecycle` says which changes are legal."""

    NEW = "new"
    PLANNED = "planned"
    DISPATCHED = "dispatched"
    EN_ROUTE = "en_route"
    ON_SITE = "on_site"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    NEEDS_REVISIT = "needs_revisit"


class Priority(StrEnum):
    """How much a job weighs in planning."""

    NORMAL = "normal"
    URGENT = "urgent"
    COMPLAINT = "complaint"


class Warranty(StrEnum):
    """Warranty status of the job: the remedy owed in warranty, or a paid job."""

    REPAIR = "repair"
    REPLACE = "replace"
    REFUND = "refund"
    PAID = "paid"


class Outcome(StrEnum):
    """How a visit ended."""

    FIXED = "fixed"
    NOT_FIXED = "not_fixed"
    REPLACED = "replaced"
    REFUNDED = "refunded"
    INSTALLED_TESTED = "installed_tested"
    CUSTOMER_NOT_HOME = "customer_not_home"
    RESCHEDULED_BY_CUSTOMER = "rescheduled_by_customer"

    @property
    def finishes_job(self) -> bool:
        """Whether this outcome completes the job; any other sends it back for a revisit."""
        return self in FINISHING_OUTCOMES


FINISHING_OUTCOMES = frozenset({Outcome.FIXED, Outcome.REPLACED, Outcome.REFUNDED, Outcome.INSTALLED_TESTED})


class Satisfaction(StrEnum):
    """The customer's verdict on a visit."""

    SATISFIED = "satisfied"
    NEUTRAL = "neutral"
    UNSATISFIED = "unsatisfied"


class Job(Base):
    """One customer request: install, repair, maintenance or delivery of one product."""

    __tablename__ = "job"
    __table_args__ = (
        CheckConstraint(in_check("status", JobStatus), name="status_known"),
        CheckConstraint(in_check("priority", Priority), name="priority_known"),
        CheckConstraint(in_check("warranty", Warranty), name="warranty_known"),
        CheckConstraint("duration_min > 0", name="duration_positive"),
        # The managers' dashboard picks the jobs of a date range from this index alone (see
        # dispatch.dashboard_sql: no row is read to learn a job's status or filters).
        Index("ix_job_dashboard", "received_at", "status", "product_code", "job_type_code", "priority"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(120), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    owned_product_id: Mapped[int | None] = mapped_column(ForeignKey("owned_product.id"))
    product_code: Mapped[str] = mapped_column(ForeignKey("product_kind.code"))
    job_type_code: Mapped[str] = mapped_column(ForeignKey("job_type.code"))
    fault_description: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[datetime] = mapped_column(index=True)
    target_at: Mapped[datetime]
    promise_at: Mapped[datetime]
    window_start: Mapped[datetime | None]
    window_end: Mapped[datetime | None]
    duration_min: Mapped[int]
    # Known only to a scenario replay; planning must never read it.
    actual_duration_min: Mapped[int | None]
    priority: Mapped[str] = mapped_column(String(20), default=Priority.NORMAL.value)
    warranty: Mapped[str] = mapped_column(String(20), default=Warranty.PAID.value)
    # [{"part": code, "quantity": n}, ...]
    parts_expected: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default=JobStatus.NEW.value, index=True)
    status_changed_at: Mapped[datetime]
    scenario: Mapped[str | None] = mapped_column(String(120), index=True)

    customer: Mapped[Customer] = relationship()
    owned_product: Mapped[OwnedProduct | None] = relationship()
    events: Mapped[list[JobEvent]] = relationship(
        back_populates="job", cascade="all, delete-orphan", order_by="JobEvent.id"
    )
    visits: Mapped[list[Visit]] = relationship(
        back_populates="job", cascade="all, delete-orphan", order_by="Visit.number"
    )

    @property
    def skill(self) -> str:
        """The certification a technician needs to take this job."""
        return f"{self.product_code}:{self.job_type_code}"


class JobEvent(Base):
    """One status change of a job, time-stamped: the job's audit trail."""

    __tablename__ = "job_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("job.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime]
    note: Mapped[str] = mapped_column(String(300), default="")

    job: Mapped[Job] = relationship(back_populates="events")


class Visit(Base):
    """One technician at one job: planned and actual times and the service record."""

    __tablename__ = "visit"
    __table_args__ = (
        UniqueConstraint("job_id", "number", name="uq_visit_number"),
        CheckConstraint(f"outcome IS NULL OR {in_check('outcome', Outcome)}", name="outcome_known"),
        CheckConstraint(f"satisfaction IS NULL OR {in_check('satisfaction', Satisfaction)}", name="satisfaction_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(120), unique=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("job.id", ondelete="CASCADE"), index=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("technician.id"), index=True)
    # 1 for the first visit of the job, 2 for the first revisit, ...
    number: Mapped[int] = mapped_column(default=1)
    planned_arrival: Mapped[datetime | None]
    planned_start: Mapped[datetime | None]
    planned_end: Mapped[datetime | None]
    dispatched_at: Mapped[datetime | None]
    en_route_at: Mapped[datetime | None]
    arrived_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    fault_found: Mapped[str] = mapped_column(Text, default="")
    cause: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str | None] = mapped_column(String(30))
    feedback: Mapped[str] = mapped_column(Text, default="")
    satisfaction: Mapped[str | None] = mapped_column(String(20))

    job: Mapped[Job] = relationship(back_populates="visits")
    technician: Mapped[Technician] = relationship()
    parts: Mapped[list[VisitPart]] = relationship(cascade="all, delete-orphan", order_by="VisitPart.id")


class VisitPart(Base):
    """A part replaced on a visit, taken from the technician's van stock."""

    __tablename__ = "visit_part"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visit.id", ondelete="CASCADE"), index=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("part.id"))
    quantity: Mapped[int]

    part: Mapped[Part] = relationship()
