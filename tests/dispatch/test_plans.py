"""Plan versions: a solved day stored as a draft, atomic publish with an optimistic lock, diffs."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dispatch.cli import main
from dispatch.config import Settings
from dispatch.db import transaction
from dispatch.models import Job, JobStatus, PlanStatus, PlanVersion, Visit
from dispatch.plans import NotADraft, PublishConflict, day_revision, diff, plan_day, publish
from solver import SolveParams
from tests.conftest import DATA
from tests.helpers import database_dump, run_import

NORMAL = DATA / "scenarios" / "guangzhou-normal.json"
DAY = date(2026, 7, 6)
QUICK = SolveParams(time_limit_s=1)


@pytest.fixture
def scenario(sessions: sessionmaker[Session], settings: Settings) -> sessionmaker[Session]:
    run_import(sessions, settings, NORMAL)
    return sessions


def _morning(settings: Settings) -> datetime:
    return datetime.combine(DAY, time(7), tzinfo=settings.tz)


def test_draft_stores_every_job_once_with_times_in_order(scenario: sessionmaker[Session], settings: Settings) -> None:
    """Each job of the day is in exactly one route or in the unassigned list; stops keep route order."""
    with transaction(scenario) as session:
        version = plan_day(session, DAY, settings, QUICK)
        routed = [s.job_id for r in version.routes for s in r.stops]
        left = [u.job_id for u in version.unassigned]
        assert len(routed) == len(set(routed)) and not set(routed) & set(left)
        assert version.figures["served"] == len(routed) and version.status == PlanStatus.DRAFT.value
        for route in version.routes:
            times = [(s.arrival, s.start, s.end) for s in route.stops]
            assert route.depart <= times[0][0] and times[-1][2] <= route.back
            assert all(a <= b <= c for a, b, c in times)
            assert all(prev[2] <= nxt[0] for prev, nxt in itertools.pairwise(times))
        second = plan_day(session, DAY, settings, QUICK)
        assert (version.number, second.number) == (1, 2)


def test_publish_dispatches_jobs_with_planned_visits(scenario: sessionmaker[Session], settings: Settings) -> None:
    with transaction(scenario) as session:
        version = plan_day(session, DAY, settings, QUICK)
        version_id, seen = version.id, day_revision(session, DAY)
    with transaction(scenario) as session:
        publish(session, version_id, seen, _morning(settings))
    with scenario() as session:
        version = session.get(PlanVersion, version_id)
        assert version is not None and version.status == PlanStatus.PUBLISHED.value
        for route in version.routes:
            for stop in route.stops:
                assert stop.job.status == JobStatus.DISPATCHED.value
                (visit,) = stop.job.visits
                assert visit.technician_id == route.technician_id and visit.planned_arrival == stop.arrival
        assert day_revision(session, DAY) == seen + 1


def test_second_publish_from_a_stale_revision_loses_and_writes_nothing(
    scenario: sessionmaker[Session], settings: Settings, engine: object
) -> None:
    """Two dispatchers saw revision 0; the first publishes; the second gets a clear error and the
    database is exactly as the first left it."""
    with transaction(scenario) as session:
        first = plan_day(session, DAY, settings, QUICK).id
        second = plan_day(session, DAY, settings, SolveParams(time_limit_s=1, first_solution="PATH_CHEAPEST_ARC")).id
        seen = day_revision(session, DAY)
    with transaction(scenario) as session:
        publish(session, first, seen, _morning(settings))
    before = database_dump(engine)
    with pytest.raises(PublishConflict, match="published by someone else"), transaction(scenario) as session:
        publish(session, second, seen, _morning(settings))
    assert database_dump(engine) == before


def test_republish_keeps_dispatched_jobs_and_withdraws_removed_ones(
    scenario: sessionmaker[Session], settings: Settings
) -> None:
    """A re-plan keeps dispatched jobs with their technician (moving costs); a job a dispatcher removed
    from the new version goes back to planning without its visit; the diff says removed."""
    with transaction(scenario) as session:
        first = plan_day(session, DAY, settings, QUICK)
        publish(session, first.id, day_revision(session, DAY), _morning(settings))
        second = plan_day(session, DAY, settings, QUICK)
        kept = diff(first, second)
        assert not kept.removed and len(kept.moved) <= 0.1 * first.figures["served"]
        route = second.routes[0]
        removed = route.stops.pop(0)
        dropped = removed.job_id
        session.delete(removed)
        session.flush()
        for i, stop in enumerate(route.stops):
            stop.position = i
        session.flush()
        publish(session, second.id, day_revision(session, DAY), _morning(settings))
        job = session.get(Job, dropped)
        assert job is not None and job.status == JobStatus.PLANNED.value
        assert session.scalars(select(Visit).where(Visit.job_id == dropped)).all() == []
        assert first.status == PlanStatus.SUPERSEDED.value
        assert dropped in diff(first, second).removed
        with pytest.raises(NotADraft):
            publish(session, first.id, day_revision(session, DAY), _morning(settings))


def test_cli_plan_and_publish(runner: CliRunner) -> None:
    """`dispatch plan --publish`: a first published version; planning again gives version 2 (a draft)."""
    assert runner.invoke(main, ["import", str(NORMAL)]).exit_code == 0
    result = runner.invoke(main, ["plan", "--day", "2026-07-06", "--time-limit", "1", "--publish"])
    assert result.exit_code == 0, result.output
    assert "2026-07-06 version 1 (published)" in result.output and " routed, " in result.output
    again = runner.invoke(main, ["plan", "--day", "2026-07-06", "--time-limit", "1"])
    assert "version 2 (draft)" in again.output
    empty = runner.invoke(main, ["plan", "--day", "2030-01-01", "--time-limit", "1"])
    assert empty.exit_code != 0 and "nobody is on shift on 2030-01-01" in empty.output
