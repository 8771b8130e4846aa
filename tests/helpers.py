"""Small builders and probes shared by tests."""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, MetaData, select
from sqlalchemy.orm import Session

from dispatch.config import Settings
from dispatch.db import transaction
from dispatch.io.importer import FileResult, import_files
from dispatch.lifecycle import open_job
from dispatch.models import Customer, CustomerPhone, Depot, Job, Skill, Technician, WeeklyShift

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(text: str, tz: ZoneInfo = SHANGHAI) -> datetime:
    """A local Shanghai time from 'YYYY-MM-DD HH:MM'."""
    return datetime.fromisoformat(text).replace(tzinfo=tz)


def database_dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, sorted: equal dumps mean an unchanged database."""
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as connection:
        return {
            name: sorted(connection.execute(table.select()).all(), key=repr)
            for name, table in sorted(metadata.tables.items())
        }


def write(folder: Path, name: str, text: str) -> Path:
    """Write a test input file."""
    path = folder / name
    path.write_text(text.strip() + "\n", encoding="utf-8")
    return path


def run_import(sessions: Any, settings: Settings, *paths: Path, shift_days: int = 0) -> list[FileResult]:
    """Import files in one transaction, kinds inferred."""
    with transaction(sessions) as session:
        return import_files(session, [(p, None) for p in paths], settings, shift_days=shift_days)


def add_technician(
    session: Session, external_id: str = "T1", skills: tuple[str, ...] = ("air_conditioner:repair",)
) -> Technician:
    """A Monday-to-Friday 08:00-18:00 technician at a Tianhe depot."""
    depot = session.scalars(select(Depot).where(Depot.external_id == "D1")).one_or_none()
    if depot is None:
        depot = Depot(external_id="D1", name="天河服务网点", lat=23.132, lon=113.34)
    tech = Technician(external_id=external_id, name="卢娟", phone="13800000001", depot=depot, active=True)
    for code in skills:
        product, job_type = code.split(":")
        tech.skills.append(Skill(product_code=product, job_type_code=job_type))
    for weekday in range(5):
        tech.weekly_shifts.append(
            WeeklyShift(
                weekday=weekday,
                start=time(8),
                end=time(18),
                break_earliest=time(11, 30),
                break_latest=time(13, 30),
                break_minutes=45,
            )
        )
    session.add(tech)
    return tech


def add_job(session: Session, external_id: str = "J1", received: str = "2026-07-06 09:00") -> Job:
    """A new air-conditioner repair for a Tianhe customer."""
    customer = Customer(
        external_id=f"C-{external_id}",
        name="曹先生",
        district="天河区",
        lat=23.13,
        lon=113.36,
        created_at=at(received),
        phones=[CustomerPhone(number="13912345678")],
    )
    job = Job(
        external_id=external_id,
        customer=customer,
        product_code="air_conditioner",
        job_type_code="repair",
        received_at=at(received),
        target_at=at(received),
        promise_at=at(received),
        duration_min=60,
    )
    open_job(job, at(received))
    session.add(job)
    return job
