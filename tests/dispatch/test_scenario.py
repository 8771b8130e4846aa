"""Import of dispatch-scenario/1 files: both shipped scenarios, ids kept apart, idempotency, errors."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from dispatch.config import Settings
from dispatch.errors import ImportFailed
from dispatch.models import Job, Scenario, Technician
from dispatch.roster import shift_on
from dispatch.store import row_counts
from tests.conftest import DATA
from tests.helpers import SHANGHAI, at, database_dump, run_import

NORMAL = DATA / "scenarios" / "guangzhou-normal.json"
PEAK = DATA / "scenarios" / "guangzhou-peak.json"


def _document(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", [NORMAL, PEAK], ids=["normal", "peak"])
def test_shipped_scenario_imports_whole(sessions: sessionmaker[Session], settings: Settings, path: Path) -> None:
    """Every technician, customer and call of the file is stored, ids prefixed with the scenario name."""
    doc = _document(path)
    run_import(sessions, settings, path)
    name = doc["name"]
    with sessions() as session:
        counts = row_counts(session)
        assert counts["technician"] == len(doc["technicians"])
        assert counts["job"] == len(doc["calls"])
        assert counts["customer"] == len({c["customer"]["id"] for c in doc["calls"]})
        assert counts["shift"] == sum(len(t["shifts"]) for t in doc["technicians"])
        call = doc["calls"][0]
        job = session.scalars(select(Job).where(Job.external_id == f"{name}/{call['id']}")).one()
        assert job.actual_duration_min == call["actual_duration_min"] and job.duration_min == call["duration_min"]
        assert job.scenario == name and job.status == "new"
        assert job.customer.external_id == f"{name}/{call['customer']['id']}"
        stored = session.get(Scenario, name)
        assert stored is not None and stored.road_factor == doc["travel"]["road_factor"]


def test_two_scenarios_keep_their_same_ids_apart(sessions: sessionmaker[Session], settings: Settings) -> None:
    """T001 of one scenario and T001 of the other are two technicians."""
    run_import(sessions, settings, NORMAL, PEAK)
    names = [_document(p)["name"] for p in (NORMAL, PEAK)]
    with sessions() as session:
        found = session.scalars(select(Technician.external_id).where(Technician.external_id.like("%/T001"))).all()
        assert sorted(found) == sorted(f"{n}/T001" for n in names)


def test_windows_and_deadlines(sessions: sessionmaker[Session], settings: Settings) -> None:
    """A windowed call keeps its window; deadlines are the scenario's SLA hours from the call."""
    doc = _document(NORMAL)
    windowed = next(c for c in doc["calls"] if c["window"])
    run_import(sessions, settings, NORMAL)
    with sessions() as session:
        job = session.scalars(select(Job).where(Job.external_id == f"{doc['name']}/{windowed['id']}")).one()
        assert job.window_start.isoformat() == _utc(windowed["window"]["start"])
        assert (job.target_at - job.received_at).total_seconds() == doc["sla"]["target_hours"] * 3600
        assert (job.promise_at - job.received_at).total_seconds() == doc["sla"]["promise_hours"] * 3600


def _utc(text: str) -> str:
    from datetime import UTC, datetime

    return datetime.fromisoformat(text).astimezone(UTC).isoformat()


def test_roster_becomes_shifts_and_days_off(sessions: sessionmaker[Session], settings: Settings) -> None:
    """Rostered days give the scenario's hours; a horizon day without a shift is a day off."""
    doc = _document(NORMAL)
    off = next(t for t in doc["technicians"] if len(t["shifts"]) < 3)
    rostered = {s["start"][:10] for s in off["shifts"]}
    run_import(sessions, settings, NORMAL)
    with sessions() as session:
        tech = session.scalars(select(Technician).where(Technician.external_id == f"{doc['name']}/{off['id']}")).one()
        for day in (date(2026, 7, 6), date(2026, 7, 7), date(2026, 7, 8)):
            span = shift_on(tech, day, "CN", SHANGHAI)
            assert (span is not None) == (day.isoformat() in rostered)
        usual = shift_on(tech, date(2026, 7, 13), "CN", SHANGHAI)  # a Monday after the horizon
        rostered_starts = {s["start"][11:16] for s in off["shifts"]}
        assert usual is not None and f"{usual.start:%H:%M}" in rostered_starts
        assert shift_on(tech, date(2026, 7, 11), "CN", SHANGHAI) is None  # Saturdays are not in its roster


def test_reimport_changes_nothing(sessions: sessionmaker[Session], settings: Settings, engine: Engine) -> None:
    """The same scenario twice: the database is row for row the same."""
    run_import(sessions, settings, NORMAL)
    before = database_dump(engine)
    results = run_import(sessions, settings, NORMAL)
    assert results[0].created == 0
    assert database_dump(engine) == before


def test_bad_scenario_reports_each_error(
    sessions: sessionmaker[Session], settings: Settings, engine: Engine, tmp_path: Path
) -> None:
    """Broken entries are named by section position and field; nothing is written."""
    doc = _document(NORMAL)
    doc["technicians"][2]["skills"].append("spaceship:repair")
    doc["technicians"][4]["depot"] = "SC-XX"
    doc["technicians"][5]["shifts"][0]["end"] = doc["technicians"][5]["shifts"][0]["start"]
    doc["calls"][9]["customer"]["phone"] = "12"
    doc["calls"][10]["window"] = {"start": "2026-07-06T12:00:00+08:00", "end": "2026-07-06T10:00:00+08:00"}
    doc["calls"][11]["received_at"] = "yesterday"
    doc["calls"][12]["id"] = doc["calls"][0]["id"]
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    before = database_dump(engine)
    with pytest.raises(ImportFailed) as failed:
        run_import(sessions, settings, path)
    assert sorted((e.row, e.field) for e in failed.value.errors) == [
        (3, "technicians.skills"),
        (5, "technicians.depot"),
        (6, "technicians.shifts.end"),
        (10, "calls.customer.phone"),
        (11, "calls.window.end"),
        (12, "calls.received_at"),
        (13, "calls.id"),
    ]
    assert database_dump(engine) == before


def test_shift_days_moves_the_scenario(sessions: sessionmaker[Session], settings: Settings) -> None:
    """Moved by 140 days, the first call and the first shift fall on 2026-11-23."""
    run_import(sessions, settings, NORMAL, shift_days=140)
    with sessions() as session:
        first = session.scalars(select(Job).order_by(Job.received_at).limit(1)).one()
        assert first.received_at.astimezone(SHANGHAI).date() == date(2026, 11, 23)
        scenario = session.scalars(select(Scenario)).one()
        assert scenario.shift_days == 140 and scenario.start == at("2026-11-23 00:00")
