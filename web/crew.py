"""The technicians page: who works, their certifications, weekly hours and days off, editable."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select

from dispatch.crew import TechnicianEdit, update_technician
from dispatch.db import transaction
from dispatch.errors import DispatchError
from dispatch.io.workforce import format_absence, format_weekly_shifts
from dispatch.models import JobType, ProductKind, Role, Technician
from web.auth import roles_required
from web.db import db

bp = Blueprint("crew", __name__, url_prefix="/dispatch/technicians")


@bp.get("")
@roles_required(Role.DISPATCHER, Role.MANAGER)
def index() -> ResponseReturnValue:
    techs = db().scalars(select(Technician).order_by(Technician.external_id)).all()
    return render_template("crew/index.html", techs=techs, weekly=format_weekly_shifts, absence=format_absence)


@bp.route("/<int:technician_id>", methods=["GET", "POST"])
@roles_required(Role.DISPATCHER)
def edit(technician_id: int) -> ResponseReturnValue:
    """One technician's file; a bad field is named and nothing is saved."""
    tech = db().get(Technician, technician_id)
    if tech is None:
        abort(404)
    if request.method == "POST":
        change = TechnicianEdit(
            skills=request.form.getlist("skills"),
            weekly_hours=request.form.get("weekly_hours", ""),
            days_off=request.form.get("days_off", ""),
            active=request.form.get("active") == "on",
        )
        sessions = current_app.extensions["dispatch"]["sessions"]
        try:
            with transaction(sessions) as session:
                stored = session.get(Technician, technician_id)
                assert stored is not None
                update_technician(session, stored, change)
            flash(_("Saved."), "info")
            return redirect(url_for("crew.index"))
        except DispatchError as exc:
            flash(str(exc), "error")
    products = db().scalars(select(ProductKind.code).order_by(ProductKind.code)).all()
    job_types = db().scalars(select(JobType.code).order_by(JobType.code)).all()
    return render_template(
        "crew/edit.html",
        tech=tech,
        products=products,
        job_types=job_types,
        held=set(tech.skill_codes()),
        weekly="\n".join(format_weekly_shifts(tech.weekly_shifts)),
        days_off="\n".join(format_absence(a) for a in tech.absences),
    )
