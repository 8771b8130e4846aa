"""Call intake: look the caller up by phone, note product, fault, job type and slot; the deadlines
show while the form is filled in."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select

from dispatch.db import transaction
from dispatch.deadlines import compute_deadlines
from dispatch.errors import DispatchError
from dispatch.geo import make_geocoder
from dispatch.intake import Call, take_call
from dispatch.models import JobType, Priority, ProductKind, Role
from dispatch.phones import normalize_phone
from dispatch.store import customer_by_phone
from web.auth import roles_required
from web.db import db, settings

bp = Blueprint("calls", __name__, url_prefix="/dispatch/calls")
SLOTS = ((8, 10), (10, 12), (12, 14), (14, 16), (16, 18))
BOOKABLE_DAYS = 7


def _slot_days(today: date) -> list[date]:
    return [today + timedelta(days=i) for i in range(BOOKABLE_DAYS)]


@bp.get("/new")
@roles_required(Role.DISPATCHER)
def new() -> ResponseReturnValue:
    """The intake form, with the deadlines a call taken now gets."""
    now = datetime.now(settings().tz)
    deadlines = compute_deadlines(now, settings().target_hours, settings().promise_hours, settings().tz)
    session = db()
    return render_template(
        "calls/new.html",
        products=session.scalars(select(ProductKind).order_by(ProductKind.code)).all(),
        job_types=session.scalars(select(JobType).order_by(JobType.code)).all(),
        priorities=[p.value for p in Priority],
        days=_slot_days(now.date()),
        slots=SLOTS,
        deadlines=deadlines,
        values=request.args,
        tz=settings().tz,
    )


@bp.get("/lookup")
@roles_required(Role.DISPATCHER)
def lookup() -> ResponseReturnValue:
    """The customer file behind a phone number, if any (JSON for the form)."""
    raw = request.args.get("phone", "")
    try:
        number = normalize_phone(raw, settings().default_area_code)
    except DispatchError as exc:
        return jsonify(found=False, error=str(exc))
    customer = customer_by_phone(db(), number)
    if customer is None:
        return jsonify(found=False, phone=number)
    return jsonify(
        found=True,
        phone=number,
        id=customer.external_id,
        name=customer.name,
        address=customer.address,
        district=customer.district,
        products=[{"product": p.product_code, "serial": p.serial} for p in customer.products],
    )


@bp.post("/new")
@roles_required(Role.DISPATCHER)
def create() -> ResponseReturnValue:
    """Store the call as a job; a wrong field sends the form back with the message."""
    form = request.form
    tz = settings().tz
    start = end = None
    if form.get("slot_day") and form.get("slot"):
        day = date.fromisoformat(form["slot_day"])
        first, last = (int(h) for h in form["slot"].split("-"))
        start = datetime.combine(day, time(first), tzinfo=tz)
        end = datetime.combine(day, time(last), tzinfo=tz)
    call = Call(
        phone=form.get("phone", ""),
        customer_name=form.get("customer_name", ""),
        product=form.get("product", ""),
        job_type=form.get("job_type", ""),
        received_at=datetime.now(tz),
        address=form.get("address", ""),
        district=form.get("district", ""),
        fault_description=form.get("fault_description", ""),
        window_start=start,
        window_end=end,
        priority=form.get("priority", Priority.NORMAL.value),
        serial=form.get("serial", ""),
    )
    sessions = current_app.extensions["dispatch"]["sessions"]
    try:
        with transaction(sessions) as session:
            result = take_call(session, call, settings(), make_geocoder(settings()))
            job_id, target, promise = result.job.external_id, result.job.target_at, result.job.promise_at
    except DispatchError as exc:
        flash(str(exc), "error")
        kept: dict[str, Any] = {k: v for k, v in form.items() if k != "csrf_token"}
        return redirect(url_for("calls.new", **kept))
    flash(
        _(
            "Job %(job)s created: on site by %(target)s (target), at the latest %(promise)s.",
            job=job_id,
            target=target.astimezone(tz).strftime("%m-%d %H:%M"),
            promise=promise.astimezone(tz).strftime("%m-%d %H:%M"),
        ),
        "info",
    )
    return redirect(url_for("calls.new"))
