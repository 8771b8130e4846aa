"""Administration: the scheduled tasks, when they run next, how their last run went, and "run now"."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from dispatch.models import Role
from dispatch.scheduling import TaskRunner, schedule_status
from web.auth import roles_required
from web.db import db, settings

bp = Blueprint("admin", __name__, url_prefix="/admin")


class RunNowForm(FlaskForm):
    """Nothing but the CSRF token: the task is in the URL."""


def _runner() -> TaskRunner:
    runner: TaskRunner = current_app.extensions["dispatch"]["tasks"]
    return runner


@bp.get("/schedule")
@roles_required(Role.ADMIN)
def schedule() -> ResponseReturnValue:
    """The table of scheduled tasks."""
    rows = schedule_status(db(), settings(), _runner().tasks)
    return render_template("admin/schedule.html", rows=rows, form=RunNowForm(), tz=settings().tz)


@bp.post("/schedule/<task_id>/run")
@roles_required(Role.ADMIN)
def run_now(task_id: str) -> ResponseReturnValue:
    """Start a task on the worker thread and come back to the table; its row shows the run once done."""
    task = _runner().find(task_id)
    if task is None:
        abort(404)
    if not RunNowForm().validate_on_submit():
        abort(400)
    _runner().start(task)
    flash(_("Started: %(task)s. Its last run shows here once it is done.", task=_(task.description)), "info")
    return redirect(url_for("admin.schedule"))
