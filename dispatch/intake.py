"""Call intake: match or create the customer file, create the job with its deadlines, locate it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dispatch.config import Settings
from dispatch.deadlines import compute_deadlines
from dispatch.errors import DispatchError, NotFound
from dispatch.geo import Geocoder, locate
from dispatch.lifecycle import open_job
from dispatch.models import (
    Customer,
    CustomerPhone,
    Job,
    JobType,
    OwnedProduct,
    Priority,
    ProductKind,
    Warranty,
)
from dispatch.phones import normalize_phone
from dispatch.replan_requests import on_call_taken
from dispatch.store import customer_by_phone

# Estimated minutes on site when the dispatcher gives none.
DEFAULT_DURATION_MIN = {"install": 90, "repair": 60, "maintenance": 45, "delivery": 30}


class InvalidCall(DispatchError):
    """A call that cannot become a job; names the field."""

    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(f"{field_name}: {reason}")
        self.field = field_name
        self.reason = reason


@dataclass(frozen=True)
class Call:
    """What the dispatcher notes while on the phone."""

    phone: str
    customer_name: str
    product: str
    job_type: str
    received_at: datetime
    address: str = ""
    district: str = ""
    fault_description: str = ""
    lat: float | None = None
    lon: float | None = None
    window_start: datetime | None = None
    window_end: datetime | None = None
    duration_min: int | None = None
    priority: str = Priority.NORMAL.value
    warranty: str | None = None
    serial: str = ""
    parts_expected: Sequence[dict[str, object]] = field(default_factory=tuple)


@dataclass(frozen=True)
class IntakeResult:
    """The job created and the customer file it belongs to."""

    job: Job
    customer: Customer
    new_customer: bool


def take_call(session: Session, call: Call, settings: Settings, geocoder: Geocoder | None = None) -> IntakeResult:
    """Turn a call into a stored job (the caller commits).

    Raises
    ------
    InvalidCall
        When a field is wrong; the message names it.
    """
    _check_call(session, call)
    try:
        phone = normalize_phone(call.phone, settings.default_area_code)
    except DispatchError as exc:
        raise InvalidCall("phone", str(exc)) from exc
    customer = customer_by_phone(session, phone)
    new_customer = customer is None
    if customer is None:
        customer = _new_customer(session, call, phone, settings, geocoder)
    elif call.address and call.address != customer.address:
        _move_customer(session, customer, call, settings, geocoder)
    owned = _owned_product(customer, call.serial)
    deadlines = compute_deadlines(call.received_at, settings.target_hours, settings.promise_hours, settings.tz)
    job = Job(
        external_id=_next_job_id(session, call.received_at.astimezone(settings.tz).date()),
        customer=customer,
        owned_product=owned,
        product_code=call.product,
        job_type_code=call.job_type,
        fault_description=call.fault_description,
        received_at=call.received_at,
        target_at=deadlines.target_at,
        promise_at=deadlines.promise_at,
        window_start=call.window_start,
        window_end=call.window_end,
        duration_min=call.duration_min or DEFAULT_DURATION_MIN.get(call.job_type, 60),
        priority=call.priority,
        warranty=call.warranty or _warranty_for(owned, call.received_at.astimezone(settings.tz).date()),
        parts_expected=list(call.parts_expected),
    )
    open_job(job, call.received_at, note="call received")
    session.add(job)
    session.flush()
    on_call_taken(session, job, call.received_at)
    return IntakeResult(job=job, customer=customer, new_customer=new_customer)


def _check_call(session: Session, call: Call) -> None:
    if not call.customer_name.strip():
        raise InvalidCall("customer_name", "is empty")
    if session.get(ProductKind, call.product) is None:
        raise InvalidCall("product", f"unknown product {call.product!r}")
    if session.get(JobType, call.job_type) is None:
        raise InvalidCall("job_type", f"unknown job type {call.job_type!r}")
    if call.priority not in {p.value for p in Priority}:
        raise InvalidCall("priority", f"unknown priority {call.priority!r}")
    if call.warranty is not None and call.warranty not in {w.value for w in Warranty}:
        raise InvalidCall("warranty", f"unknown warranty status {call.warranty!r}")
    if call.received_at.tzinfo is None:
        raise InvalidCall("received_at", "must carry a timezone")
    if (call.window_start is None) != (call.window_end is None):
        raise InvalidCall("window", "give both start and end, or neither")
    if call.window_start and call.window_end and call.window_start >= call.window_end:
        raise InvalidCall("window", "start must be before end")
    if call.duration_min is not None and call.duration_min <= 0:
        raise InvalidCall("duration_min", "must be positive")
    if (call.lat is None) != (call.lon is None):
        raise InvalidCall("lat", "give both lat and lon, or neither")


def _new_customer(session: Session, call: Call, phone: str, settings: Settings, geocoder: Geocoder | None) -> Customer:
    customer = Customer(
        external_id=f"C-{uuid.uuid4().hex[:10]}",
        name=call.customer_name.strip(),
        address=call.address,
        district=call.district,
        created_at=call.received_at,
        phones=[CustomerPhone(number=phone, position=0)],
    )
    _place(session, customer, call, settings, geocoder)
    session.add(customer)
    return customer


def _move_customer(
    session: Session, customer: Customer, call: Call, settings: Settings, geocoder: Geocoder | None
) -> None:
    """A known customer calling from a new address: the file keeps the latest one."""
    customer.address = call.address
    customer.district = call.district or customer.district
    _place(session, customer, call, settings, geocoder)


def _place(session: Session, customer: Customer, call: Call, settings: Settings, geocoder: Geocoder | None) -> None:
    if call.lat is not None and call.lon is not None:
        customer.lat, customer.lon, customer.location_approximate = call.lat, call.lon, False
        return
    try:
        where = locate(session, call.address, customer.district, settings, geocoder)
    except NotFound as exc:
        raise InvalidCall("district", str(exc)) from exc
    customer.lat, customer.lon, customer.location_approximate = where.lat, where.lon, where.approximate


def _owned_product(customer: Customer, serial: str) -> OwnedProduct | None:
    if not serial:
        return None
    for product in customer.products:
        if product.serial == serial:
            return product
    raise InvalidCall("serial", f"customer {customer.external_id} owns no product with serial {serial!r}")


def _warranty_for(owned: OwnedProduct | None, call_day: date) -> str:
    """In warranty (repair, the default remedy) until the warranty end date, else paid."""
    if owned is not None and owned.warranty_end is not None and call_day <= owned.warranty_end:
        return Warranty.REPAIR.value
    return Warranty.PAID.value


def _next_job_id(session: Session, day: date) -> str:
    prefix = f"J{day:%Y%m%d}-"
    taken = session.scalar(select(func.count()).select_from(Job).where(Job.external_id.startswith(prefix))) or 0
    return f"{prefix}{taken + 1:04d}"
