"""The scheduler's tasks as functions of the clock: publish, re-plan from the present, SLA watch."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from dispatch import realtime
from dispatch.config import Settings
from dispatch.db import transaction
from dispatch.intake import Call, take_call
from dispatch.models import Job, JobStatus, Outcome, PlanVersion, ReplanReason, ReplanRequest, Visit
from dispatch.planning import build_day_problem, on_shift
from dispatch.plans import published_route
from dispatch.realtime import (
    present_state,
    publish_if_unpublished,
    replan_if_requested,
    replan_rest_of_day,
    request_replan,
    sla_watch,
)
from dispatch.records import ServiceRecord, arrive, cancel_job, finish_visit, set_off
from solver import Figures, Plan, SolveParams, Status, check, solve
from tests.helpers import at, run_import, small_scenario


def _day(tmp_path: Path, sessions: sessionmaker[Session], settings: Settings) -> Settings:
    path, _ = small_scenario(tmp_path, technicians=4, calls=8)
    run_import(sessions, settings, path)
    return replace(settings, replan_time_limit_s=0.3)


def _first_stop(session: Session) -> Job:
    visit = session.scalars(select(Visit).order_by(Visit.planned_arrival)).first()
    assert visit is not None
    return visit.job


def test_publish_at_seven_once(tmp_path: Path, sessions: sessionmaker[Session], settings: Settings) -> None:
    """The morning publish plans the calls received by then; a second run leaves the day alone."""
    settings = _day(tmp_path, sessions, settings)
    assert publish_if_unpublished(sessions, settings, at("2026-07-06 08:30")) is not None
    assert publish_if_unpublished(sessions, settings, at("2026-07-06 08:35")) is None
    with sessions() as session:
        dispatched = session.scalars(select(Job).where(Job.status == JobStatus.DISPATCHED.value)).all()
        later = session.scalars(select(Job).where(Job.received_at > at("2026-07-06 08:30"))).all()
        assert dispatched and all(j.received_at <= at("2026-07-06 08:30") for j in dispatched)
        assert later and all(j.status == JobStatus.NEW.value for j in later)


def test_replan_keeps_the_visit_under_way(tmp_path: Path, sessions: sessionmaker[Session], settings: Settings) -> None:
    """A job a technician is driving to stays theirs, first in the route; nothing new: no re-plan."""
    settings = _day(tmp_path, sessions, settings)
    publish_if_unpublished(sessions, settings, at("2026-07-06 08:00"))
    with transaction(sessions) as session:
        job = _first_stop(session)
        visit = set_off(job, at("2026-07-06 08:05"))
        job_id, technician_id = job.id, visit.technician_id
    outcome = replan_rest_of_day(sessions, settings, at("2026-07-06 08:30"))
    assert outcome is not None and outcome.version_id is not None
    with sessions() as session:
        route = published_route(session, at("2026-07-06 08:30").date(), technician_id)
        assert route is not None and route.stops[0].job_id == job_id and route.stops[0].pinned
        assert all(s.arrival >= route.stops[0].arrival for s in route.stops[1:])
        versions = session.scalar(select(func.count(PlanVersion.id)))
    assert replan_rest_of_day(sessions, settings, at("2026-07-06 08:31")) is None
    with sessions() as session:
        assert session.scalar(select(func.count(PlanVersion.id))) == versions


def test_versions_carry_the_clock_of_the_task_that_made_them(
    tmp_path: Path, sessions: sessionmaker[Session], settings: Settings
) -> None:
    """A replay's simulated morning, not the wall clock, is when its plans were made."""
    settings = _day(tmp_path, sessions, settings)
    publish_if_unpublished(sessions, settings, at("2026-07-06 08:00"))
    with transaction(sessions) as session:
        set_off(_first_stop(session), at("2026-07-06 08:05"))
    outcome = replan_rest_of_day(sessions, settings, at("2026-07-06 08:30"))
    assert outcome is not None and outcome.version_id is not None
    with sessions() as session:
        made = session.scalars(select(PlanVersion.created_at).order_by(PlanVersion.number)).all()
    assert made == [at("2026-07-06 08:00"), at("2026-07-06 08:30")]


def test_evening_replan_leaves_out_finished_shifts(
    tmp_path: Path, sessions: sessionmaker[Session], settings: Settings
) -> None:
    """At 18:30 only the technician on 10:00-20:00 may still leave: nobody whose shift ended at 18:00
    is given the open calls, and nothing is planned before now."""
    path, raw = small_scenario(tmp_path, technicians=4, calls=8)
    late = raw["technicians"][1]
    late["shifts"] = [
        {
            "start": "2026-07-06T10:00:00+08:00",
            "end": "2026-07-06T20:00:00+08:00",
            "break": {"earliest": "2026-07-06T13:00:00+08:00", "latest": "2026-07-06T15:00:00+08:00", "minutes": 45},
        }
    ]
    late["skills"] = sorted({f"{c['product']}:{c['job_type']}" for c in raw["calls"]})
    path.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    run_import(sessions, settings, path)
    settings = replace(settings, replan_time_limit_s=0.3)
    evening = at("2026-07-06 18:30")
    outcome = replan_rest_of_day(sessions, settings, evening)
    assert outcome is not None and outcome.version_id is not None
    with sessions() as session:
        version = session.get(PlanVersion, outcome.version_id)
        assert version is not None
        working = {r.technician.external_id.split("/")[-1] for r in version.routes if r.stops}
        arrivals = [s.arrival for r in version.routes for s in r.stops]
    assert working == {late["id"]}
    assert arrivals and min(arrivals) >= evening


def test_a_technician_late_at_a_far_customer_does_not_stop_the_replan(
    tmp_path: Path, sessions: sessionmaker[Session], settings: Settings
) -> None:
    """At 17:30 one technician is free only at a customer 3 h from its depot (past its shift end plus the
    overtime cap): the others' work is still planned, and that technician gets just the drive home."""
    settings = replace(_day(tmp_path, sessions, settings), overtime_cap_min=120.0)
    evening = at("2026-07-06 17:30")
    with sessions() as session:
        crew = [(t, span) for t, span in on_shift(session, evening.date(), settings) if span.end > evening]
        present = present_state(session, crew, settings, evening)
        far_tech, far_span = crew[0]
        depot = far_tech.depot
        present[far_tech.id] = replace(present[far_tech.id], lat=depot.lat + 0.55, lon=depot.lon, ready_at=evening)
        day_problem = build_day_problem(session, evening.date(), settings, as_of=evening, present=present)
    far = day_problem.problem.technician(far_tech.external_id)
    (shift,) = far.shifts
    home = int(day_problem.problem.duration[far.start_location][far.end_location])
    end = (far_span.end - day_problem.origin).total_seconds()
    assert shift.start + home > end + settings.overtime_cap_min * 60  # beyond the cap
    assert shift.start + home <= shift.end + shift.max_overtime
    plan = solve(day_problem.problem, SolveParams(time_limit_s=1))
    assert plan.status != Status.NO_SOLUTION and plan.figures.served > 0
    assert check(day_problem.problem, plan) == []


def test_a_replan_without_solution_keeps_the_published_plan(
    tmp_path: Path, sessions: sessionmaker[Session], settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the solver finds no plan at all, the technicians keep the one they follow."""
    settings = _day(tmp_path, sessions, settings)
    publish_if_unpublished(sessions, settings, at("2026-07-06 08:00"))
    with sessions() as session:
        versions = session.scalar(select(func.count(PlanVersion.id)))
    nothing = Plan((), (), Figures(0, 0, 0, 0, 0, 0, 0), 0, Status.NO_SOLUTION, 0.0)
    monkeypatch.setattr(realtime, "solve", lambda *args, **kwargs: nothing)
    assert replan_rest_of_day(sessions, settings, at("2026-07-06 09:00")) is None
    with sessions() as session:
        assert session.scalar(select(func.count(PlanVersion.id))) == versions


def test_requests_wait_for_the_debounce(tmp_path: Path, sessions: sessionmaker[Session], settings: Settings) -> None:
    """An urgent call's request is handled after the debounce time, once."""
    settings = _day(tmp_path, sessions, settings)
    publish_if_unpublished(sessions, settings, at("2026-07-06 08:00"))
    asked = at("2026-07-06 09:00")
    with transaction(sessions) as session:
        request_replan(session, ReplanReason.URGENT_CALL, asked, session.scalars(select(Job)).first())
    assert replan_if_requested(sessions, settings, asked + timedelta(seconds=10)) is None
    replan_if_requested(sessions, settings, asked + timedelta(seconds=settings.replan_debounce_s + 1))
    with sessions() as session:
        assert session.scalars(select(ReplanRequest.handled_at)).all() == [asked + timedelta(seconds=31)]


def test_sla_watch_flags_and_reports_overruns(
    tmp_path: Path, sessions: sessionmaker[Session], settings: Settings
) -> None:
    """A job whose planned arrival passes its target is flagged with the minutes at stake; a visit
    running past its planned end asks for one re-plan."""
    settings = _day(tmp_path, sessions, settings)
    publish_if_unpublished(sessions, settings, at("2026-07-06 08:00"))
    with transaction(sessions) as session:
        job = _first_stop(session)
        set_off(job, at("2026-07-06 08:05"))
        visit = arrive(job, at("2026-07-06 08:30"))
        late_end = visit.planned_end
        other = session.scalars(select(Job).where(Job.id != job.id, Job.status == JobStatus.DISPATCHED.value)).first()
        assert other is not None and late_end is not None
        other.visits[-1].planned_arrival = other.target_at + timedelta(minutes=40)
        other_id = other.id
    flags = sla_watch(sessions, settings, at("2026-07-06 08:40"))
    flagged = next(f for f in flags if f.job_id == other_id)
    assert flagged.deadline == "target" and flagged.slack_min == -40
    assert flags == sorted(flags, key=lambda f: (f.slack_min, f.deadline != "promise", f.job_id))
    for minutes in (20, 25):
        sla_watch(sessions, settings, late_end + timedelta(minutes=minutes))
    with sessions() as session:
        reasons = session.scalars(select(ReplanRequest.reason)).all()
    assert reasons == [ReplanReason.OVERRUN.value]


def test_events_that_ask_for_a_replan(tmp_path: Path, sessions: sessionmaker[Session], settings: Settings) -> None:
    """An urgent call, a cancelled dispatched job and an early finish each ask for a re-plan; a normal
    call does not."""
    settings = _day(tmp_path, sessions, settings)
    publish_if_unpublished(sessions, settings, at("2026-07-06 08:00"))
    base = Call("13800000009", "王先生", "air_conditioner", "repair", at("2026-07-06 09:00"), lat=23.13, lon=113.32)
    with transaction(sessions) as session:
        take_call(session, base, settings)
        take_call(session, replace(base, phone="13800000010", priority="urgent"), settings)
        dispatched = session.scalars(select(Job).where(Job.status == JobStatus.DISPATCHED.value)).all()
        cancel_job(session, dispatched[0], at("2026-07-06 09:05"), "customer away")
        assert dispatched[0].visits == []
        job = dispatched[1]
        set_off(job, at("2026-07-06 09:10"))
        visit = arrive(job, at("2026-07-06 09:20"))
        assert visit.planned_end is not None
        finish_visit(session, job, ServiceRecord(Outcome.FIXED), visit.planned_end - timedelta(minutes=40))
    with sessions() as session:
        reasons = session.scalars(select(ReplanRequest.reason).order_by(ReplanRequest.id)).all()
    assert reasons == [
        ReplanReason.URGENT_CALL.value,
        ReplanReason.CANCELLATION.value,
        ReplanReason.EARLY_FINISH.value,
    ]
