"""Real-time dispatch on the pages: jobs at stake on today's board, the re-planned route badge."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dispatch.config import Settings
from dispatch.db import transaction
from dispatch.models import PlanRoute
from dispatch.realtime import publish_if_unpublished
from tests.helpers import at
from tests.web.conftest import account_on_a_route


def test_board_lists_jobs_at_stake(client: FlaskClient, sign_in: Callable[[str], FlaskClient]) -> None:
    """Today's board lists every open job whose deadline is at stake, most urgent first."""
    sign_in("disp")
    page = client.get("/dispatch/plan").text
    # The scenario's calls are months old and nobody went: all 300 are past their promise.
    assert 'id="at-stake"' in page and "(300)" in page
    assert "未派工" in page


def test_route_changed_badge_shows_once(
    client: FlaskClient,
    sign_in: Callable[[str], FlaskClient],
    sessions: sessionmaker[Session],
    settings: Settings,
) -> None:
    """A technician whose route a re-plan changed sees a badge on their day page until they open it."""
    sign_in("disp")
    publish_if_unpublished(sessions, replace(settings, replan_time_limit_s=0.5), at("2026-07-06 09:00"))
    with transaction(sessions) as session:
        route = account_on_a_route(session, session.scalars(select(PlanRoute)))[1][0]
        route.changed = True
    sign_in("walker")
    first = client.get("/me/day?day=2026-07-06").text
    assert 'id="route-changed"' in first
    assert 'id="route-changed"' not in client.get("/me/day?day=2026-07-06").text
