"""A day's planning problem built from the database, solved and checked."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta

import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dispatch.config import Settings
from dispatch.models import Job, Technician
from dispatch.planning import (
    DAY_WEIGHTS,
    LEFT_FOR_LATER,
    TARGET_UNREACHABLE,
    PlanningError,
    TechnicianStart,
    build_day_problem,
    on_shift,
)
from solver import DispatchProblem, SolveParams, check, solve
from solver import Job as SolverJob
from solver import Shift as SolverShift
from solver import Technician as SolverTechnician
from solver.routing import lateness_bounds
from tests.conftest import DATA
from tests.helpers import run_import

NORMAL = DATA / "scenarios" / "guangzhou-normal.json"
FIRST_DAY = date(2026, 7, 6)


@pytest.fixture
def scenario(sessions: sessionmaker[Session], settings: Settings) -> sessionmaker[Session]:
    run_import(sessions, settings, NORMAL)
    return sessions


def test_day_problem_holds_the_crew_and_the_calls_known_by_then(
    scenario: sessionmaker[Session], settings: Settings
) -> None:
    """At noon of the first day: everyone rostered, the calls received by noon unless their appointment
    is on a later day, times from midnight."""
    noon = datetime.combine(FIRST_DAY, time(12), tzinfo=settings.tz)
    tomorrow = datetime.combine(date(2026, 7, 7), time(0), tzinfo=settings.tz)
    with scenario() as session:
        day = build_day_problem(session, FIRST_DAY, settings, as_of=noon)
        crew = on_shift(session, FIRST_DAY, settings)
        received = session.scalars(select(Job).where(Job.received_at <= noon)).all()
    assert len(day.problem.technicians) == len(crew) > 0
    expected = {j.id for j in received if j.window_start is None or j.window_start < tomorrow}
    assert set(day.job_ids.values()) == expected and not day.skipped
    assert len(expected) < len(received)  # some calls of the morning booked a later day
    first = day.problem.technicians[0]
    assert 0 < first.shifts[0].start < first.shifts[0].end <= 24 * 3600
    assert day.at(first.shifts[0].start) == crew[0][1].start
    for solver_job in day.problem.jobs:
        assert solver_job.skill is not None and solver_job.promise is not None
        assert solver_job.target is not None and solver_job.target <= solver_job.promise


def test_day_plan_passes_the_checker(scenario: sessionmaker[Session], settings: Settings) -> None:
    """The whole first day solved for a few seconds: no violation, every job routed or unassigned."""
    with scenario() as session:
        day = build_day_problem(session, FIRST_DAY, settings)
    plan = solve(day.problem, SolveParams(time_limit_s=3))
    assert check(day.problem, plan) == []
    assert plan.figures.served + len(plan.unassigned) == len(day.problem.jobs) > 50
    assert plan.figures.served > 0.8 * len(day.problem.jobs)


def test_job_without_location_is_skipped_with_reason(scenario: sessionmaker[Session], settings: Settings) -> None:
    with scenario() as session:
        job = session.scalars(select(Job).order_by(Job.id)).first()
        assert job is not None
        job.customer.lat = None
        session.flush()
        day = build_day_problem(session, FIRST_DAY, settings)
    assert "has no location" in day.skipped[job.id] and job.id not in day.job_ids.values()


def test_nobody_on_shift_is_an_error(scenario: sessionmaker[Session], settings: Settings) -> None:
    with scenario() as session:
        for tech in session.scalars(select(Technician)):
            tech.active = False
        session.flush()
        with pytest.raises(PlanningError, match="nobody is on shift on 2026-07-06"):
            build_day_problem(session, FIRST_DAY, settings)


def test_appointments_are_due_by_their_window_and_a_missed_one_is_still_owed(
    scenario: sessionmaker[Session], settings: Settings
) -> None:
    """On its day an appointment keeps its window and is due by its end; a day later, still unserved,
    it goes in without a window and already late."""
    with scenario() as session:
        job = session.scalars(
            select(Job).where(Job.window_start.is_not(None)).order_by(Job.window_start, Job.id)
        ).first()
        assert job is not None and job.window_end is not None
        its_day = job.window_start.astimezone(settings.tz).date()  # type: ignore[union-attr]
        on_the_day = build_day_problem(session, its_day, settings)
        next_day = build_day_problem(session, date.fromordinal(its_day.toordinal() + 1), settings)
    planned = next(j for j in on_the_day.problem.jobs if j.id == job.external_id)
    end_s = round((job.window_end - on_the_day.origin).total_seconds())
    assert planned.windows and planned.windows[0].end == end_s and planned.target == planned.promise == end_s
    owed = next(j for j in next_day.problem.jobs if j.id == job.external_id)
    assert owed.windows == () and owed.target == owed.promise == 0


def test_a_target_already_missed_costs_nothing_while_the_promise_still_runs(
    scenario: sessionmaker[Session], settings: Settings
) -> None:
    """Planned at 15:00, a call of 08:00 (target 14:00 missed, promise tomorrow 08:00) has its target
    no longer priced; a call of 13:00 (target 19:00 ahead) keeps both."""
    with scenario() as session:
        calls = session.scalars(select(Job).where(Job.window_start.is_(None)).order_by(Job.received_at)).all()
        day = calls[0].received_at.astimezone(settings.tz).date()
        as_of = datetime.combine(day, time(15), tzinfo=settings.tz)
        problem = build_day_problem(session, day, settings, as_of=as_of)
        missed = next(j for j in calls if j.target_at <= as_of < j.promise_at)
        ahead = next(j for j in calls if as_of < j.target_at and j.received_at <= as_of)
    planned = {j.id: j for j in problem.problem.jobs}
    lost = planned[missed.external_id]
    assert not lost.target_priced and lost.promise == round((missed.promise_at - problem.origin).total_seconds())
    weights, horizon = problem.problem.weights, problem.problem.horizon
    priced = lateness_bounds(replace(lost, target_priced=True), weights, 0, horizon)
    assert (lost.target, weights.target_late) in priced
    assert (lost.target, weights.target_late) not in lateness_bounds(lost, weights, 0, horizon)
    kept = planned[ahead.external_id]
    assert kept.target_priced and kept.target == round((ahead.target_at - problem.origin).total_seconds())


def test_a_target_still_ahead_is_a_deadline(scenario: sessionmaker[Session], settings: Settings) -> None:
    """Ten minutes before a call's target, everyone free at their depot and none ten minutes away:
    with the target as a deadline the call is left out (it would be late whoever went); without it,
    the plan sends someone to arrive past the target. A call whose target is gone has no deadline."""
    with scenario() as session:
        calls = session.scalars(select(Job).where(Job.window_start.is_(None)).order_by(Job.received_at)).all()
        call = calls[20]
        as_of = call.target_at - timedelta(minutes=10)
        day = as_of.astimezone(settings.tz).date()
        crew = [t for t, span in on_shift(session, day, settings) if span.start <= as_of < span.end]
        present = {t.id: TechnicianStart(t.depot.lat, t.depot.lon, as_of, True) for t in crew}
        gone = next(j for j in calls if j.target_at <= as_of < j.promise_at)
        day_problems = {
            deadline: build_day_problem(
                session, day, replace(settings, target_as_deadline=deadline), as_of=as_of, present=present
            )
            for deadline in (True, False)
        }
    problems = {deadline: day_problem.problem for deadline, day_problem in day_problems.items()}
    target_s = round((call.target_at - datetime.combine(day, time(0), tzinfo=settings.tz)).total_seconds())
    held = {j.id: j for j in problems[True].jobs}
    assert held[call.external_id].windows[0].end == target_s and held[gone.external_id].windows == ()
    assert all(j.windows == () for j in problems[False].jobs if j.id in (call.external_id, gone.external_id))
    alone = {d: replace(p, jobs=tuple(j for j in p.jobs if j.id == call.external_id)) for d, p in problems.items()}
    plans = {deadline: solve(problem, SolveParams(time_limit_s=1)) for deadline, problem in alone.items()}
    assert all(check(alone[d], plans[d]) == [] for d in plans)
    assert [u.job for u in plans[True].unassigned] == [call.external_id] and not plans[True].assignment()
    # The dispatcher reads that the call is out for its target: it has no appointment window.
    assert call.external_id in day_problems[True].held_to_target and not day_problems[False].held_to_target
    assert gone.external_id not in day_problems[True].held_to_target
    assert day_problems[True].reason(plans[True].unassigned[0]) == TARGET_UNREACHABLE
    (late,) = [s for r in plans[False].routes for s in r.stops]
    assert late.job == call.external_id and late.arrival > target_s


def test_what_a_job_stakes_on_todays_plan(scenario: sessionmaker[Session], settings: Settings) -> None:
    """Planned at 17:00: an appointment this evening stakes its whole drop cost; a call whose target is
    ahead but whose promise holds till tomorrow past 10:00 half; one whose target is gone and whose
    promise holds till then almost nothing (it waits for tomorrow morning when the day is full)."""
    as_of = datetime.combine(FIRST_DAY, time(17), tzinfo=settings.tz)
    tomorrow_ten = datetime.combine(date(2026, 7, 7), time(10), tzinfo=settings.tz)
    with scenario() as session:
        jobs = session.scalars(select(Job).where(Job.received_at <= as_of).order_by(Job.received_at)).all()
        problem = build_day_problem(session, FIRST_DAY, settings, as_of=as_of)
    share = {j.id: j.drop_share for j in problem.problem.jobs}
    tonight = [j for j in jobs if j.window_end is not None and as_of < j.window_end < tomorrow_ten]
    ahead = [j for j in jobs if j.window_end is None and as_of < j.target_at and tomorrow_ten < j.promise_at]
    waits = [j for j in jobs if j.window_end is None and j.target_at <= as_of and tomorrow_ten < j.promise_at]
    assert tonight and ahead and waits
    assert {share[j.external_id] for j in tonight} == {1.0}
    assert {share[j.external_id] for j in ahead} == {0.5}
    assert {share[j.external_id] for j in waits} == {LEFT_FOR_LATER}


def test_a_promise_due_today_stakes_as_much_as_a_new_call(scenario: sessionmaker[Session], settings: Settings) -> None:
    """Planned at 17:00 on the second day: a call of the evening before, its target gone and its promise
    due tonight, stakes the whole drop cost, as much as a new call whose target and promise are both at
    stake, so new calls do not push it past its promise; a call due tomorrow afternoon stakes half."""
    as_of = datetime.combine(date(2026, 7, 7), time(17), tzinfo=settings.tz)
    midnight = datetime.combine(date(2026, 7, 8), time(0), tzinfo=settings.tz)
    with scenario() as session:
        jobs = session.scalars(select(Job).where(Job.received_at <= as_of)).all()
        problem = build_day_problem(session, date(2026, 7, 7), settings, as_of=as_of)
    share = {j.id: j.drop_share for j in problem.problem.jobs}
    due_tonight = [j for j in jobs if j.window_end is None and j.target_at <= as_of < j.promise_at <= midnight]
    due_tomorrow = [j for j in jobs if j.window_end is None and as_of < j.target_at and midnight < j.promise_at]
    assert due_tonight and due_tomorrow
    assert {share[j.external_id] for j in due_tonight} == {1.0}
    assert {share[j.external_id] for j in due_tomorrow} == {0.5}


def test_an_overdue_job_is_not_put_off_again(scenario: sessionmaker[Session], settings: Settings) -> None:
    """A day later, nothing served: calls past their promise and appointments past their window still
    stake their broken promise, as much as a call that would lose its target."""
    as_of = datetime.combine(date(2026, 7, 7), time(17), tzinfo=settings.tz)
    with scenario() as session:
        jobs = session.scalars(select(Job).where(Job.received_at <= as_of)).all()
        problem = build_day_problem(session, date(2026, 7, 7), settings, as_of=as_of)
    share = {j.id: j.drop_share for j in problem.problem.jobs}
    overdue_calls = [j for j in jobs if j.window_end is None and j.promise_at <= as_of]
    closed_windows = [j for j in jobs if j.window_end is not None and j.window_end <= as_of]
    assert overdue_calls and closed_windows
    assert {share[j.external_id] for j in overdue_calls + closed_windows} == {0.5}


def test_an_idle_technician_across_town_saves_a_target_two_hours_away() -> None:
    """A call next to a technician busy for four hours, another technician idle 15 km away: two hours
    past the target weigh more than the 30 km there and back, so the idle one goes (at 120 m a late
    minute, the weight before, the call waited for the busy one)."""
    km15, drive = 15_000, round(15_000 / (28 / 3.6))
    distance = np.array([[0, km15, 0, 0], [km15, 0, km15, km15], [0, km15, 0, 0], [0, km15, 0, 0]], dtype=np.int64)
    duration = distance * drive // km15
    day = SolverShift(0, 12 * 3600)
    technicians = (SolverTechnician("near", 0, 0, (day,)), SolverTechnician("far", 1, 1, (day,)))
    jobs = (
        SolverJob("long", 2, 4 * 3600, pin_technician="near", pin_position=0, pin_start=0),
        SolverJob("call", 3, 3600, target=2 * 3600, promise=24 * 3600),
    )
    problem = DispatchProblem(distance, duration, technicians, jobs, DAY_WEIGHTS)
    plan = solve(problem, SolveParams(time_limit_s=1))
    assert check(problem, plan) == []
    assert [s.job for s in plan.route_of("far").stops] == ["call"]  # type: ignore[union-attr]
