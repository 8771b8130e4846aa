"""A live server on a free port with today's scenario (or the demo's sample history), and Playwright
driving Debian's Chromium.

The browser must be there (`.ci/run` installs the `chromium` package); these tests never skip.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.serving import make_server

from dispatch.config import Settings
from dispatch.db import transaction
from dispatch.demo import load_demo
from dispatch.models import Technician
from dispatch.users import add_user
from tests.conftest import DATA
from tests.helpers import run_import
from web import create_app

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "browser-pass"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SCENARIO_FIRST_DAY = date(2026, 7, 6)


@pytest.fixture
def today(settings: Settings) -> date:
    return datetime.now(settings.tz).date()


@pytest.fixture
def centre(sessions: sessionmaker[Session], settings: Settings, today: date) -> sessionmaker[Session]:
    """The normal scenario moved to start today, a dispatcher, and an account per technician."""
    run_import(
        sessions, settings, DATA / "scenarios" / "guangzhou-normal.json", shift_days=(today - SCENARIO_FIRST_DAY).days
    )
    now = datetime.now(settings.tz)
    with transaction(sessions) as session:
        add_user(session, "disp", PASSWORD, "dispatcher", now)
        for tech in session.scalars(select(Technician)):
            add_user(session, f"t-{tech.external_id.split('/')[-1]}", PASSWORD, "technician", now, tech.external_id)
    return sessions


@pytest.fixture
def sample_history(sessions: sessionmaker[Session], settings: Settings, today: date) -> sessionmaker[Session]:
    """What `dispatch demo` loads (the scenario moved to today, two weeks of history, follow-ups and
    complaints), without planning, plus a manager account."""
    load_demo(sessions, settings, today)
    with transaction(sessions) as session:
        add_user(session, "boss", PASSWORD, "manager", datetime.now(settings.tz))
    return sessions


def _serve(database_url: str) -> Iterator[str]:
    """The app on a free localhost port until the generator is closed."""
    app = create_app({"TESTING": False, "DATABASE_URL": database_url, "SECRET_KEY": "browser", "PLAN_TIME_LIMIT_S": 2})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    app.extensions["dispatch"]["planner"].shutdown()


@pytest.fixture
def live_url(centre: sessionmaker[Session], database_url: str) -> Iterator[str]:
    yield from _serve(database_url)


@pytest.fixture
def history_url(sample_history: sessionmaker[Session], database_url: str) -> Iterator[str]:
    """The app serving the sample history."""
    yield from _serve(database_url)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield launched
        launched.close()
