"""Customer files and service records: search customers, a customer's file, one visit's record, the
record search across visits and the fault report per product model (dispatchers and managers)."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, current_app, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from dispatch.customer_files import customer_file, search_customers, visit_record
from dispatch.models import ProductKind, Role, Technician
from dispatch.service_records import DEFAULT_TOP, RecordFilter, fault_report, search_records
from web.auth import roles_required
from web.db import db, settings
from web.query import day_arg

bp = Blueprint("customers", __name__)
SUMMARY_ENDPOINT = "service.visit_summary"  # the printable summary, from the service blueprint when present
MAX_TOP = 50


def _page() -> int:
    return max(1, request.args.get("page", 1, type=int) or 1)


@bp.get("/customers")
@roles_required(Role.DISPATCHER, Role.MANAGER)
def index() -> ResponseReturnValue:
    """One search box: phone, name, address or serial; the matches a page at a time."""
    query = request.args.get("q", "")
    found = search_customers(db(), query, settings().default_area_code, _page())
    return render_template("customers/index.html", query=query, found=found)


@bp.get("/customers/<int:customer_id>")
@roles_required(Role.DISPATCHER, Role.MANAGER)
def show(customer_id: int) -> ResponseReturnValue:
    """The customer's file; warranty status as of today in the business timezone."""
    today = datetime.now(settings().tz).date()
    found = customer_file(db(), customer_id, today)
    if found is None:
        abort(404)
    return render_template("customers/file.html", file=found, today=today, tz=settings().tz)


@bp.get("/visits/<int:visit_id>")
@roles_required(Role.DISPATCHER, Role.MANAGER)
def visit(visit_id: int) -> ResponseReturnValue:
    """One visit's service record in full."""
    record = visit_record(db(), visit_id)
    if record is None:
        abort(404)
    return render_template(
        "customers/visit.html",
        record=record,
        summary_endpoint=SUMMARY_ENDPOINT if SUMMARY_ENDPOINT in current_app.view_functions else None,
        tz=settings().tz,
    )


@bp.get("/records")
@roles_required(Role.DISPATCHER, Role.MANAGER)
def records() -> ResponseReturnValue:
    """Recorded visits matching the filters, the latest first."""
    criteria = _record_filter()
    found = search_records(db(), criteria, settings().tz, _page())
    return render_template("customers/records.html", found=found, **_filter_choices(), tz=settings().tz)


@bp.get("/records/faults")
@roles_required(Role.DISPATCHER, Role.MANAGER)
def faults() -> ResponseReturnValue:
    """The most frequent faults and causes per product model among the filtered records."""
    top = min(MAX_TOP, max(1, request.args.get("top", DEFAULT_TOP, type=int) or DEFAULT_TOP))
    report = fault_report(db(), _record_filter(), settings().tz, top=top)
    return render_template("customers/faults.html", report=report, top=top, **_filter_choices())


def _record_filter() -> RecordFilter:
    """The record filters of the query string; a malformed day is a 400."""
    args = request.args
    return RecordFilter(
        product=args.get("product") or None,
        model=args.get("model", "").strip() or None,
        fault=args.get("fault", "").strip() or None,
        cause=args.get("cause", "").strip() or None,
        part=args.get("part", "").strip() or None,
        first_day=day_arg("from"),
        last_day=day_arg("to"),
        technician=args.get("technician") or None,
    )


def _filter_choices() -> dict[str, object]:
    """What the filter form offers and what it currently holds."""
    session = db()
    return {
        "args": request.args,
        "products": session.scalars(select(ProductKind.code).order_by(ProductKind.code)).all(),
        "technicians": session.execute(
            select(Technician.external_id, Technician.name).order_by(Technician.name, Technician.external_id)
        ).all(),
    }
