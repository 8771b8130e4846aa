"""JSON API /api/v1 over the same services as the pages; bearer-token authentication, same role rules.

Errors are JSON: {"error": message, "field": name-or-null} with 400, 401, 403, 404 or 409.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from datetime import date, datetime
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, current_app, g, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from dispatch.db import transaction
from dispatch.errors import DispatchError, NotFound
from dispatch.geo import make_geocoder
from dispatch.intake import Call, take_call
from dispatch.models import Job, PlanRoute, PlanVersion, Role, Technician, User
from dispatch.plans import PublishConflict, day_revision, publish, published_route
from dispatch.records import arrive, cancel_job, set_off
from dispatch.store import JobFilter, list_jobs
from dispatch.users import user_for_token
from web.db import db, settings
from web.dispatcher import planner
from web.openapi import document

bp = Blueprint("api", __name__, url_prefix="/api/v1")
F = TypeVar("F", bound=Callable[..., Any])
OFFICE = (Role.DISPATCHER, Role.MANAGER)


class ApiError(Exception):
    """An error answered as JSON."""

    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.field = status, message, field


@bp.errorhandler(ApiError)
def _api_error(error: ApiError) -> ResponseReturnValue:
    return jsonify(error=error.message, field=error.field), error.status


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> ResponseReturnValue:
    return jsonify(error=error.description, field=None), error.code or 500


def allow(*roles: Role) -> Callable[[F], F]:
    """Bearer-token user with one of `roles` (admins always); 401 without a valid token, else 403."""
    allowed = {r.value for r in roles} | {Role.ADMIN.value}

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            header = request.headers.get("Authorization", "")
            token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
            user = user_for_token(db(), token) if token else None
            if user is None:
                raise ApiError(401, "a valid bearer token is required")
            if user.role not in allowed:
                raise ApiError(403, f"role {user.role} may not do this")
            g.api_user = user
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorate


def _user() -> User:
    user: User = g.api_user
    return user


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "the body must be a JSON object")
    return body


def _day(raw: str | None, name: str = "day") -> date:
    if not raw:
        return datetime.now(settings().tz).date()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ApiError(400, f"{raw!r} is not a date like 2026-07-06", name) from None


def _moment(raw: object, name: str) -> datetime | None:
    if raw in (None, ""):
        return None
    try:
        moment = datetime.fromisoformat(str(raw))
    except ValueError:
        raise ApiError(400, f"{raw!r} is not an ISO time", name) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=settings().tz)


def _job_json(job: Job) -> dict[str, Any]:
    visit = job.visits[-1] if job.visits else None
    return {
        "id": job.id,
        "external_id": job.external_id,
        "status": job.status,
        "customer": {"id": job.customer.external_id, "name": job.customer.name, "district": job.customer.district},
        "product": job.product_code,
        "job_type": job.job_type_code,
        "priority": job.priority,
        "received_at": job.received_at.isoformat(),
        "target_at": job.target_at.isoformat(),
        "promise_at": job.promise_at.isoformat(),
        "window": [job.window_start.isoformat(), job.window_end.isoformat()]
        if job.window_start and job.window_end
        else None,
        "technician": visit.technician.external_id if visit else None,
        "planned_arrival": visit.planned_arrival.isoformat() if visit and visit.planned_arrival else None,
    }


def _route_json(route: PlanRoute) -> dict[str, Any]:
    return {
        "technician": route.technician.external_id,
        "depart": route.depart.isoformat(),
        "back": route.back.isoformat(),
        "distance_m": route.distance_m,
        "stops": [
            {"job": s.job_id, "arrival": s.arrival.isoformat(), "start": s.start.isoformat(), "end": s.end.isoformat()}
            for s in route.stops
        ],
    }


def _version_json(version: PlanVersion) -> dict[str, Any]:
    return {
        "id": version.id,
        "day": version.day.isoformat(),
        "number": version.number,
        "status": version.status,
        "figures": version.figures,
        "routes": [_route_json(r) for r in version.routes],
        "unassigned": [{"job": u.job_id, "reason": u.reason} for u in version.unassigned],
    }


def _visible_job(job_id: int) -> Job:
    """The job; a technician sees only jobs whose current visit is theirs (others: 403)."""
    job = db().get(Job, job_id)
    if job is None:
        raise ApiError(404, f"job {job_id} not found")
    user = _user()
    if user.role == Role.TECHNICIAN.value and (not job.visits or job.visits[-1].technician_id != user.technician_id):
        raise ApiError(403, f"job {job_id} is another technician's")
    return job


@bp.post("/jobs/<int:job_id>/cancel")
@allow(Role.DISPATCHER)
def job_cancel(job_id: int) -> ResponseReturnValue:
    """The customer called the job off: {"note": "..."}."""
    note = str(_body().get("note", ""))[:300]
    sessions = current_app.extensions["dispatch"]["sessions"]
    _visible_job(job_id)
    try:
        with transaction(sessions) as session:
            found = session.get(Job, job_id)
            assert found is not None
            cancel_job(session, found, datetime.now(settings().tz), note)
            answer = _job_json(found)
    except DispatchError as exc:
        raise ApiError(409, str(exc), "status") from exc
    return jsonify(answer)


@bp.get("/openapi.json")
def openapi() -> ResponseReturnValue:
    """This API's OpenAPI 3 document."""
    return jsonify(document())


@bp.get("/jobs")
@allow(*OFFICE)
def jobs() -> ResponseReturnValue:
    """Jobs filtered by status (repeatable), type, product, district, technician and day of the call."""
    criteria = JobFilter(
        status=request.args.getlist("status") or None,
        job_type=request.args.get("job_type"),
        product=request.args.get("product"),
        district=request.args.get("district"),
        technician=request.args.get("technician"),
        day=_day(request.args["day"]) if request.args.get("day") else None,
        limit=request.args.get("limit", type=int),
    )
    return jsonify(jobs=[_job_json(j) for j in list_jobs(db(), criteria, settings().tz)])


@bp.post("/jobs")
@allow(Role.DISPATCHER)
def create_job() -> ResponseReturnValue:
    """Take a call: match or create the customer file, create the job."""
    body = _body()
    known = {f.name for f in fields(Call)} - {"received_at", "window_start", "window_end", "parts_expected"}
    unknown = sorted(set(body) - known - {"window_start", "window_end"})
    if unknown:
        raise ApiError(400, f"unknown field(s): {', '.join(unknown)}", unknown[0])
    missing = [name for name in ("phone", "customer_name", "product", "job_type") if not body.get(name)]
    if missing:
        raise ApiError(400, f"{missing[0]} is required", missing[0])
    call = Call(
        received_at=datetime.now(settings().tz),
        window_start=_moment(body.get("window_start"), "window_start"),
        window_end=_moment(body.get("window_end"), "window_end"),
        **{k: v for k, v in body.items() if k in known},
    )
    sessions = current_app.extensions["dispatch"]["sessions"]
    try:
        with transaction(sessions) as session:
            result = take_call(session, call, settings(), make_geocoder(settings()))
            created = _job_json(result.job)
    except DispatchError as exc:
        raise ApiError(400, str(exc), getattr(exc, "field", None)) from exc
    return jsonify(created), 201


@bp.get("/jobs/<int:job_id>")
@allow(*OFFICE, Role.TECHNICIAN)
def job(job_id: int) -> ResponseReturnValue:
    return jsonify(_job_json(_visible_job(job_id)))


@bp.post("/jobs/<int:job_id>/status")
@allow(Role.TECHNICIAN, Role.DISPATCHER)
def job_status(job_id: int) -> ResponseReturnValue:
    """Field progress: {"status": "en_route" | "on_site"}, time-stamped now."""
    wanted = _body().get("status")
    steps = {"en_route": set_off, "on_site": arrive}
    if wanted not in steps:
        raise ApiError(400, "status must be en_route or on_site", "status")
    sessions = current_app.extensions["dispatch"]["sessions"]
    _visible_job(job_id)
    try:
        with transaction(sessions) as session:
            found = session.get(Job, job_id)
            assert found is not None
            if wanted == "en_route":
                set_off(found, datetime.now(settings().tz), settings())
            else:
                arrive(found, datetime.now(settings().tz))
            answer = _job_json(found)
    except DispatchError as exc:
        raise ApiError(409, str(exc), "status") from exc
    return jsonify(answer)


@bp.get("/technicians")
@allow(*OFFICE)
def technicians() -> ResponseReturnValue:
    rows = db().scalars(select(Technician).order_by(Technician.external_id))
    return jsonify(
        technicians=[
            {"id": t.id, "external_id": t.external_id, "name": t.name, "active": t.active, "skills": t.skill_codes()}
            for t in rows
        ]
    )


@bp.get("/technicians/<int:technician_id>/route")
@allow(*OFFICE, Role.TECHNICIAN)
def technician_route(technician_id: int) -> ResponseReturnValue:
    """The technician's published route of ?day= (default today); a technician only their own."""
    user = _user()
    if user.role == Role.TECHNICIAN.value and user.technician_id != technician_id:
        raise ApiError(403, "a technician sees only their own route")
    route = published_route(db(), _day(request.args.get("day")), technician_id)
    if route is None:
        raise ApiError(404, "no published route for that day")
    return jsonify(_route_json(route))


@bp.post("/plans")
@allow(Role.DISPATCHER)
def create_plan() -> ResponseReturnValue:
    """Start planning a day in the background: {"day": "2026-07-06", "time_limit": 30}; 202 with the run."""
    body = _body()
    day = _day(body.get("day"))
    try:
        limit = float(body.get("time_limit", 30))
    except (TypeError, ValueError):
        raise ApiError(400, "time_limit must be a number of seconds", "time_limit") from None
    run = planner().start(day, limit, created_by=_user().username)
    return jsonify(run=run.id, state=run.state), 202


@bp.get("/plans/runs/<int:run_id>")
@allow(*OFFICE)
def plan_run(run_id: int) -> ResponseReturnValue:
    run = planner().run(run_id)
    if run is None:
        raise ApiError(404, f"run {run_id} not found")
    return jsonify(
        run=run.id, state=run.state, progress=round(run.progress, 3), version=run.version_id, error=run.error
    )


@bp.get("/plans/<int:version_id>")
@allow(*OFFICE)
def plan(version_id: int) -> ResponseReturnValue:
    version = db().get(PlanVersion, version_id)
    if version is None:
        raise ApiError(404, f"plan version {version_id} not found")
    body = _version_json(version)
    body["revision"] = day_revision(db(), version.day)
    return jsonify(body)


@bp.post("/plans/<int:version_id>/publish")
@allow(Role.DISPATCHER)
def publish_plan(version_id: int) -> ResponseReturnValue:
    """Publish a draft: {"revision": n} as read from GET /plans/{id}; 409 when someone published since."""
    revision = _body().get("revision")
    if not isinstance(revision, int):
        raise ApiError(400, "revision must be an integer", "revision")
    sessions = current_app.extensions["dispatch"]["sessions"]
    try:
        with transaction(sessions) as session:
            version = publish(session, version_id, revision, datetime.now(settings().tz), settings())
            answer = _version_json(version)
    except PublishConflict as exc:
        raise ApiError(409, str(exc), "revision") from exc
    except NotFound as exc:
        raise ApiError(404, str(exc)) from exc
    except DispatchError as exc:
        raise ApiError(409, str(exc)) from exc
    return jsonify(answer)


def route_rules() -> set[tuple[str, str]]:
    """(OpenAPI path, method) of every API route, to compare with the document."""
    found = set()
    for rule in current_app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            path = rule.rule.removeprefix("/api/v1")
            for part in ("int:", "string:"):
                path = path.replace(f"<{part}", "{")
            path = path.replace("<", "{").replace(">", "}")
            found |= {(path, m.lower()) for m in rule.methods or () if m not in ("HEAD", "OPTIONS")}
    return found
