"""Real-time dispatch on the pages: jobs at stake on today's board, the re-planned route badge."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from flask.testing import FlaskClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from dispatch.config import Settings
from dispatch.db import transaction
from dispatch.models import PlanRoute, User
from dispatch.realtime import publish_if_unpublished
from tests.helpers import at


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
        tech = session.scalar(select(User.technician_id).where(User.username == "tech1"))
        moved = session.execute(update(PlanRoute).where(PlanRoute.technician_id == tech).values(changed=True))
        assert moved.rowcount == 1  # type: ignore[attr-defined]
    sign_in("tech1")
    first = client.get("/me/day?day=2026-07-06").text
    assert 'id="route-changed"' in first
    assert 'id="route-changed"' not in client.get("/me/day?day=2026-07-06").text
