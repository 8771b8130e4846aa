"""A dispatcher's edits to a draft: the checker's warnings, previews that leave nothing, pins kept on re-optimising."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from sqlalchemy.orm import Session, sessionmaker

from dispatch.config import Settings
from dispatch.db import transaction
from dispatch.models import Job, PlanVersion, Technician
from dispatch.plan_edits import REMOVED, NotEditable, move_job, remove_job, reoptimise, set_pinned
from dispatch.plans import day_revision, plan_day, publish
from solver import SolveParams
from tests.conftest import DATA
from tests.helpers import database_dump, run_import

NORMAL = DATA / "scenarios" / "guangzhou-normal.json"
DAY = date(2026, 7, 6)
QUICK = SolveParams(time_limit_s=1)


@pytest.fixture
def draft_id(sessions: sessionmaker[Session], settings: Settings) -> int:
    run_import(sessions, settings, NORMAL)
    with transaction(sessions) as session:
        return plan_day(session, DAY, settings, QUICK).id


def _unskilled_for(session: Session, version: PlanVersion) -> tuple[int, int]:
    """A routed job and an on-shift technician (with a route) who lacks its skill."""
    for route in version.routes:
        for stop in route.stops:
            for other in version.routes:
                tech = session.get(Technician, other.technician_id)
                assert tech is not None
                if stop.job.skill not in tech.skill_codes():
                    return stop.job_id, tech.id
    raise AssertionError("every technician can do every job")


def test_moving_a_job_to_an_unskilled_technician_warns_and_a_preview_leaves_nothing(
    sessions: sessionmaker[Session], settings: Settings, engine: object, draft_id: int
) -> None:
    before = database_dump(engine)
    with sessions() as session:  # a preview: the edit is made, then rolled back
        version = session.get(PlanVersion, draft_id)
        assert version is not None
        job_id, tech_id = _unskilled_for(session, version)
        warnings = move_job(session, settings, draft_id, job_id, tech_id, 0)
        assert ("skill", session.get(Job, job_id).external_id) in {(w.kind, w.subject) for w in warnings}  # type: ignore[union-attr]
        route = next(r for r in version.routes if r.technician_id == tech_id)
        assert route.stops[0].job_id == job_id
        session.rollback()
    assert database_dump(engine) == before


def test_removed_job_stays_out_across_edits_and_figures_follow(
    sessions: sessionmaker[Session], settings: Settings, draft_id: int
) -> None:
    with transaction(sessions) as session:
        version = session.get(PlanVersion, draft_id)
        assert version is not None
        served = version.figures["served"]
        first, second = version.routes[0].stops[0].job_id, version.routes[1].stops[0].job_id
        assert remove_job(session, settings, draft_id, first) == []
        remove_job(session, settings, draft_id, second)
    with sessions() as session:
        version = session.get(PlanVersion, draft_id)
        assert version is not None and version.figures["served"] == served - 2
        reasons = {u.job_id: u.reason for u in version.unassigned}
        assert reasons[first] == REMOVED and reasons[second] == REMOVED
        routed = [s.job_id for r in version.routes for s in r.stops]
        assert first not in routed and len(routed) == len(set(routed)) == served - 2


def test_reoptimising_keeps_pinned_jobs_with_their_technician(
    sessions: sessionmaker[Session], settings: Settings, draft_id: int
) -> None:
    with transaction(sessions) as session:
        version = session.get(PlanVersion, draft_id)
        assert version is not None
        route = version.routes[-1]
        pinned_job, pinned_tech = route.stops[-1].job_id, route.technician_id
        set_pinned(session, draft_id, pinned_job, True)
        new = reoptimise(session, settings, draft_id, QUICK)
        assert new.based_on_id == draft_id and new.number == version.number + 1
        holder = next(r for r in new.routes if any(s.job_id == pinned_job for s in r.stops))
        assert holder.technician_id == pinned_tech
        assert [s.pinned for r in new.routes for s in r.stops].count(True) == 1
        served = new.figures["served"]
        assert served + len(new.unassigned) == version.figures["served"] + len(version.unassigned)


def test_a_reoptimised_version_is_dated_by_its_planning_moment(
    sessions: sessionmaker[Session], settings: Settings, draft_id: int
) -> None:
    """Not by the wall clock: a replay's simulated morning dates its versions."""
    moment = datetime.combine(DAY, time(9, 5), tzinfo=settings.tz)
    with transaction(sessions) as session:
        new = reoptimise(session, settings, draft_id, QUICK, as_of=moment)
        assert new.created_at == moment


def test_published_versions_cannot_be_edited(
    sessions: sessionmaker[Session], settings: Settings, draft_id: int
) -> None:
    with transaction(sessions) as session:
        morning = datetime.combine(DAY, time(7), tzinfo=settings.tz)
        publish(session, draft_id, day_revision(session, DAY), morning)
        version = session.get(PlanVersion, draft_id)
        assert version is not None
        with pytest.raises(NotEditable):
            remove_job(session, settings, draft_id, version.routes[0].stops[0].job_id)
