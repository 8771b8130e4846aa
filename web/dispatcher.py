"""The dispatcher's plan page: plan a day in the background, look at versions, publish one."""

from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.background import Planner
from dispatch.db import transaction
from dispatch.errors import DispatchError
from dispatch.models import JobStatus, JobType, PlanVersion, ProductKind, Role
from dispatch.plan_edits import Warning, move_job, remove_job, set_pinned
from dispatch.planning import on_shift
from dispatch.plans import PublishConflict, day_revision, diff, publish, versions_of
from dispatch.sla import SlaFlag, risk, sla_flags
from dispatch.store import JobFilter, list_jobs
from web.auth import roles_required
from web.db import db, settings
from web.presenters import map_routes, timeline
from web.query import day_arg

bp = Blueprint("dispatcher", __name__, url_prefix="/dispatch")
DEFAULT_TIME_LIMIT_S = 30.0


def planner() -> Planner:
    found: Planner = current_app.extensions["dispatch"]["planner"]
    return found


def _day() -> date:
    return day_arg("day") or datetime.now(settings().tz).date()


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
    crew = on_shift(session, day, settings()) if chosen and chosen.status == "draft" else []
    previous = next((v for v in versions if chosen and v.number == chosen.number - 1), None)
    changes = diff(previous, chosen) if previous and chosen else None
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
        crew=[t for t, _span in crew],
        previous=previous,
        changes=changes,
        tz=settings().tz,
        at_stake=_at_stake(day),
    )


def _at_stake(day: date) -> list[SlaFlag]:
    """Today's board lists the jobs whose target or promise is at stake, most urgent first."""
    now = datetime.now(settings().tz)
    return sla_flags(db(), now) if day == now.date() else []


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
    return jsonify(
        state=run.state,
        progress=round(run.progress, 3),
        version_id=run.version_id,
        error=run.error,
        plans_found=run.plans_found,
        best_objective=run.best_objective,
    )


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
            version = publish(session, version_id, seen, datetime.now(settings().tz), settings())
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


@bp.post("/versions/<int:version_id>/edit")
@roles_required(Role.DISPATCHER)
def edit_version(version_id: int) -> ResponseReturnValue:
    """Move, remove, pin or unpin a job in a draft. Without `confirm`, a change the checker objects to
    is shown with its warnings and not saved; with it, it is saved as asked."""
    form = request.form
    op, job_id = form.get("op", ""), form.get("job_id", type=int)
    if op not in ("move", "remove", "pin", "unpin") or job_id is None:
        abort(400, description="op: move, remove, pin or unpin, with job_id")
    sessions = current_app.extensions["dispatch"]["sessions"]
    session = sessions()
    try:
        warnings = _apply(session, op, version_id, job_id)
        if warnings and form.get("confirm") != "1":
            session.rollback()
            version = session.get(PlanVersion, version_id)
            if version is None:
                abort(404)
            return render_template(
                "dispatcher/confirm.html", version=version, warnings=warnings, form=form, job_id=job_id
            ), 409
        session.commit()
        flash(_("Change saved.") if not warnings else _("Change saved despite the warnings."), "info")
    except DispatchError as exc:
        session.rollback()
        flash(str(exc), "error")
    finally:
        day = session.get(PlanVersion, version_id)
        day_text = day.day.isoformat() if day else ""
        session.close()
    return redirect(url_for("dispatcher.board", day=day_text, version=version_id))


def _apply(session: Session, op: str, version_id: int, job_id: int) -> list[Warning]:
    if op == "move":
        technician_id = request.form.get("technician_id", type=int)
        if technician_id is None:
            abort(400, description="technician_id: missing")
        position = request.form.get("position", type=int) or 0
        return move_job(session, settings(), version_id, job_id, technician_id, max(0, position - 1))
    if op == "remove":
        return remove_job(session, settings(), version_id, job_id)
    set_pinned(session, version_id, job_id, op == "pin")
    return []


@bp.post("/versions/<int:version_id>/reoptimise")
@roles_required(Role.DISPATCHER)
def reoptimise_version(version_id: int) -> ResponseReturnValue:
    """A new draft from this one, pinned jobs kept with their technicians (runs in the background)."""
    version = db().get(PlanVersion, version_id)
    if version is None:
        abort(404)
    limit = current_app.config.get("PLAN_TIME_LIMIT_S") or DEFAULT_TIME_LIMIT_S
    run = planner().start_reoptimise(version_id, version.day, float(limit), created_by=current_user.username)
    return redirect(url_for("dispatcher.board", day=version.day.isoformat(), run=run.id))


@bp.get("/jobs")
@roles_required(Role.DISPATCHER)
def jobs() -> ResponseReturnValue:
    """The job board: filters on status, type, product, district, technician, day and risk."""
    args = request.args
    criteria = JobFilter(
        status=args.getlist("status") or None,
        job_type=args.get("job_type") or None,
        product=args.get("product") or None,
        district=args.get("district") or None,
        technician=args.get("technician") or None,
        day=_day() if args.get("day") else None,
        limit=500,
    )
    now = datetime.now(settings().tz)
    rows = [(job, risk(job, now)) for job in list_jobs(db(), criteria, settings().tz)]
    wanted = args.get("risk")
    if wanted == "promise":
        rows = [r for r in rows if r[1] == "promise"]
    elif wanted == "target":
        rows = [r for r in rows if r[1] is not None]
    return render_template(
        "dispatcher/jobs.html",
        rows=rows,
        args=args,
        statuses=[s.value for s in JobStatus],
        products=db().scalars(select(ProductKind.code).order_by(ProductKind.code)).all(),
        job_types=db().scalars(select(JobType.code).order_by(JobType.code)).all(),
        tz=settings().tz,
    )
