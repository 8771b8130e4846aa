"""People who sign in: dispatchers, technicians (linked to their technician record), managers, admins."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dispatch.models.base import Base
from dispatch.models.workforce import Technician


class Role(StrEnum):
    """What a user may see and do."""

    DISPATCHER = "dispatcher"
    TECHNICIAN = "technician"
    MANAGER = "manager"
    ADMIN = "admin"


class User(Base):
    """A sign-in account; a technician account is tied to exactly one technician record."""

    __tablename__ = "app_user"
    __table_args__ = (
        CheckConstraint("role IN ('dispatcher', 'technician', 'manager', 'admin')", name="role_known"),
        CheckConstraint("(role = 'technician') = (technician_id IS NOT NULL)", name="technician_link"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20))
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("technician.id"), unique=True)
    # SHA-256 of the API token; the token itself is shown once, when issued.
    api_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]

    technician: Mapped[Technician | None] = relationship()
