"""Depots (service centres) and technicians: certifications, weekly pattern, dated shifts, absences."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import CheckConstraint, ForeignKey, String, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dispatch.models.base import Base


class Depot(Base):
    """A service centre where technicians start and end their shifts."""

    __tablename__ = "depot"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300), default="")
    lat: Mapped[float]
    lon: Mapped[float]

    technicians: Mapped[list[Technician]] = relationship(back_populates="depot")


class Technician(Base):
    """A field technician."""

    __tablename__ = "technician"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(40), default="")
    depot_id: Mapped[int] = mapped_column(ForeignKey("depot.id"))
    active: Mapped[bool] = mapped_column(default=True)

    depot: Mapped[Depot] = relationship(back_populates="technicians")
    skills: Mapped[list[Skill]] = relationship(
        cascade="all, delete-orphan", order_by="(Skill.product_code, Skill.job_type_code)"
    )
    weekly_shifts: Mapped[list[WeeklyShift]] = relationship(
        cascade="all, delete-orphan", order_by="WeeklyShift.weekday"
    )
    shifts: Mapped[list[Shift]] = relationship(cascade="all, delete-orphan", order_by="Shift.start")
    absences: Mapped[list[Absence]] = relationship(cascade="all, delete-orphan", order_by="Absence.first_day")

    def skill_codes(self) -> list[str]:
        """Certifications as `<product>:<job_type>` strings."""
        return [s.code for s in self.skills]


class Skill(Base):
    """A certification: the technician may take jobs of this product and job type."""

    __tablename__ = "skill"
    __table_args__ = (UniqueConstraint("technician_id", "product_code", "job_type_code", name="uq_skill"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("technician.id", ondelete="CASCADE"))
    product_code: Mapped[str] = mapped_column(ForeignKey("product_kind.code"))
    job_type_code: Mapped[str] = mapped_column(ForeignKey("job_type.code"))

    @property
    def code(self) -> str:
        """The `<product>:<job_type>` form used in files and by the solver."""
        return f"{self.product_code}:{self.job_type_code}"


class WeeklyShift(Base):
    """The usual working hours on one weekday (0 = Monday), in the business timezone."""

    __tablename__ = "weekly_shift"
    __table_args__ = (
        UniqueConstraint("technician_id", "weekday", name="uq_weekly_shift"),
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("break_minutes >= 0", name="break_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("technician.id", ondelete="CASCADE"))
    weekday: Mapped[int]
    start: Mapped[time] = mapped_column(Time)
    end: Mapped[time] = mapped_column(Time)
    break_earliest: Mapped[time | None] = mapped_column(Time)
    break_latest: Mapped[time | None] = mapped_column(Time)
    break_minutes: Mapped[int] = mapped_column(default=0)


class Shift(Base):
    """One dated shift that overrides the weekly pattern for its day (e.g. from a scenario roster)."""

    __tablename__ = "shift"

    id: Mapped[int] = mapped_column(primary_key=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("technician.id", ondelete="CASCADE"), index=True)
    start: Mapped[datetime]
    end: Mapped[datetime]
    break_earliest: Mapped[datetime | None]
    break_latest: Mapped[datetime | None]
    break_minutes: Mapped[int] = mapped_column(default=0)


class Absence(Base):
    """Days off, leave or sickness: no shift from `first_day` to `last_day` inclusive."""

    __tablename__ = "absence"

    id: Mapped[int] = mapped_column(primary_key=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("technician.id", ondelete="CASCADE"), index=True)
    first_day: Mapped[date]
    last_day: Mapped[date]
    reason: Mapped[str] = mapped_column(String(200), default="")
