"""web: the Flask application (app factory, one blueprint per area, templates, static files).

Layer: the top one. Views parse input, call one `dispatch` service and render; no logic here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from flask_wtf import CSRFProtect

from dispatch.background import Planner
from dispatch.config import Settings
from dispatch.db import make_engine, make_sessionmaker
from dispatch.scheduling import TaskRunner
from web.auth import init_auth
from web.db import init_db
from web.i18n import init_i18n


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application; settings come from the environment (DISPATCH_*) unless given."""
    app = Flask(__name__, instance_relative_config=True)
    settings = Settings.from_env()
    app.config.from_mapping(DATABASE_URL=settings.database_url, SECRET_KEY="dev")
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("DISPATCH")
    else:
        app.config.from_mapping(test_config)
    settings = Settings.from_env(database_url=app.config["DATABASE_URL"])
    engine = make_engine(settings.database_url)
    sessions = make_sessionmaker(engine)
    app.extensions["dispatch"] = {
        "settings": settings,
        "engine": engine,
        "sessions": sessions,
        "planner": Planner(sessions, settings),
        "tasks": TaskRunner(sessions, settings),  # "run now" of the admin page; the scheduler runs elsewhere
    }
    csrf = CSRFProtect(app)
    init_db(app)
    init_i18n(app)
    init_auth(app)
    app.add_template_filter(_clock, "clock")
    app.add_template_filter(_day, "day")
    app.add_template_filter(_stamp, "stamp")

    from web import admin, api, calls, crew, customers, dispatcher, manager, overview, service, technician, vendor

    csrf.exempt(api.bp)  # token-authenticated, no cookies
    app.jinja_env.globals["navigation_url"] = technician.navigation_url
    for blueprint in (
        overview.bp,
        dispatcher.bp,
        calls.bp,
        crew.bp,
        technician.bp,
        api.bp,
        vendor.bp,
        admin.bp,
        customers.bp,
        manager.bp,
        service.bp,
    ):
        app.register_blueprint(blueprint)
    return app


def _day(moment: datetime | None, tz: ZoneInfo) -> str:
    """YYYY-MM-DD in the business timezone."""
    return "" if moment is None else moment.astimezone(tz).date().isoformat()


def _stamp(moment: datetime | None, tz: ZoneInfo) -> str:
    """MM-DD HH:MM in the business timezone."""
    return "" if moment is None else moment.astimezone(tz).strftime("%m-%d %H:%M")


def _clock(moment: datetime | None, tz: ZoneInfo) -> str:
    """HH:MM in the business timezone."""
    return "" if moment is None else moment.astimezone(tz).strftime("%H:%M")
