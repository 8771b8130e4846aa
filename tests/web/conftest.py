"""Web fixtures: users of each role on the shipped normal scenario, and a signed-in client."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import datetime

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dispatch.config import Settings
from dispatch.db import transaction
from dispatch.models import PlanRoute, Technician, User
from dispatch.users import add_user
from tests.conftest import DATA
from tests.helpers import run_import

PASSWORD = "correct-horse"
NOW = datetime.fromisoformat("2026-07-06T07:00:00+08:00")


@pytest.fixture
def people(sessions: sessionmaker[Session], settings: Settings) -> dict[str, str]:
    """The normal scenario, a dispatcher, a manager and two technician accounts: username -> role."""
    run_import(sessions, settings, DATA / "scenarios" / "guangzhou-normal.json")
    with transaction(sessions) as session:
        techs = session.scalars(select(Technician).order_by(Technician.external_id)).all()
        add_user(session, "disp", PASSWORD, "dispatcher", NOW)
        add_user(session, "boss", PASSWORD, "manager", NOW)
        add_user(session, "tech1", PASSWORD, "technician", NOW, techs[0].external_id)
        add_user(session, "tech2", PASSWORD, "technician", NOW, techs[1].external_id)
    return {"disp": "dispatcher", "boss": "manager", "tech1": "technician", "tech2": "technician"}


def account_on_a_route(session: Session, routes: Iterable[PlanRoute]) -> tuple[User, list[PlanRoute]]:
    """A technician account "walker" for the first route with stops whose technician has no account yet.

    A short plan leaves some technicians without a route, the fixture accounts' included. Returns the account and
    the routes it could have taken, its own first.
    """
    linked = set(session.scalars(select(User.technician_id).where(User.technician_id.is_not(None))))
    free = [route for route in routes if route.stops and route.technician_id not in linked]
    assert free, "no technician without an account has a route"
    return add_user(session, "walker", PASSWORD, "technician", NOW, free[0].technician.external_id), free


def csrf_token(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


@pytest.fixture
def sign_in(client: FlaskClient, people: dict[str, str]) -> Callable[[str], FlaskClient]:
    """Sign the client in as a user of `people`."""

    def as_user(username: str) -> FlaskClient:
        token = csrf_token(client.get("/login").text)
        answer = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
        assert answer.status_code == 302, answer.text
        return client

    return as_user
