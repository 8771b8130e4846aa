"""Jobs, with their visits (service records) in JSON files: validation, upsert, export."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from itertools import pairwise
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from dispatch.config import Settings
from dispatch.deadlines import compute_deadlines
from dispatch.io import cells
from dispatch.io.kind import Counts, Kind, existing_by_key, validate_rows
from dispatch.io.sources import Source
from dispatch.io.validation import Context, RowReader
from dispatch.lifecycle import can_change, change_status
from dispatch.models import (
    Customer,
    Job,
    JobEvent,
    JobStatus,
    Outcome,
    OwnedProduct,
    Part,
    Priority,
    Satisfaction,
    Technician,
    Visit,
    VisitPart,
    Warranty,
)

JOB_COLUMNS = (
    "id",
    "customer",
    "product",
    "job_type",
    "fault",
    "received_at",
    "window_start",
    "window_end",
    "duration_min",
    "priority",
    "warranty",
    "parts_expected",
    "owned_product",
    "status",
)
VISIT_TIMES = (
    "dispatched_at",
    "en_route_at",
    "arrived_at",
    "started_at",
    "completed_at",
)
VISIT_FIELDS = (
    "id",
    "technician",
    "number",
    "planned_arrival",
    "planned_start",
    "planned_end",
    *VISIT_TIMES,
    "fault_found",
    "cause",
    "outcome",
    "feedback",
    "satisfaction",
    "parts",
)


@dataclass(frozen=True)
class VisitRow:
    """A validated visit of a job row."""

    external_id: str | None
    technician: str
    number: int
    times: dict[str, datetime | None]
    fault_found: str
    cause: str
    outcome: str | None
    feedback: str
    satisfaction: str | None
    parts: list[tuple[str, int]]


@dataclass(frozen=True)
class JobRow:
    """A validated job row."""

    external_id: str
    customer: str
    product: str
    job_type: str
    fault: str
    received_at: datetime
    window_start: datetime | None
    window_end: datetime | None
    duration_min: int
    priority: str
    warranty: str
    parts_expected: list[tuple[str, int]]
    owned_product: str | None
    status: str
    visits: list[VisitRow] = field(default_factory=list)


def _choice(options: type[StrEnum]) -> Callable[[Any], str]:
    """A parser accepting only the values of `options`."""
    allowed = [o.value for o in options]

    def parse(value: Any) -> str:
        chosen = cells.text(value)
        if chosen not in allowed:
            raise ValueError(f"{chosen!r} is not one of {', '.join(allowed)}")
        return chosen

    return parse


def _read_job(row: RowReader, stored_status: dict[str, str]) -> JobRow | None:
    moment = row.context.moment
    external_id, customer = row.need("id", cells.text), row.need("customer", cells.text)
    product, job_type = row.need("product", cells.text), row.need("job_type", cells.text)
    received_at = row.need("received_at", moment)
    duration = row.need("duration_min", cells.positive_integer)
    row.reference("customer", "customers", customer)
    row.vocabulary("product", product)
    row.vocabulary("job_type", job_type, "job type")
    window_start = row.get("window_start", moment)
    window_end = row.get("window_end", moment)
    if (window_start is None) != (window_end is None):
        row.fail("window_end" if window_end is None else "window_start", "give both window ends, or neither")
    elif window_start and window_end and window_end <= window_start:
        row.fail("window_end", "is not after window_start")
    parts = row.get("parts_expected", cells.part_quantities, []) or []
    for code, _ in parts:
        if code not in row.context.known["parts"]:
            row.fail("parts_expected", f"part {code!r} is not in the catalogue")
    owned = row.get("owned_product", cells.text)
    row.reference("owned_product", "products", owned)
    if owned and customer and row.context.owners.get(owned, customer) != customer:
        row.fail("owned_product", f"{owned!r} belongs to customer {row.context.owners[owned]!r}")
    status = row.get("status", _choice(JobStatus), JobStatus.NEW.value) or JobStatus.NEW.value
    current = stored_status.get(external_id or "")
    if current and current != status and not can_change(current, status):
        row.fail("status", f"stored job is {current!r}; cannot go to {status!r}")
    visits = _read_visits(row)
    fault = row.get("fault", cells.text, "") or ""
    priority = row.get("priority", _choice(Priority), Priority.NORMAL.value) or Priority.NORMAL.value
    warranty = row.get("warranty", _choice(Warranty), Warranty.PAID.value) or Warranty.PAID.value
    if None in (external_id, customer, product, job_type, received_at, duration):
        return None
    return JobRow(
        external_id=external_id,  # type: ignore[arg-type]
        customer=customer,  # type: ignore[arg-type]
        product=product,  # type: ignore[arg-type]
        job_type=job_type,  # type: ignore[arg-type]
        fault=fault,
        received_at=received_at,  # type: ignore[arg-type]
        window_start=window_start,
        window_end=window_end,
        duration_min=duration,  # type: ignore[arg-type]
        priority=priority,
        warranty=warranty,
        parts_expected=parts,
        owned_product=owned,
        status=status,
        visits=visits,
    )


def _read_visits(row: RowReader) -> list[VisitRow]:
    raw = row.cells.get("visits")
    if cells.is_blank(raw):
        return []
    if not isinstance(raw, list) or not all(isinstance(v, dict) for v in raw):
        row.fail("visits", "expected a list of visit objects (JSON files only)")
        return []
    visits = []
    for position, cells_ in enumerate(raw, start=1):
        visit = _read_visit(RowReader(row.source, row.number, cells_, row.context), position, row)
        if visit is not None:
            visits.append(visit)
    return visits


def _read_visit(visit: RowReader, position: int, job_row: RowReader) -> VisitRow | None:
    """Read one visit; its errors are reported on the job's row as `visits[N].<field>`."""
    prefix = f"visits[{position}]."
    errors_before = len(visit.context.errors)
    for name in visit.cells:
        if name not in VISIT_FIELDS:
            visit.fail(name, f"unknown visit field; expected some of {list(VISIT_FIELDS)}")
    technician = visit.need("technician", cells.text)
    visit.reference("technician", "technicians", technician)
    planned = ("planned_arrival", "planned_start", "planned_end")
    times = {name: visit.get(name, visit.context.moment) for name in (*VISIT_TIMES, *planned)}
    stamped = [(name, times[name]) for name in VISIT_TIMES if times[name] is not None]
    for (earlier, t0), (later, t1) in pairwise(stamped):
        if t1 < t0:  # type: ignore[operator]
            visit.fail(later, f"is before {earlier}")
    parts = visit.get("parts", cells.part_quantities, []) or []
    for code, _ in parts:
        if code not in visit.context.known["parts"]:
            visit.fail("parts", f"part {code!r} is not in the catalogue")
    result = VisitRow(
        external_id=visit.get("id", cells.text),
        technician=technician or "",
        number=visit.get("number", cells.positive_integer, position) or position,
        times=times,
        fault_found=visit.get("fault_found", cells.text, "") or "",
        cause=visit.get("cause", cells.text, "") or "",
        outcome=visit.get("outcome", _choice(Outcome)),
        feedback=visit.get("feedback", cells.text, "") or "",
        satisfaction=visit.get("satisfaction", _choice(Satisfaction)),
        parts=parts,
    )
    # Re-label the visit's errors so the message says which visit of which row.
    errors = visit.context.errors
    for index in range(errors_before, len(errors)):
        e = errors[index]
        errors[index] = type(e)(e.file, e.row, prefix + e.field, e.reason)
    if visit.failed:
        job_row.failed = True
        return None
    return result


def validate_jobs(source: Source, context: Context) -> list[JobRow]:
    """Read a jobs file (JSON rows may carry `visits`)."""
    ids = [cells.text(c.get("id")) for _, c in source.rows]
    stored: dict[str, str] = {}
    for start in range(0, len(ids), 500):  # stay under SQLite's bound-parameter limit
        query = select(Job.external_id, Job.status).where(Job.external_id.in_(ids[start : start + 500]))
        stored.update({job_id: status for job_id, status in context.session.execute(query)})
    columns = (*JOB_COLUMNS, "visits") if source.name.lower().endswith(".json") else JOB_COLUMNS
    records = validate_rows(source, context, columns, "id", lambda row: _read_job(row, stored))
    context.known["jobs"].update(r.external_id for r in records)
    return records


def write_jobs(session: Session, records: list[JobRow], context: Context) -> Counts:
    """Create or update jobs; a stored job's status moves only by a legal, time-stamped change."""
    settings = context.settings
    counts = Counts()
    customers = existing_by_key(session, Customer, "external_id", sorted({r.customer for r in records}))
    owned = existing_by_key(
        session, OwnedProduct, "external_id", sorted({r.owned_product for r in records if r.owned_product})
    )
    technicians = {t.external_id: t for t in session.scalars(select(Technician))}
    parts = {p.code: p for p in session.scalars(select(Part))}
    existing = existing_by_key(session, Job, "external_id", [r.external_id for r in records])
    for r in records:
        job = existing.get(r.external_id)
        counts.add(job is None)
        deadlines = compute_deadlines(r.received_at, settings.target_hours, settings.promise_hours, settings.tz)
        if job is None:
            job = Job(external_id=r.external_id, status=JobStatus.NEW.value, status_changed_at=r.received_at)
            session.add(job)
        job.customer = customers[r.customer]
        job.owned_product = owned.get(r.owned_product) if r.owned_product else None
        job.product_code, job.job_type_code, job.fault_description = r.product, r.job_type, r.fault
        job.received_at, job.target_at, job.promise_at = (
            r.received_at,
            deadlines.target_at,
            deadlines.promise_at,
        )
        job.window_start, job.window_end, job.duration_min = r.window_start, r.window_end, r.duration_min
        job.priority, job.warranty = r.priority, r.warranty
        job.parts_expected = [{"part": code, "quantity": q} for code, q in r.parts_expected]
        _write_visits(job, r.visits, technicians, parts)
        _set_status(job, r)
    return counts


def _set_status(job: Job, r: JobRow) -> None:
    """A new job records `new` at its call, then the file's status as imported; a stored job changes legally."""
    if not job.events:
        job.events.append(JobEvent(from_status=None, to_status=JobStatus.NEW.value, at=r.received_at, note="imported"))
        if r.status != JobStatus.NEW.value:
            at = _last_stamp(r) or r.received_at
            job.events.append(JobEvent(from_status=JobStatus.NEW.value, to_status=r.status, at=at, note="imported"))
            job.status, job.status_changed_at = r.status, at
    elif job.status != r.status:
        change_status(job, r.status, _last_stamp(r) or job.status_changed_at, note="imported")


def _last_stamp(r: JobRow) -> datetime | None:
    stamps = [t for v in r.visits for name, t in v.times.items() if name in VISIT_TIMES and t is not None]
    return max(stamps, default=None)


def _write_visits(job: Job, rows: list[VisitRow], technicians: dict[str, Technician], parts: dict[str, Part]) -> None:
    by_number = {v.number: v for v in job.visits}
    for r in rows:
        visit = by_number.get(r.number)
        if visit is None:
            visit = Visit(number=r.number)
            job.visits.append(visit)
        visit.external_id = r.external_id
        visit.technician = technicians[r.technician]
        for name, value in r.times.items():
            setattr(visit, name, value)
        visit.fault_found, visit.cause, visit.outcome = r.fault_found, r.cause, r.outcome
        visit.feedback, visit.satisfaction = r.feedback, r.satisfaction
        have = [(p.part.code, p.quantity) for p in visit.parts]
        if have != r.parts:  # keep rows that did not change, so a re-import writes nothing
            visit.parts = [VisitPart(part=parts[code], quantity=q) for code, q in r.parts]


def export_jobs(session: Session, settings: Settings) -> list[dict[str, Any]]:
    """Every job as a row, its visits under `visits` (dropped by the CSV writer)."""
    query = (
        select(Job)
        .options(
            selectinload(Job.customer),
            selectinload(Job.owned_product),
            selectinload(Job.visits).selectinload(Visit.technician),
            selectinload(Job.visits).selectinload(Visit.parts).selectinload(VisitPart.part),
        )
        .order_by(Job.received_at, Job.external_id)
    )
    tz = settings.tz
    return [_job_row(job, tz) for job in session.scalars(query)]


def _local(value: datetime | None, tz: Any) -> str | None:
    return None if value is None else value.astimezone(tz).isoformat()


def _job_row(job: Job, tz: Any) -> dict[str, Any]:
    return {
        "id": job.external_id,
        "customer": job.customer.external_id,
        "product": job.product_code,
        "job_type": job.job_type_code,
        "fault": job.fault_description,
        "received_at": _local(job.received_at, tz),
        "window_start": _local(job.window_start, tz),
        "window_end": _local(job.window_end, tz),
        "duration_min": job.duration_min,
        "priority": job.priority,
        "warranty": job.warranty,
        "parts_expected": [f"{p['part']}*{p['quantity']}" for p in job.parts_expected],
        "owned_product": job.owned_product.external_id if job.owned_product else None,
        "status": job.status,
        "visits": [_visit_row(v, tz) for v in job.visits],
    }


def _visit_row(visit: Visit, tz: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": visit.external_id,
        "technician": visit.technician.external_id,
        "number": visit.number,
    }
    for name in ("planned_arrival", "planned_start", "planned_end", *VISIT_TIMES):
        row[name] = _local(getattr(visit, name), tz)
    row.update(
        fault_found=visit.fault_found,
        cause=visit.cause,
        outcome=visit.outcome,
        feedback=visit.feedback,
        satisfaction=visit.satisfaction,
        parts=[f"{p.part.code}*{p.quantity}" for p in visit.parts],
    )
    return row


JOBS = Kind("jobs", JOB_COLUMNS, "id", validate_jobs, write_jobs, export_jobs)
