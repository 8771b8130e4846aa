"""The dispatcher's plan page: plan a day in the background, look at versions, publish one."""

from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from dispatch.background import Planner
from dispatch.db import transaction
from dispatch.errors import DispatchError
from dispatch.models import PlanVersion, Role
from dispatch.plans import PublishConflict, day_revision, publish, versions_of
from web.auth import roles_required
from web.db import db, settings
from web.presenters import map_routes, timeline

bp = Blueprint("dispatcher", __name__, url_prefix="/dispatch")
DEFAULT_TIME_LIMIT_S = 30.0


def planner() -> Planner:
    found: Planner = current_app.extensions["dispatch"]["planner"]
    return found


def _day() -> date:
    raw = request.values.get("day")
    if not raw:
        return datetime.now(settings().tz).date()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        abort(400, description=f"day: {raw!r} is not a date like 2026-07-06")


@bp.get("/plan")
@roles_required(Role.DISPATCHER)
def board() -> ResponseReturnValue:
    """The day's versions; the chosen (or newest) one in detail."""
    day = _day()
    session = db()
    versions = versions_of(session, day)
    chosen_id = request.args.get("version", type=int)
    chosen = next((v for v in versions if v.id == chosen_id), versions[0] if versions else None)
    rows, ticks = timeline(chosen, settings().tz) if chosen else ([], [])
    return render_template(
        "dispatcher/board.html",
        day=day,
        versions=versions,
        chosen=chosen,
        routes=map_routes(chosen, settings().tz, settings().tile_datum) if chosen else [],
        tile_url=settings().tile_url,
        rows=rows,
        ticks=ticks,
        revision=day_revision(session, day),
        run_id=request.args.get("run", type=int),
        tz=settings().tz,
    )


@bp.post("/plan")
@roles_required(Role.DISPATCHER)
def start_planning() -> ResponseReturnValue:
    """Queue a planning run for the day and go back to the board, which shows its progress."""
    day = _day()
    limit = request.form.get("time_limit", type=float) or current_app.config.get(
        "PLAN_TIME_LIMIT_S", DEFAULT_TIME_LIMIT_S
    )
    run = planner().start(day, float(limit), created_by=current_user.username)
    return redirect(url_for("dispatcher.board", day=day.isoformat(), run=run.id))


@bp.get("/runs/<int:run_id>")
@roles_required(Role.DISPATCHER)
def run_state(run_id: int) -> ResponseReturnValue:
    """A planning run's progress, for the board to poll."""
    run = planner().run(run_id)
    if run is None:
        abort(404)
    return jsonify(state=run.state, progress=round(run.progress, 3), version_id=run.version_id, error=run.error)


@bp.post("/versions/<int:version_id>/publish")
@roles_required(Role.DISPATCHER)
def publish_version(version_id: int) -> ResponseReturnValue:
    """Publish a draft; a stale revision (someone else published meanwhile) changes nothing."""
    seen = request.form.get("revision", type=int)
    if seen is None:
        abort(400, description="revision: missing")
    sessions = current_app.extensions["dispatch"]["sessions"]
    try:
        with transaction(sessions) as session:
            version = publish(session, version_id, seen, datetime.now(settings().tz))
            day, number = version.day, version.number
        flash(_("Version %(number)s published.", number=number), "info")
    except PublishConflict:
        flash(_("Someone else published this day since you opened it. Reload and publish again."), "error")
        version_row = db().get(PlanVersion, version_id)
        day = version_row.day if version_row else _day()
    except DispatchError as exc:
        flash(str(exc), "error")
        version_row = db().get(PlanVersion, version_id)
        day = version_row.day if version_row else _day()
    return redirect(url_for("dispatcher.board", day=day.isoformat(), version=version_id))
