"""The technician's day on a phone: the published route in order, each job's page with its status
buttons and the completion form (the service record). A technician reaches only their own jobs."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from wtforms import StringField, TextAreaField
from wtforms.validators import AnyOf

from dispatch.db import transaction
from dispatch.errors import DispatchError
from dispatch.geo import wgs84_to_gcj02
from dispatch.models import Job, Outcome, Part, PlanRoute, Role, Satisfaction, Visit
from dispatch.plans import published_route
from dispatch.records import PartUse, ServiceRecord, arrive, finish_visit, set_off
from web.auth import roles_required
from web.db import db, settings
from web.query import day_arg

bp = Blueprint("technician", __name__, url_prefix="/me")
PART_ROWS = 3


@bp.get("/day")
@roles_required(Role.TECHNICIAN)
def day() -> ResponseReturnValue:
    """Today's (or ?day=) published stops of the signed-in technician."""
    when = day_arg("day") or datetime.now(settings().tz).date()
    route = published_route(db(), when, _technician_id())
    changed = route is not None and route.changed and route.seen_at is None
    if changed and route is not None:
        _mark_seen(route.id)
    return render_template("technician/day.html", day=when, route=route, tz=settings().tz, route_changed=changed)


def _mark_seen(route_id: int) -> None:
    """The technician has seen the re-planned route: the badge goes."""
    with transaction(current_app.extensions["dispatch"]["sessions"]) as session:
        session.execute(update(PlanRoute).where(PlanRoute.id == route_id).values(seen_at=datetime.now(settings().tz)))


def navigation_url(lat: float | None, lon: float | None, name: str) -> str | None:
    """A link that opens AMap (Gaode) navigation to the place; AMap wants GCJ-02 coordinates."""
    if lat is None or lon is None:
        return None
    g_lat, g_lon = wgs84_to_gcj02(lat, lon)
    to = f"{g_lon:.6f},{g_lat:.6f},{quote(name)}"
    return f"https://uri.amap.com/navigation?to={to}&mode=car&coordinate=gaode&callnative=1"


def _technician_id() -> int:
    if current_user.technician_id is None:
        abort(403)
    return int(current_user.technician_id)


def _own_job(session: Session, job_id: int) -> Job:
    """The job if its current visit is the signed-in technician's; 403 if another's, 404 if there is none."""
    job = session.get(Job, job_id)
    if job is None:
        abort(404)
    if not job.visits or job.visits[-1].technician_id != _technician_id():
        abort(403)
    return job


class CompletionForm(FlaskForm):
    """The service record of a visit."""

    fault_found = TextAreaField(lazy_gettext("Fault found"))
    cause = TextAreaField(lazy_gettext("Cause"))
    # Rendered by hand as <select>s of the enums; validated here.
    outcome = StringField(lazy_gettext("Outcome"), validators=[AnyOf([o.value for o in Outcome])])
    satisfaction = StringField(
        lazy_gettext("Customer satisfaction"), validators=[AnyOf(["", *(s.value for s in Satisfaction)])]
    )
    feedback = TextAreaField(lazy_gettext("Notes"))


def _part_rows() -> list[tuple[str, int]]:
    """(part code, quantity) rows the form posted, empty rows left out."""
    rows = []
    for i in range(PART_ROWS):
        code = request.form.get(f"part_{i}", "").strip()
        quantity = request.form.get(f"quantity_{i}", type=int) or 0
        if code and quantity > 0:
            rows.append((code, quantity))
    return rows


@bp.get("/jobs/<int:job_id>")
@roles_required(Role.TECHNICIAN)
def job_page(job_id: int) -> ResponseReturnValue:
    """One stop: customer, product, fault, the customer's history, and what to do next."""
    session = db()
    job = _own_job(session, job_id)
    history = session.scalars(
        select(Visit)
        .join(Job, Visit.job_id == Job.id)
        .where(Job.customer_id == job.customer_id, Visit.completed_at.is_not(None))
        .order_by(Visit.completed_at.desc())
        .limit(10)
    ).all()
    parts = session.scalars(
        select(Part).where((Part.product_code == job.product_code) | Part.product_code.is_(None)).order_by(Part.code)
    ).all()
    return render_template(
        "technician/job.html",
        job=job,
        history=history,
        parts=parts,
        rows=range(PART_ROWS),
        form=CompletionForm(),
        outcomes=list(Outcome),
        satisfactions=list(Satisfaction),
        tz=settings().tz,
    )


@bp.post("/jobs/<int:job_id>/status")
@roles_required(Role.TECHNICIAN)
def change(job_id: int) -> ResponseReturnValue:
    """`on my way` or `arrived`, time-stamped now."""
    step = request.form.get("step")
    if step not in ("on_my_way", "arrived"):
        abort(400, description="step: on_my_way or arrived")
    sessions = current_app.extensions["dispatch"]["sessions"]
    try:
        with transaction(sessions) as session:
            job, now = _own_job(session, job_id), datetime.now(settings().tz)
            if step == "on_my_way":
                set_off(job, now, settings())  # the customer is told the expected arrival
            else:
                arrive(job, now)
    except DispatchError as exc:
        flash(str(exc), "error")
    return redirect(url_for("technician.job_page", job_id=job_id))


@bp.post("/jobs/<int:job_id>/complete")
@roles_required(Role.TECHNICIAN)
def complete(job_id: int) -> ResponseReturnValue:
    """Close the visit with its service record; parts come out of the van."""
    form = CompletionForm()
    if not form.validate_on_submit():
        abort(400, description="; ".join(f"{k}: {', '.join(v)}" for k, v in form.errors.items()))
    record = ServiceRecord(
        outcome=Outcome(form.outcome.data),
        fault_found=form.fault_found.data or "",
        cause=form.cause.data or "",
        parts=tuple(PartUse(code, quantity) for code, quantity in _part_rows()),
        feedback=form.feedback.data or "",
        satisfaction=Satisfaction(form.satisfaction.data) if form.satisfaction.data else None,
    )
    sessions = current_app.extensions["dispatch"]["sessions"]
    try:
        with transaction(sessions) as session:
            finish_visit(session, _own_job(session, job_id), record, datetime.now(settings().tz))
        flash(_("Visit recorded."), "info")
        return redirect(url_for("technician.day"))
    except DispatchError as exc:
        flash(str(exc), "error")
        return redirect(url_for("technician.job_page", job_id=job_id))
