"""The customer message outbox: messages queued with the change that caused them, sent later.

Queuing in the same transaction as a publish or an `on my way` means a message exists exactly
when its cause was committed; delivery (`dispatch.messages.deliver_pending`) happens afterwards
and may be retried without touching the business data.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dispatch.models.base import Base, in_check
from dispatch.models.customers import Customer
from dispatch.models.jobs import Job


class MessageKind(StrEnum):
    """Why the customer is told something."""

    CONFIRMATION = "confirmation"  # the job got an appointment
    ON_THE_WAY = "on_the_way"  # the technician set off, with an ETA
    DELAY = "delay"  # a re-plan moved the arrival by more than the notice threshold


class Channel(StrEnum):
    """How a message reaches the customer; `log` only writes it to the service's log."""

    LOG = "log"
    EMAIL = "email"
    SMS = "sms"
    WECHAT = "wechat"


class MessageStatus(StrEnum):
    """Where a message stands; a failed one is retried until it runs out of attempts."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(Base):
    """One rendered message to one customer, and how its delivery went."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        CheckConstraint(in_check("kind", MessageKind), name="kind_known"),
        CheckConstraint(in_check("channel", Channel), name="channel_known"),
        CheckConstraint(in_check("status", MessageStatus), name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # A message outlives its job in the log of what the customer was told.
    job_id: Mapped[int | None] = mapped_column(ForeignKey("job.id", ondelete="SET NULL"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(20))
    # An e-mail address, a mobile number or a WeChat openid, by channel; may be empty for `log`.
    recipient: Mapped[str] = mapped_column(String(200), default="")
    language: Mapped[str] = mapped_column(String(10))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    # The template variables: SMS and WeChat templates are registered with the provider and take
    # these values, not the rendered body.
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(20), default=MessageStatus.PENDING.value, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")

    job: Mapped[Job | None] = relationship()
    customer: Mapped[Customer] = relationship()
