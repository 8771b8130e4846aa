"""The JSON API: token auth, roles, a technician's own jobs only, plans, publish conflicts, the OpenAPI document."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dispatch.db import transaction
from dispatch.models import PlanVersion, User
from dispatch.users import issue_token
from tests.web.conftest import account_on_a_route
from web.api import route_rules

DAY = "2026-07-06"


@pytest.fixture
def tokens(sessions: sessionmaker[Session], people: dict[str, str]) -> dict[str, dict[str, str]]:
    """Authorization headers per username."""
    with transaction(sessions) as session:
        return {u.username: {"Authorization": f"Bearer {issue_token(u)}"} for u in session.scalars(select(User))}


def test_openapi_document_matches_the_routes(app: Flask, client: FlaskClient) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    with app.app_context():
        assert documented == route_rules()


def test_token_and_roles(client: FlaskClient, tokens: dict[str, dict[str, str]]) -> None:
    assert client.get("/api/v1/jobs").status_code == 401
    assert client.get("/api/v1/jobs", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.get("/api/v1/jobs", headers=tokens["tech1"]).status_code == 403
    listed = client.get("/api/v1/jobs?status=new&limit=5", headers=tokens["boss"])
    assert listed.status_code == 200 and len(listed.get_json()["jobs"]) == 5
    assert {j["status"] for j in listed.get_json()["jobs"]} == {"new"}


def test_create_job_validates_and_creates(client: FlaskClient, tokens: dict[str, dict[str, str]]) -> None:
    bad = client.post("/api/v1/jobs", json={"phone": "13800138000"}, headers=tokens["disp"])
    assert bad.status_code == 400 and bad.get_json()["field"] == "customer_name"
    unknown = client.post("/api/v1/jobs", json={"phone": "1", "colour": "red"}, headers=tokens["disp"])
    assert unknown.status_code == 400 and unknown.get_json()["field"] == "colour"
    call = {
        "phone": "13800138000",
        "customer_name": "曹先生",
        "product": "air_conditioner",
        "job_type": "repair",
        "district": "天河区",
        "fault_description": "不制冷",
    }
    created = client.post("/api/v1/jobs", json=call, headers=tokens["disp"])
    assert created.status_code == 201, created.get_json()
    job = created.get_json()
    assert job["status"] == "new" and job["customer"]["name"] == "曹先生"
    assert client.get(f"/api/v1/jobs/{job['id']}", headers=tokens["boss"]).get_json()["id"] == job["id"]
    assert client.post("/api/v1/jobs", json=call, headers=tokens["boss"]).status_code == 403


def test_plan_publish_conflict_and_technician_scope(
    app: Flask, client: FlaskClient, tokens: dict[str, dict[str, str]], sessions: sessionmaker[Session]
) -> None:
    started = client.post("/api/v1/plans", json={"day": DAY, "time_limit": 1}, headers=tokens["disp"])
    assert started.status_code == 202
    run = app.extensions["dispatch"]["planner"].wait(started.get_json()["run"], 30)
    assert run is not None and run.state == "done"
    state = client.get(f"/api/v1/plans/runs/{run.id}", headers=tokens["disp"]).get_json()
    version = client.get(f"/api/v1/plans/{state['version']}", headers=tokens["disp"]).get_json()
    assert version["status"] == "draft" and version["revision"] == 0
    url = f"/api/v1/plans/{version['id']}/publish"
    assert client.post(url, json={"revision": 0}, headers=tokens["disp"]).get_json()["status"] == "published"
    assert client.post(url, json={"revision": 0}, headers=tokens["disp"]).status_code == 409
    with transaction(sessions) as session:
        version_routes = session.get(PlanVersion, version["id"]).routes  # type: ignore[union-attr]
        walker, (mine, theirs, *_) = account_on_a_route(session, version_routes)
        token = {"Authorization": f"Bearer {issue_token(walker)}"}
        own_id, their_id, their_job = mine.technician_id, theirs.technician_id, theirs.stops[0].job_id
    own = client.get(f"/api/v1/technicians/{own_id}/route?day={DAY}", headers=token)
    other = client.get(f"/api/v1/technicians/{their_id}/route?day={DAY}", headers=token)
    assert other.status_code == 403 and own.status_code == 200
    job_id = own.get_json()["stops"][0]["job"]
    moved = client.post(f"/api/v1/jobs/{job_id}/status", json={"status": "en_route"}, headers=token)
    assert moved.status_code == 200 and moved.get_json()["status"] == "en_route"
    assert client.get(f"/api/v1/jobs/{their_job}", headers=token).status_code == 403


def test_cancel_a_job(client: FlaskClient, tokens: dict[str, dict[str, str]]) -> None:
    """A dispatcher cancels a job (the customer called it off); a technician may not; twice is a 409."""
    job_id = client.get("/api/v1/jobs", headers=tokens["disp"]).get_json()["jobs"][0]["id"]
    url = f"/api/v1/jobs/{job_id}/cancel"
    assert client.post(url, json={"note": "x"}, headers=tokens["tech1"]).status_code == 403
    cancelled = client.post(url, json={"note": "customer bought elsewhere"}, headers=tokens["disp"])
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    again = client.post(url, json={}, headers=tokens["disp"])
    assert again.status_code == 409 and again.get_json()["field"] == "status"
