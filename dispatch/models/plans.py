"""Plan versions of a day: routes with ordered stops, unassigned jobs with reasons, predicted figures.

A day has any number of versions (drafts); publishing makes one of them the day's published plan.
`DayPlan.revision` is the optimistic lock: a publish states the revision it saw, and only one of
two concurrent publishes can move it on.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dispatch.models.base import Base
from dispatch.models.jobs import Job
from dispatch.models.workforce import Technician


class PlanStatus(StrEnum):
    """Where a plan version stands."""

    DRAFT = "draft"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"  # was published, then another version was


class DayPlan(Base):
    """One row per planned day: the published version and the revision counter (optimistic lock)."""

    __tablename__ = "day_plan"

    day: Mapped[date] = mapped_column(primary_key=True)
    published_version_id: Mapped[int | None] = mapped_column(ForeignKey("plan_version.id"))
    revision: Mapped[int] = mapped_column(default=0)
    # What the last re-plan saw (events, calls, requests, breaks): a re-plan with nothing new is skipped.
    replanned_state: Mapped[str | None] = mapped_column(String(80))


class PlanVersion(Base):
    """One plan of one day, as the solver (or a dispatcher) left it."""

    __tablename__ = "plan_version"
    __table_args__ = (
        UniqueConstraint("day", "number", name="uq_plan_version_day_number"),
        CheckConstraint("status IN ('draft', 'published', 'superseded')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(index=True)
    number: Mapped[int]  # 1, 2, ... within the day
    status: Mapped[str] = mapped_column(String(20), default=PlanStatus.DRAFT.value)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(120), default="")
    based_on_id: Mapped[int | None] = mapped_column(ForeignKey("plan_version.id"))
    note: Mapped[str] = mapped_column(String(300), default="")
    # served, unassigned, on_target, within_promise, distance_m, overtime_s, working_time_s, solve_s
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    published_at: Mapped[datetime | None]

    routes: Mapped[list[PlanRoute]] = relationship(
        back_populates="version", cascade="all, delete-orphan", order_by="PlanRoute.id"
    )
    unassigned: Mapped[list[PlanUnassigned]] = relationship(
        back_populates="version", cascade="all, delete-orphan", order_by="PlanUnassigned.id"
    )


class PlanRoute(Base):
    """One technician's route in a plan version."""

    __tablename__ = "plan_route"
    __table_args__ = (UniqueConstraint("version_id", "technician_id", name="uq_plan_route_technician"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("plan_version.id", ondelete="CASCADE"), index=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("technician.id"))
    depart: Mapped[datetime]
    back: Mapped[datetime]
    break_start: Mapped[datetime | None]
    break_end: Mapped[datetime | None]
    distance_m: Mapped[int] = mapped_column(default=0)
    # Set on publish when the technician's stops differ from the previously published version:
    # the technician's day page shows a badge until they open it (seen_at).
    changed: Mapped[bool] = mapped_column(default=False)
    seen_at: Mapped[datetime | None]

    version: Mapped[PlanVersion] = relationship(back_populates="routes")
    technician: Mapped[Technician] = relationship()
    stops: Mapped[list[PlanStop]] = relationship(
        back_populates="route", cascade="all, delete-orphan", order_by="PlanStop.position"
    )


class PlanStop(Base):
    """One visit of a route, in order, with its planned times."""

    __tablename__ = "plan_stop"
    __table_args__ = (UniqueConstraint("route_id", "position", name="uq_plan_stop_position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    route_id: Mapped[int] = mapped_column(ForeignKey("plan_route.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]  # 0-based
    job_id: Mapped[int] = mapped_column(ForeignKey("job.id"), index=True)
    arrival: Mapped[datetime]
    start: Mapped[datetime]
    end: Mapped[datetime]
    pinned: Mapped[bool] = mapped_column(default=False)

    route: Mapped[PlanRoute] = relationship(back_populates="stops")
    job: Mapped[Job] = relationship()


class PlanUnassigned(Base):
    """A job the plan leaves out, and why (a solver reason code or a planning note)."""

    __tablename__ = "plan_unassigned"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("plan_version.id", ondelete="CASCADE"), index=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("job.id"))
    reason: Mapped[str] = mapped_column(String(200))

    version: Mapped[PlanVersion] = relationship(back_populates="unassigned")
    job: Mapped[Job] = relationship()


class ReplanReason(StrEnum):
    """What asks for a re-plan of the rest of the day sooner than the regular one."""

    URGENT_CALL = "urgent_call"
    COMPLAINT = "complaint"
    CANCELLATION = "cancellation"
    OVERRUN = "overrun"
    EARLY_FINISH = "early_finish"
    ABSENCE = "absence"


class ReplanRequest(Base):
    """An event that wants the day re-planned soon; the scheduler runs one re-plan for all pending ones."""

    __tablename__ = "replan_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    reason: Mapped[str] = mapped_column(String(30))
    job_id: Mapped[int | None] = mapped_column(ForeignKey("job.id"))
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("technician.id"))
    requested_at: Mapped[datetime] = mapped_column(index=True)
    handled_at: Mapped[datetime | None]


class TechnicianBreak(Base):
    """A break a technician took (or is taking): re-planning does not plan it again that day."""

    __tablename__ = "technician_break"

    id: Mapped[int] = mapped_column(primary_key=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("technician.id", ondelete="CASCADE"), index=True)
    start: Mapped[datetime]
    end: Mapped[datetime]
