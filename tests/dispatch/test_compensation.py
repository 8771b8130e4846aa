"""Late-arrival compensation: 5 % of the charge within [1, 30] yuan, for jobs whose promise was missed."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session, sessionmaker

from dispatch.compensation import CompensationRule, late_jobs
from dispatch.config import Settings
from dispatch.models import Job, Part, Visit, VisitPart
from tests.helpers import add_job, add_technician, at

RULE = CompensationRule.from_settings(Settings())


@pytest.mark.parametrize(
    ("charge", "owed"),
    [
        ("0", "1.00"),  # in warranty: nothing charged, the minimum still applies
        ("19.99", "1.00"),  # 5 % is 0.9995: below the minimum
        ("20.00", "1.00"),  # exactly the minimum
        ("183.00", "9.15"),
        ("123.45", "6.17"),  # 6.1725 rounds half up to the fen
        ("600.00", "30.00"),  # exactly the maximum
        ("2000.00", "30.00"),  # capped
    ],
)
def test_default_rule_on_its_edges(charge: str, owed: str) -> None:
    """5 % of the charge, at least 1 and at most 30 yuan, to the fen."""
    assert RULE.amount(Decimal(charge)) == Decimal(owed)


def test_rule_follows_the_settings() -> None:
    """10 % within [2, 50]: 300 yuan gives 30, 1000 gives 50; DISPATCH_ variables are read."""
    rule = CompensationRule.from_settings(
        Settings.from_env(
            {
                "DISPATCH_COMPENSATION_PERCENT": "10",
                "DISPATCH_COMPENSATION_MIN_YUAN": "2",
                "DISPATCH_COMPENSATION_MAX_YUAN": "50",
            }
        )
    )
    assert (rule.amount(Decimal("300")), rule.amount(Decimal("1000")), rule.amount(Decimal("0"))) == (
        Decimal("30.00"),
        Decimal("50.00"),
        Decimal("2.00"),
    )


@pytest.mark.parametrize(
    ("changes", "variable"),
    [
        ({"compensation_percent": -1.0}, "PERCENT"),
        ({"compensation_min_yuan": -1.0}, "MIN_YUAN"),
        ({"compensation_max_yuan": 0.5}, "MAX_YUAN"),
    ],
)
def test_bad_rules_are_refused_naming_the_variable(changes: dict[str, float], variable: str) -> None:
    """A negative percentage or minimum, or a maximum under the minimum, is refused."""
    with pytest.raises(ValueError, match=f"DISPATCH_COMPENSATION_{variable}"):
        CompensationRule.from_settings(replace(Settings(), **changes))


def test_negative_charge_is_refused() -> None:
    """A charge is never negative."""
    with pytest.raises(ValueError, match="charge"):
        RULE.amount(Decimal("-1"))


def _job(session: Session, external_id: str, promise: str, arrived: str | None, paid: bool = True) -> Job:
    job = add_job(session, external_id, received="2026-07-05 10:00")
    job.promise_at = at(promise)
    job.warranty = "paid" if paid else "repair"
    if arrived is not None:
        tech = add_technician(session, f"T-{external_id}")
        visit = Visit(job=job, technician=tech, number=1, arrived_at=at(arrived))
        part = Part(code=f"P-{external_id}", name="主控板", unit_price=Decimal("320"))
        visit.parts = [VisitPart(part=part, quantity=1)]
        session.add(visit)
    return job


def test_report_lists_missed_promises_with_their_compensation(
    sessions: sessionmaker[Session], settings: Settings
) -> None:
    """Late paid job: 5 % of 80 + 320 = 20; late warranty job: the minimum 1; on time, cancelled and
    out-of-range jobs are left out; a job nobody reached counts once its promise has passed."""
    with sessions.begin() as session:
        _job(session, "LATE", "2026-07-06 10:00", arrived="2026-07-06 11:30")
        _job(session, "LATE-WARRANTY", "2026-07-06 12:00", arrived="2026-07-06 12:01", paid=False)
        _job(session, "ON-TIME", "2026-07-06 10:00", arrived="2026-07-06 10:00")
        _job(session, "NOBODY", "2026-07-06 16:00", arrived=None)
        _job(session, "NOT-YET", "2026-07-06 20:00", arrived=None)
        _job(session, "CANCELLED", "2026-07-06 10:00", arrived=None).status = "cancelled"
        _job(session, "NEXT-DAY", "2026-07-07 10:00", arrived="2026-07-07 12:00")
        session.flush()
        rows = late_jobs(session, date(2026, 7, 6), date(2026, 7, 6), settings, at("2026-07-06 18:00"))
        found = {r.job.external_id: (r.late_min, r.charge, r.compensation) for r in rows}
        assert found == {
            "LATE": (90, Decimal("400.00"), Decimal("20.00")),
            "LATE-WARRANTY": (1, Decimal("0.00"), Decimal("1.00")),
            "NOBODY": (120, Decimal("80.00"), Decimal("4.00")),
        }
        assert [r.job.external_id for r in rows] == ["LATE", "LATE-WARRANTY", "NOBODY"]  # by promise


def test_report_range_is_checked(sessions: sessionmaker[Session], settings: Settings) -> None:
    """A reversed range is refused naming the field."""
    with sessions() as session, pytest.raises(ValueError, match="last_day"):
        late_jobs(session, date(2026, 7, 6), date(2026, 7, 5), settings, at("2026-07-06 18:00"))
