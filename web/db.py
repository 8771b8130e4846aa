"""One database session per request, closed when the request ends."""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from dispatch.config import Settings


def db() -> Session:
    """The request's session (opened on first use)."""
    if "db" not in g:
        g.db = current_app.extensions["dispatch"]["sessions"]()
    session: Session = g.db
    return session


def settings() -> Settings:
    """The service centre's settings."""
    configured: Settings = current_app.extensions["dispatch"]["settings"]
    return configured


def init_db(app: Flask) -> None:
    """Close the request's session at teardown (rolling back anything not committed)."""

    @app.teardown_appcontext
    def close(_error: BaseException | None) -> None:
        session = g.pop("db", None)
        if session is not None:
            session.close()
