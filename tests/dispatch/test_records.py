"""Visits and service records: status stamps, parts from the van, revisits, first-time fix."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy.orm import Session, sessionmaker

from dispatch.errors import IllegalTransition, InsufficientStock
from dispatch.lifecycle import change_status
from dispatch.models import Job, Outcome, Part, Satisfaction, StockLevel, Technician
from dispatch.records import (
    PartUse,
    ServiceRecord,
    arrive,
    dispatch_visit,
    finish_visit,
    is_first_time_fix,
    set_off,
)
from tests.helpers import add_job, add_technician, at


def _ready(session: Session, van: int = 3) -> tuple[Job, Technician, StockLevel]:
    tech = add_technician(session)
    job = add_job(session)
    part = Part(code="AC-CAP-35UF", name="启动电容", product_code="air_conditioner", unit_price=Decimal("45"))
    level = StockLevel(part=part, technician=tech, quantity=van)
    session.add_all([part, level])
    change_status(job, "planned", at("2026-07-06 09:30"))
    session.flush()
    return job, tech, level


def _go(session: Session, job: Job, tech: Technician) -> None:
    dispatch_visit(job, tech, at("2026-07-06 09:40"))
    set_off(job, at("2026-07-06 10:00"))
    arrive(job, at("2026-07-06 10:25"))


def test_visit_is_stamped_and_takes_parts_from_the_van(sessions: sessionmaker[Session]) -> None:
    """dispatched -> en_route -> on_site -> completed stamps the visit; 2 capacitors leave the van."""
    with sessions.begin() as session:
        job, tech, level = _ready(session)
        _go(session, job, tech)
        record = ServiceRecord(
            Outcome.FIXED,
            fault_found="外机不启动",
            cause="电容失效",
            parts=[PartUse("AC-CAP-35UF", 1), PartUse("AC-CAP-35UF", 1)],
            satisfaction=Satisfaction.SATISFIED,
        )
        visit = finish_visit(session, job, record, at("2026-07-06 11:05"))
        assert job.status == "completed"
        assert (visit.dispatched_at, visit.en_route_at, visit.arrived_at, visit.completed_at) == (
            at("2026-07-06 09:40"),
            at("2026-07-06 10:00"),
            at("2026-07-06 10:25"),
            at("2026-07-06 11:05"),
        )
        assert [(p.part.code, p.quantity) for p in visit.parts] == [("AC-CAP-35UF", 2)]
        assert level.quantity == 1
        assert visit.satisfaction == "satisfied" and visit.cause == "电容失效"
        assert [e.to_status for e in job.events] == [
            "new",
            "planned",
            "dispatched",
            "en_route",
            "on_site",
            "completed",
        ]
        assert is_first_time_fix(job)


def test_more_parts_than_the_van_holds_changes_nothing(sessions: sessionmaker[Session]) -> None:
    """Recording 4 parts from a van of 3 raises, and the job stays on site with the stock intact."""
    with sessions.begin() as session:
        job, tech, level = _ready(session, van=3)
        _go(session, job, tech)
        with pytest.raises(InsufficientStock, match="holds 3 of part AC-CAP-35UF, 4 recorded"):
            finish_visit(
                session,
                job,
                ServiceRecord(Outcome.FIXED, parts=[PartUse("AC-CAP-35UF", 4)]),
                at("2026-07-06 11:05"),
            )
        assert job.status == "on_site" and level.quantity == 3 and job.visits[0].completed_at is None


@pytest.mark.parametrize("outcome", [o for o in Outcome if not o.finishes_job])
def test_unfinished_visit_sends_job_back_to_planning(sessions: sessionmaker[Session], outcome: Outcome) -> None:
    """Not fixed, not at home or rescheduled: the job needs a revisit; the revisit completes it."""
    with sessions.begin() as session:
        job, tech, _ = _ready(session)
        _go(session, job, tech)
        finish_visit(session, job, ServiceRecord(outcome), at("2026-07-06 10:40"))
        assert job.status == "needs_revisit" and not is_first_time_fix(job)
        change_status(job, "planned", at("2026-07-06 12:00"))
        second = dispatch_visit(job, tech, at("2026-07-07 08:30"))
        set_off(job, at("2026-07-07 08:40"))
        arrive(job, at("2026-07-07 09:00"))
        finish_visit(session, job, ServiceRecord(Outcome.FIXED), at("2026-07-07 09:50"))
        assert second.number == 2 and job.status == "completed"
        assert not is_first_time_fix(job)


def test_cannot_arrive_before_being_dispatched(sessions: sessionmaker[Session]) -> None:
    """A planned job cannot jump to on_site."""
    with sessions.begin() as session:
        job, tech, _ = _ready(session)
        dispatch_visit(job, tech, at("2026-07-06 09:40"))
        with pytest.raises(IllegalTransition):
            arrive(job, at("2026-07-06 10:25"))
        assert job.visits[0].arrived_at is None
