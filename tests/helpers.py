"""Small builders and probes shared by tests."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, MetaData, select
from sqlalchemy.orm import Session

from dispatch.config import Settings
from dispatch.db import transaction
from dispatch.io.importer import FileResult, import_files
from dispatch.lifecycle import open_job
from dispatch.models import (
    Customer,
    CustomerPhone,
    Depot,
    Job,
    OwnedProduct,
    Part,
    Skill,
    Technician,
    Visit,
    VisitPart,
    WeeklyShift,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
DATA = Path(__file__).resolve().parents[1] / "data"


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


def add_customer(
    session: Session, external_id: str, name: str, phone: str, address: str = "", district: str = "天河区"
) -> Customer:
    """A customer with one normalised phone number."""
    customer = Customer(
        external_id=external_id,
        name=name,
        address=address,
        district=district,
        created_at=at("2026-01-01 09:00"),
        phones=[CustomerPhone(number=phone)],
    )
    session.add(customer)
    return customer


def add_product(
    customer: Customer, code: str, model: str, serial: str, bought: date | None, warranty_end: date | None = None
) -> OwnedProduct:
    """An appliance of `customer`."""
    product = OwnedProduct(
        external_id=f"P-{serial}",
        product_code=code,
        model=model,
        serial=serial,
        purchase_date=bought,
        warranty_end=warranty_end,
    )
    customer.products.append(product)
    return product


def add_visit(
    session: Session,
    external_id: str,
    customer: Customer,
    technician: Technician,
    completed: str | None,
    fault: str = "",
    cause: str = "",
    product: OwnedProduct | None = None,
    parts: tuple[tuple[Part, int], ...] = (),
    outcome: str | None = "fixed",
    satisfaction: str | None = "satisfied",
    product_code: str = "air_conditioner",
) -> Visit:
    """A job of `customer` with one visit; `completed` None (and no outcome) for a visit still to come."""
    received = at("2026-06-01 09:00") if completed is None else at(completed) - timedelta(hours=3)
    status = "completed" if outcome else "dispatched"
    job = Job(
        external_id=external_id,
        customer=customer,
        owned_product=product,
        product_code=product.product_code if product else product_code,
        job_type_code="repair",
        fault_description=fault,
        received_at=received,
        target_at=received,
        promise_at=received,
        duration_min=60,
        status=status,
        status_changed_at=received,
    )
    visit = Visit(
        external_id=f"V-{external_id}",
        technician=technician,
        completed_at=None if completed is None else at(completed),
        fault_found=fault,
        cause=cause,
        outcome=outcome,
        satisfaction=satisfaction,
        parts=[VisitPart(part=part, quantity=quantity) for part, quantity in parts],
    )
    job.visits.append(visit)
    session.add(job)
    return visit


def add_part(session: Session, code: str, name: str) -> Part:
    """A catalogue part."""
    part = Part(code=code, name=name, product_code="air_conditioner", unit_price=Decimal("45"))
    session.add(part)
    return part


def small_scenario(folder: Path, technicians: int = 6, calls: int = 16, days: int = 1) -> tuple[Path, dict[str, Any]]:
    """The first technicians of guangzhou-normal and the morning calls they are skilled for."""
    raw = json.loads((DATA / "scenarios" / "guangzhou-normal.json").read_text(encoding="utf-8"))
    crew = raw["technicians"][:technicians]
    for tech in crew:
        tech["shifts"] = tech["shifts"][:days]
    skills = set().union(*(t["skills"] for t in crew))
    chosen = [
        c
        for c in raw["calls"]
        if c["received_at"] < "2026-07-06T12" and f"{c['product']}:{c['job_type']}" in skills and not c["window"]
    ][:calls]
    raw.update(name="small", technicians=crew, calls=chosen, end=f"2026-07-0{6 + days}T00:00:00+08:00")
    path = folder / "small.json"
    path.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    return path, raw
