"""The dispatcher plans a day in the background and publishes; each technician sees only their own stops."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dispatch.db import transaction
from dispatch.models import Job, PlanVersion, Technician, User
from tests.web.conftest import account_on_a_route, csrf_token

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
    assert state["plans_found"] > 0 and state["best_objective"] is not None
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
    board = client.get(f"/dispatch/plan?day={DAY}&version={second}").text
    assert 'id="diff"' in board and "与版本 1 相比" in board
    token = csrf_token(board)
    client.post(f"/dispatch/versions/{first}/publish", data={"revision": "0", "csrf_token": token})
    stale = client.post(f"/dispatch/versions/{second}/publish", data={"revision": "0", "csrf_token": token})
    assert "其他人发布" in client.get(stale.headers["Location"]).text
    with sessions() as session:
        assert session.get(PlanVersion, second).status == "draft"  # type: ignore[union-attr]


def test_technician_walks_a_visit_to_completion_and_cannot_reach_others(
    app: Flask, client: FlaskClient, sign_in: Callable[[str], FlaskClient], sessions: sessionmaker[Session]
) -> None:
    """On my way -> arrived -> completed with a service record; another technician's job is a 403."""
    sign_in("disp")
    version_id = _plan_and_wait(app, client)
    board = client.get(f"/dispatch/plan?day={DAY}&version={version_id}").text
    client.post(f"/dispatch/versions/{version_id}/publish", data={"revision": "0", "csrf_token": csrf_token(board)})
    client.post("/logout", data={"csrf_token": csrf_token(board)})
    with transaction(sessions) as session:
        version = session.get(PlanVersion, version_id)
        assert version is not None
        mine, theirs = (route.stops[0].job_id for route in account_on_a_route(session, version.routes)[1][:2])
    sign_in("walker")
    assert client.get(f"/me/jobs/{theirs}").status_code == 403
    page = client.get(f"/me/jobs/{mine}").text
    assert 'id="on-my-way"' in page
    token = csrf_token(page)
    assert client.post(f"/me/jobs/{theirs}/status", data={"step": "on_my_way", "csrf_token": token}).status_code == 403
    client.post(f"/me/jobs/{mine}/status", data={"step": "on_my_way", "csrf_token": token})
    assert 'id="arrived"' in client.get(f"/me/jobs/{mine}").text
    client.post(f"/me/jobs/{mine}/status", data={"step": "arrived", "csrf_token": token})
    form = client.get(f"/me/jobs/{mine}").text
    assert 'id="complete-form"' in form
    done = client.post(
        f"/me/jobs/{mine}/complete",
        data={
            "csrf_token": csrf_token(form),
            "fault_found": "compressor relay stuck",
            "cause": "power surge",
            "outcome": "fixed",
            "satisfaction": "satisfied",
            "feedback": "",
        },
    )
    assert done.status_code == 302
    with sessions() as session:
        job = session.get(Job, mine)
        assert job is not None and job.status == "completed"
        visit = job.visits[-1]
        assert visit.fault_found == "compressor relay stuck" and visit.outcome == "fixed"
        assert visit.en_route_at is not None and visit.arrived_at is not None and visit.completed_at is not None
        assert visit.en_route_at <= visit.arrived_at <= visit.completed_at


def test_a_move_the_checker_objects_to_is_shown_then_saved_only_when_confirmed(
    app: Flask, client: FlaskClient, sign_in: Callable[[str], FlaskClient], sessions: sessionmaker[Session]
) -> None:
    sign_in("disp")
    version_id = _plan_and_wait(app, client)
    board = client.get(f"/dispatch/plan?day={DAY}&version={version_id}").text
    assert 'id="edit-form"' in board
    with sessions() as session:
        version = session.get(PlanVersion, version_id)
        assert version is not None
        stop = version.routes[0].stops[0]
        job_id, skill = stop.job_id, stop.job.skill
        unskilled = next(
            t.id
            for t in session.scalars(select(Technician))
            if skill not in t.skill_codes() and t.id in {r.technician_id for r in version.routes}
        )
    move = {"op": "move", "job_id": str(job_id), "technician_id": str(unskilled), "position": "1"}
    preview = client.post(f"/dispatch/versions/{version_id}/edit", data={**move, "csrf_token": csrf_token(board)})
    assert preview.status_code == 409 and 'data-kind="skill"' in preview.text
    with sessions() as session:
        holder = next(
            r for r in session.get(PlanVersion, version_id).routes if any(s.job_id == job_id for s in r.stops)
        )  # type: ignore[union-attr]
        assert holder.technician_id != unskilled  # nothing saved by the preview
    saved = client.post(
        f"/dispatch/versions/{version_id}/edit", data={**move, "confirm": "1", "csrf_token": csrf_token(preview.text)}
    )
    assert saved.status_code == 302
    with sessions() as session:
        holder = next(
            r for r in session.get(PlanVersion, version_id).routes if any(s.job_id == job_id for s in r.stops)
        )  # type: ignore[union-attr]
        assert holder.technician_id == unskilled and holder.stops[0].job_id == job_id
