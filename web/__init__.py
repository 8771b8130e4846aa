"""web: the Flask application (app factory, one blueprint per area, templates, static files).

Layer: the top one. Views parse input, call one `dispatch` service and render; no logic here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from dispatch.config import Settings
from dispatch.db import make_engine, make_sessionmaker


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
    app.extensions["dispatch"] = {
        "settings": settings,
        "engine": engine,
        "sessions": make_sessionmaker(engine),
    }

    from web import overview

    app.register_blueprint(overview.bp)
    return app
