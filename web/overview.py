"""The start page: what the service centre holds today."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, current_app, jsonify, render_template
from flask.typing import ResponseReturnValue

from dispatch.db import current_revision
from dispatch.overview import centre_overview

bp = Blueprint("overview", __name__)


@bp.get("/")
def index() -> ResponseReturnValue:
    """Counts of the centre and today's calls."""
    services = current_app.extensions["dispatch"]
    settings = services["settings"]
    with services["sessions"]() as session:
        summary = centre_overview(session, datetime.now(settings.tz).date(), settings.tz)
    return render_template("overview/index.html", summary=summary)


@bp.get("/healthz")
def health() -> ResponseReturnValue:
    """Liveness and the schema revision, for a load balancer or a person."""
    services = current_app.extensions["dispatch"]
    return jsonify(status="ok", schema=current_revision(services["engine"]))
