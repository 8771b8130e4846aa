"""Bookkeeping tables: geocoding cache, imported scenarios, database markers, scheduled task runs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.models.base import Base


class GeocodeCache(Base):
    """A geocoder's answer for one address, kept so that each address is looked up once."""

    __tablename__ = "geocode_cache"

    address: Mapped[str] = mapped_column(String(300), primary_key=True)
    provider: Mapped[str] = mapped_column(String(60), primary_key=True)
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    looked_up_at: Mapped[datetime]


class Scenario(Base):
    """An imported `dispatch-scenario/1` file: its horizon, SLA and travel model, for replay."""

    __tablename__ = "scenario"

    name: Mapped[str] = mapped_column(String(120), primary_key=True)
    timezone: Mapped[str] = mapped_column(String(60))
    start: Mapped[datetime]
    end: Mapped[datetime]
    target_hours: Mapped[float]
    promise_hours: Mapped[float]
    road_factor: Mapped[float]
    speed_kmh: Mapped[float]
    # Days the scenario's dates were moved by on import (the demo moves its first day to today).
    shift_days: Mapped[int] = mapped_column(default=0)


class Marker(Base):
    """Key/value facts about the database itself, e.g. that it holds only demo data."""

    __tablename__ = "marker"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(String(300))


class TaskRun(Base):
    """The last run of one scheduled task (by the scheduler or an admin's "run now"), for the admin page."""

    __tablename__ = "task_run"

    task_id: Mapped[str] = mapped_column(String(60), primary_key=True)
    started_at: Mapped[datetime]
    duration_s: Mapped[float]
    outcome: Mapped[str] = mapped_column(Text, default="")  # what the task returned, shortened
    error: Mapped[str] = mapped_column(Text, default="")  # empty when the run succeeded
