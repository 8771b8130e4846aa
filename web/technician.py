"""The technician's day on a phone: the published route in order, only their own."""

from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint, abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from dispatch.models import Role
from dispatch.plans import published_route
from web.auth import roles_required
from web.db import db, settings

bp = Blueprint("technician", __name__, url_prefix="/me")


@bp.get("/day")
@roles_required(Role.TECHNICIAN)
def day() -> ResponseReturnValue:
    """Today's (or ?day=) published stops of the signed-in technician."""
    if current_user.technician_id is None:
        abort(403)
    raw = request.args.get("day")
    try:
        when = date.fromisoformat(raw) if raw else datetime.now(settings().tz).date()
    except ValueError:
        abort(400, description=f"day: {raw!r} is not a date like 2026-07-06")
    route = published_route(db(), when, current_user.technician_id)
    return render_template("technician/day.html", day=when, route=route, tz=settings().tz)
