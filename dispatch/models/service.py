"""After-sales service records beyond the visit: follow-up calls, complaints, warranty terms and fees."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dispatch.models.base import Base, in_check
from dispatch.models.customers import Customer
from dispatch.models.jobs import Job, Satisfaction, Visit
from dispatch.models.users import User


class FollowUp(Base):
    """The return call owed to a customer the day after a repair or install was completed.

    The answer (reached, solved, satisfaction) is the follow-up's own record of the visit it asks
    about; "not solved" sends the job back to planning, and `revisit_job_id` says which job that was.
    """

    __tablename__ = "follow_up"
    __table_args__ = (
        CheckConstraint(f"satisfaction IS NULL OR {in_check('satisfaction', Satisfaction)}", name="satisfaction_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("job.id", ondelete="CASCADE"), index=True)
    # The visit that completed the job; one follow-up per completing visit.
    visit_id: Mapped[int] = mapped_column(ForeignKey("visit.id", ondelete="CASCADE"), unique=True)
    due_on: Mapped[date] = mapped_column(index=True)
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None] = mapped_column(index=True)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    reached: Mapped[bool | None]  # None until called; False: nobody answered
    solved: Mapped[bool | None]
    satisfaction: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    revisit_job_id: Mapped[int | None] = mapped_column(ForeignKey("job.id"))

    job: Mapped[Job] = relationship(foreign_keys=[job_id])
    visit: Mapped[Visit] = relationship()
    assigned_to: Mapped[User | None] = relationship(foreign_keys=[assigned_to_id])
    done_by: Mapped[User | None] = relationship(foreign_keys=[done_by_id])


class Complaint(Base):
    """A customer's complaint: answered the same day, else escalated to the managers, then resolved."""

    __tablename__ = "complaint"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"), index=True)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("job.id"), index=True)
    received_at: Mapped[datetime] = mapped_column(index=True)
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    text: Mapped[str] = mapped_column(Text)
    answered_at: Mapped[datetime | None]
    answer: Mapped[str] = mapped_column(Text, default="")
    escalated_at: Mapped[datetime | None] = mapped_column(index=True)
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    resolution: Mapped[str] = mapped_column(Text, default="")

    customer: Mapped[Customer] = relationship()
    job: Mapped[Job | None] = relationship()
    received_by: Mapped[User | None] = relationship(foreign_keys=[received_by_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])


class WarrantyTerm(Base):
    """The three guarantees of one product category, in days from purchase (China's "three guarantees").

    Within `refund_days` the customer may choose a refund, within `replace_days` a replacement,
    within `repair_days` a free repair; after that parts and labour are charged.
    """

    __tablename__ = "warranty_term"
    __table_args__ = (
        CheckConstraint(
            "refund_days >= 0 AND replace_days >= refund_days AND repair_days >= replace_days", name="ordered"
        ),
    )

    product_code: Mapped[str] = mapped_column(ForeignKey("product_kind.code"), primary_key=True)
    refund_days: Mapped[int]
    replace_days: Mapped[int]
    repair_days: Mapped[int]


class ServiceFee(Base):
    """The labour charged for one job type when the job is outside warranty."""

    __tablename__ = "service_fee"
    __table_args__ = (CheckConstraint("labour >= 0", name="labour_not_negative"),)

    job_type_code: Mapped[str] = mapped_column(ForeignKey("job_type.code"), primary_key=True)
    labour: Mapped[Decimal] = mapped_column(Numeric(10, 2))
