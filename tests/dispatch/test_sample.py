"""The shipped sample history and the demo: real calendar, consistent records, safe database reset."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from dispatch.cli import main
from dispatch.config import Settings
from dispatch.db import make_engine, make_sessionmaker
from dispatch.models import Job, Technician, Visit
from dispatch.roster import is_public_holiday
from tests.conftest import DATA
from tests.helpers import SHANGHAI, run_import

SAMPLE = DATA / "sample"


def _history(sessions: sessionmaker[Session]) -> list[Job]:
    with sessions() as session:
        return list(
            session.scalars(
                select(Job)
                .where(Job.visits.any())
                .options(selectinload(Job.visits).selectinload(Visit.technician).selectinload(Technician.skills))
            )
        )


def test_shipped_history_is_consistent(sessions: sessionmaker[Session], settings: Settings) -> None:
    """The data/sample files import on the scenario; every visit is by a certified technician, in order, on a working day."""
    run_import(
        sessions,
        settings,
        DATA / "parts.csv",
        DATA / "scenarios" / "guangzhou-normal.json",
        *sorted(SAMPLE.iterdir()),
    )
    jobs = _history(sessions)
    assert len(jobs) > 500
    assert Counter(j.status for j in jobs).keys() <= {"completed", "needs_revisit"}
    for job in jobs:
        for visit in job.visits:
            assert job.skill in visit.technician.skill_codes()
            assert job.received_at <= visit.dispatched_at <= visit.en_route_at <= visit.arrived_at <= visit.completed_at
            day = visit.arrived_at.astimezone(SHANGHAI).date()
            assert day < date(2026, 7, 6) and day.weekday() < 5 and not is_public_holiday(day, "CN")
    assert {len(j.visits) for j in jobs} == {1, 2}  # some jobs needed a revisit


def test_demo_lays_history_on_the_real_calendar(runner: CliRunner, database_url: str) -> None:
    """Starting on 2026-10-12, no visit falls in the National Day holiday and the swapped Saturday is worked."""
    result = runner.invoke(main, ["demo", "--check", "--time-limit", "1", "--today", "2026-10-12"])
    assert result.exit_code == 0, result.output
    assert "30 technicians" in result.stdout
    sessions = make_sessionmaker(make_engine(database_url))
    days = Counter(
        v.arrived_at.astimezone(SHANGHAI).date() for j in _history(sessions) for v in j.visits if v.arrived_at
    )
    assert not any(date(2026, 10, 1) <= d <= date(2026, 10, 7) for d in days)
    assert days[date(2026, 10, 10)] > 0  # Saturday made a working day
    assert days[date(2026, 10, 11)] == 0  # an ordinary Sunday
    assert max(days) == date(2026, 10, 11) or max(days) == date(2026, 10, 10)
    with sessions() as session:
        first_call = session.scalars(select(Job).where(Job.scenario.is_not(None)).order_by(Job.received_at)).first()
        assert first_call is not None and first_call.received_at.astimezone(SHANGHAI).date() == date(2026, 10, 12)


def test_demo_runs_twice(runner: CliRunner) -> None:
    """A second demo starts afresh on the demo database instead of failing."""
    assert runner.invoke(main, ["demo", "--check", "--time-limit", "1", "--today", "2026-11-23"]).exit_code == 0
    again = runner.invoke(main, ["demo", "--check", "--time-limit", "1", "--today", "2026-11-24"])
    assert again.exit_code == 0, again.output
    assert "from 2026-11-24" in again.stdout
    assert "plan of 2026-11-24:" in again.stdout and "(published)" in again.stdout
    assert "dispatcher  dispatcher" in again.stdout and "tech1       technician" in again.stdout


def test_demo_refuses_to_wipe_real_data(runner: CliRunner, tmp_path: Path) -> None:
    """A database with imported (non-demo) data is left alone and the demo says why."""
    depots = tmp_path / "depots.csv"
    depots.write_text("id,name,lat,lon\nD1,天河,23.1,113.3\n", encoding="utf-8")
    techs = tmp_path / "techs.csv"
    techs.write_text("id,name,depot,skills\nT1,卢娟,D1,air_conditioner:repair\n", encoding="utf-8")
    assert runner.invoke(main, ["import", str(depots), str(techs)]).exit_code == 0
    result = runner.invoke(main, ["demo", "--check", "--time-limit", "1"])
    assert result.exit_code == 1
    assert "holds data that the demo did not make" in result.output
    listed = runner.invoke(main, ["export", "--kind", "technicians"])
    assert "T1,卢娟" in listed.stdout


@pytest.mark.parametrize("kind", ["technicians", "jobs"])
def test_cli_export_after_demo(runner: CliRunner, tmp_path: Path, kind: str) -> None:
    """`dispatch export` writes a file that `dispatch import` accepts back (idempotently)."""
    assert runner.invoke(main, ["demo", "--check", "--time-limit", "1", "--today", "2026-11-23"]).exit_code == 0
    out = tmp_path / f"{kind}.json"
    assert runner.invoke(main, ["export", "--kind", kind, "-o", str(out)]).exit_code == 0
    again = runner.invoke(main, ["import", str(out)])
    assert again.exit_code == 0, again.output
    assert " 0 created" in again.stdout
