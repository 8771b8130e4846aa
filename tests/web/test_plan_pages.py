"""The dispatcher plans a day in the background and publishes; each technician sees only their own stops."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dispatch.models import PlanVersion, User
from tests.web.conftest import csrf_token

DAY = "2026-07-06"


def _plan_and_wait(app: Flask, client: FlaskClient) -> int:
    board = client.get(f"/dispatch/plan?day={DAY}")
    answer = client.post("/dispatch/plan", data={"day": DAY, "time_limit": "1", "csrf_token": csrf_token(board.text)})
    assert answer.status_code == 302
    run_id = int(re.search(r"run=(\d+)", answer.headers["Location"]).group(1))  # type: ignore[union-attr]
    run = app.extensions["dispatch"]["planner"].wait(run_id, 30)
    assert run is not None and run.state == "done", run
    state = client.get(f"/dispatch/runs/{run_id}").get_json()
    assert state["state"] == "done" and state["version_id"] == run.version_id
    return int(run.version_id)


def test_plan_publish_and_technicians_see_their_own_route(
    app: Flask, client: FlaskClient, sign_in: Callable[[str], FlaskClient], sessions: sessionmaker[Session]
) -> None:
    sign_in("disp")
    assert 'id="no-versions"' in client.get(f"/dispatch/plan?day={DAY}").text
    version_id = _plan_and_wait(app, client)
    board = client.get(f"/dispatch/plan?day={DAY}&version={version_id}")
    assert 'id="routes"' in board.text and 'id="publish-button"' in board.text
    published = client.post(
        f"/dispatch/versions/{version_id}/publish", data={"revision": "0", "csrf_token": csrf_token(board.text)}
    )
    assert published.status_code == 302
    assert "版本 1 已发布" in client.get(published.headers["Location"]).text
    with sessions() as session:
        version = session.get(PlanVersion, version_id)
        assert version is not None and version.status == "published"
        users = {u.username: u.technician_id for u in session.scalars(select(User))}
        routes = {r.technician_id: [s.job.external_id for s in r.stops] for r in version.routes}
    client.post("/logout", data={"csrf_token": csrf_token(board.text)})
    for name in ("tech1", "tech2"):
        sign_in(name)
        page = client.get(f"/me/day?day={DAY}").text
        mine = routes.get(users[name], [])
        shown = re.findall(r'<li class="card" data-job="([^"]+)"', page)
        assert shown == mine
        others = {j for tech, jobs in routes.items() if tech != users[name] for j in jobs}
        assert not others & set(shown)
        client.post("/logout", data={"csrf_token": csrf_token(page)})


def test_stale_publish_is_refused_with_a_message(
    app: Flask, client: FlaskClient, sign_in: Callable[[str], FlaskClient], sessions: sessionmaker[Session]
) -> None:
    sign_in("disp")
    first = _plan_and_wait(app, client)
    second = _plan_and_wait(app, client)
    board = client.get(f"/dispatch/plan?day={DAY}").text
    token = csrf_token(board)
    client.post(f"/dispatch/versions/{first}/publish", data={"revision": "0", "csrf_token": token})
    stale = client.post(f"/dispatch/versions/{second}/publish", data={"revision": "0", "csrf_token": token})
    assert "其他人发布" in client.get(stale.headers["Location"]).text
    with sessions() as session:
        assert session.get(PlanVersion, second).status == "draft"  # type: ignore[union-attr]
