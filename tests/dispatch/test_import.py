"""Import and export of every table kind: content, inference, validation, all-or-nothing, idempotency."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from dispatch.cli import main
from dispatch.config import Settings
from dispatch.db import make_engine, make_sessionmaker, upgrade
from dispatch.errors import ImportFailed
from dispatch.io.exporter import export_rows, write_csv, write_json
from dispatch.io.importer import TABLE_KINDS
from dispatch.io.sources import read_source
from dispatch.models import Customer, Job, StockLevel, Technician
from dispatch.store import row_counts
from tests.conftest import DATA
from tests.helpers import at, database_dump, run_import, write

FILES = {
    "depots.csv": """
id,name,address,lat,lon
D1,天河服务网点,广州市天河区,23.132,113.34
""",
    "technicians.csv": """
id,name,phone,depot,skills,weekly_shifts,absences,active
T1,卢娟,13800000001,D1,air_conditioner:repair;television:install,mon-fri 08:00-18:00 break 11:30-13:30 45m;sat 09:00-15:00,2026-07-10..2026-07-12 年假,true
T2,王强,13800000002,D1,washing_machine:repair,mon-sun 09:00-17:00,,false
""",
    "customers.csv": """
id,name,phones,address,district,lat,lon,notes
C1,曹先生,+86 138-0013-8000;020-8888 1234,广州市白云区,白云区,23.2185,113.2074,
C2,谭女士,13382595560,广州市越秀区,越秀区,,,住二楼
""",
    "products.csv": """
id,customer,category,brand,model,serial,purchase_date,warranty_end
P1,C1,air_conditioner,格力,KFR-35,SN001,2024-05-01,2030-05-01
""",
    "stock.csv": """
part,location,quantity
AC-CAP-35UF,depot:D1,20
AC-CAP-35UF,van:T1,3
""",
    "jobs.csv": """
id,customer,product,job_type,fault,received_at,window_start,window_end,duration_min,priority,warranty,parts_expected,owned_product,status
J1,C1,air_conditioner,repair,不制冷,2026-07-06T08:15:00+08:00,,,60,urgent,repair,AC-CAP-35UF*1,P1,new
J2,C2,television,install,,2026-07-06 09:00,2026-07-06 14:00,2026-07-06 16:00,90,normal,paid,,,
""",
}


def _files(folder: Path) -> list[Path]:
    return [write(folder, name, text) for name, text in FILES.items()] + [DATA / "parts.csv"]


def test_all_kinds_import_with_their_content(
    sessions: sessionmaker[Session], settings: Settings, tmp_path: Path
) -> None:
    """One import of every CSV kind stores what the files say, list cells and phones included."""
    results = run_import(sessions, settings, *_files(tmp_path))
    assert {r.kind: r.created for r in results} == {
        "depots": 1,
        "parts": 35,
        "technicians": 2,
        "customers": 2,
        "products": 1,
        "stock": 2,
        "jobs": 2,
    }
    with sessions() as session:
        t1 = session.scalars(select(Technician).where(Technician.external_id == "T1")).one()
        assert t1.skill_codes() == ["air_conditioner:repair", "television:install"]
        assert [(w.weekday, f"{w.start:%H:%M}", w.break_minutes) for w in t1.weekly_shifts] == [
            (0, "08:00", 45),
            (1, "08:00", 45),
            (2, "08:00", 45),
            (3, "08:00", 45),
            (4, "08:00", 45),
            (5, "09:00", 0),
        ]
        assert [(str(a.first_day), str(a.last_day), a.reason) for a in t1.absences] == [
            ("2026-07-10", "2026-07-12", "年假")
        ]
        t2 = session.scalars(select(Technician).where(Technician.external_id == "T2")).one()
        assert not t2.active and len(t2.weekly_shifts) == 7
        c1, c2 = session.scalars(select(Customer).order_by(Customer.external_id)).all()
        assert c1.phone_numbers() == ["13800138000", "02088881234"] and not c1.location_approximate
        assert c2.location_approximate and (c2.lat, c2.lon) == (23.1290, 113.2668) and c2.notes == "住二楼"
        j1, j2 = session.scalars(select(Job).order_by(Job.external_id)).all()
        assert j1.target_at == at("2026-07-06 14:15") and j1.promise_at == at("2026-07-07 08:15")
        assert j1.owned_product is not None and j1.owned_product.serial == "SN001"
        assert j1.parts_expected == [{"part": "AC-CAP-35UF", "quantity": 1}] and j1.priority == "urgent"
        assert (j2.received_at, j2.window_start, j2.window_end) == (
            at("2026-07-06 09:00"),
            at("2026-07-06 14:00"),
            at("2026-07-06 16:00"),
        )
        van = session.scalars(select(StockLevel).where(StockLevel.technician_id == t1.id)).one()
        assert van.quantity == 3


def test_reimport_is_idempotent(
    sessions: sessionmaker[Session], settings: Settings, engine: Engine, tmp_path: Path
) -> None:
    """Importing the same files again updates in place and leaves every row as it was."""
    files = _files(tmp_path)
    run_import(sessions, settings, *files)
    before = database_dump(engine)
    results = run_import(sessions, settings, *files)
    assert all(r.created == 0 for r in results)
    assert database_dump(engine) == before


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("depots.csv", "depots"),
        ("technicians.csv", "technicians"),
        ("customers.csv", "customers"),
        ("products.csv", "products"),
        ("stock.csv", "stock"),
        ("jobs.csv", "jobs"),
    ],
)
def test_kind_is_inferred_from_columns(tmp_path: Path, name: str, kind: str) -> None:
    """Each kind is told from its columns, whatever the file is called."""
    path = write(tmp_path, f"renamed-{kind}.csv", FILES[name])
    assert read_source(path).kind == kind
    assert read_source(DATA / "parts.csv").kind == "parts"
    assert read_source(DATA / "scenarios" / "guangzhou-peak.json").kind == "scenario"


BAD_TECHNICIANS = """
id,name,phone,depot,skills,weekly_shifts,absences,active,colour
T1,卢娟,13800000001,D9,air_conditioner:repair,mon-fri 08:00-18:00,,true,red
T2,,13800000002,D1,toaster:repair,mon-fri 8am-6pm,,true,
T3,张三,13800000003,D1,air_conditioner,mon-fri 08:00-18:00;mon 09:00-12:00,2026-07-12..2026-07-10,maybe,
T1,李四,13800000004,D1,air_conditioner:repair,,,true,
"""

BAD_TECHNICIAN_ERRORS = [
    "technicians.csv:2:colour: unknown column",
    "technicians.csv:5:id: 'T1' repeats row 2",
    "technicians.csv:2:depot: no depot 'D9' (neither stored nor in this import)",
    "technicians.csv:3:name: is required",
    "technicians.csv:3:skills: unknown product 'toaster'",
    "technicians.csv:3:weekly_shifts: 'mon-fri 8am-6pm' is not 'DAYS HH:MM-HH:MM [break HH:MM-HH:MM MINUTESm]'",
    "technicians.csv:4:skills: 'air_conditioner' is not <product>:<job_type>",
    "technicians.csv:4:weekly_shifts: mon given more than once",
    "technicians.csv:4:absences: '2026-07-12..2026-07-10' ends before it starts",
    "technicians.csv:4:active: 'maybe' is not true or false",
]


def _imported(sessions: sessionmaker[Session], settings: Settings, tmp_path: Path) -> None:
    run_import(sessions, settings, *_files(tmp_path / "good"))


def test_every_bad_row_is_reported_and_nothing_written(
    sessions: sessionmaker[Session], settings: Settings, engine: Engine, tmp_path: Path
) -> None:
    """A file with several bad rows: each error as file:row:field: reason, and the database unchanged."""
    (tmp_path / "good").mkdir()
    _imported(sessions, settings, tmp_path)
    before, counts_before = database_dump(engine), _counts(sessions)
    bad = write(tmp_path, "technicians.csv", BAD_TECHNICIANS)
    with pytest.raises(ImportFailed) as failed:
        run_import(sessions, settings, bad)
    messages = [str(e).replace(str(tmp_path) + "/", "") for e in failed.value.errors]
    for expected in BAD_TECHNICIAN_ERRORS:
        assert any(m.startswith(expected) for m in messages), expected
    assert len(messages) == len(BAD_TECHNICIAN_ERRORS)
    assert _counts(sessions) == counts_before
    assert database_dump(engine) == before


def test_one_bad_file_stops_the_good_ones(
    sessions: sessionmaker[Session], settings: Settings, engine: Engine, tmp_path: Path
) -> None:
    """Good depots and a bad customers file in one import: nothing at all is written."""
    before = database_dump(engine)
    depots = write(tmp_path, "depots.csv", FILES["depots.csv"])
    customers = write(
        tmp_path,
        "customers.csv",
        """
id,name,phones,address,district,lat,lon,notes
C1,曹先生,12345,广州市白云区,白云区,23.2,113.2,
C2,谭女士,13382595560,,火星区,,,
C3,周先生,13382595561,,,95,113.2,
""",
    )
    with pytest.raises(ImportFailed) as failed:
        run_import(sessions, settings, depots, customers)
    fields = [(e.row, e.field) for e in failed.value.errors]
    assert fields == [(2, "phones"), (3, "district"), (4, "lat")]
    assert database_dump(engine) == before


def test_cli_import_reports_on_stderr_and_exits_1(runner: CliRunner, tmp_path: Path, database_url: str) -> None:
    """`dispatch import` prints every error on stderr, exits 1 and writes nothing."""
    bad = write(tmp_path, "technicians.csv", BAD_TECHNICIANS)
    depots = write(tmp_path, "depots.csv", FILES["depots.csv"])
    result = runner.invoke(main, ["import", str(depots), str(bad)])
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if line.startswith(str(bad))]
    assert len(lines) == len(BAD_TECHNICIAN_ERRORS)
    assert "nothing was imported" in result.stderr
    engine = make_engine(database_url)
    with make_sessionmaker(engine)() as session:
        assert row_counts(session)["technician"] == 0 and row_counts(session)["depot"] == 0


def test_cli_import_then_list(runner: CliRunner, tmp_path: Path) -> None:
    """`dispatch import` of good files succeeds and `dispatch jobs` lists what came in."""
    result = runner.invoke(main, ["import", *map(str, _files(tmp_path))])
    assert result.exit_code == 0, result.output
    assert "jobs, 2 created, 0 updated" in result.stdout
    listed = runner.invoke(main, ["jobs", "--district", "白云区"])
    assert listed.exit_code == 0 and "J1" in listed.stdout and "J2" not in listed.stdout


JOBS_JSON = {
    "kind": "jobs",
    "items": [
        {
            "id": "J9",
            "customer": "C1",
            "product": "air_conditioner",
            "job_type": "repair",
            "received_at": "2026-07-01T09:00:00+08:00",
            "duration_min": 60,
            "status": "completed",
            "visits": [
                {
                    "technician": "T1",
                    "arrived_at": "2026-07-01T11:00:00+08:00",
                    "completed_at": "2026-07-01T11:30:00+08:00",
                    "outcome": "not_fixed",
                    "cause": "需订购配件",
                },
                {
                    "technician": "T1",
                    "arrived_at": "2026-07-02T10:00:00+08:00",
                    "completed_at": "2026-07-02T10:40:00+08:00",
                    "outcome": "fixed",
                    "parts": ["AC-CAP-35UF*2"],
                    "satisfaction": "neutral",
                },
            ],
        }
    ],
}


def test_json_jobs_carry_visits(
    sessions: sessionmaker[Session], settings: Settings, engine: Engine, tmp_path: Path
) -> None:
    """A JSON job with two visits stores both records; importing it twice changes nothing."""
    run_import(sessions, settings, *_files(tmp_path))
    path = write(tmp_path, "history.json", json.dumps(JOBS_JSON, ensure_ascii=False))
    run_import(sessions, settings, path)
    before = database_dump(engine)
    run_import(sessions, settings, path)
    assert database_dump(engine) == before
    with sessions() as session:
        job = session.scalars(select(Job).where(Job.external_id == "J9")).one()
        assert job.status == "completed" and [v.number for v in job.visits] == [1, 2]
        assert [(p.part.code, p.quantity) for p in job.visits[1].parts] == [("AC-CAP-35UF", 2)]
        assert job.status_changed_at == at("2026-07-02 10:40")
        assert [e.to_status for e in job.events] == ["new", "completed"]


def test_bad_visit_fields_name_the_visit(sessions: sessionmaker[Session], settings: Settings, tmp_path: Path) -> None:
    """Errors inside visits say which visit: visits[2].outcome, visits[1].completed_at."""
    run_import(sessions, settings, *_files(tmp_path))
    broken = json.loads(json.dumps(JOBS_JSON))
    broken["items"][0]["visits"][1]["outcome"] = "magic"
    broken["items"][0]["visits"][0]["completed_at"] = "2026-07-01T10:00:00+08:00"
    broken["items"][0]["visits"][0]["technician"] = "T7"
    path = write(tmp_path, "history.json", json.dumps(broken))
    with pytest.raises(ImportFailed) as failed:
        run_import(sessions, settings, path)
    assert sorted(e.field for e in failed.value.errors) == [
        "visits[1].completed_at",
        "visits[1].technician",
        "visits[2].outcome",
    ]
    assert all(e.row == 1 for e in failed.value.errors)


def test_status_moves_only_along_the_lifecycle(
    sessions: sessionmaker[Session], settings: Settings, tmp_path: Path
) -> None:
    """Re-importing a new job as planned is a logged change; as completed it is refused."""
    run_import(sessions, settings, *_files(tmp_path))
    (tmp_path / "planned").mkdir()
    planned = FILES["jobs.csv"].replace(",P1,new", ",P1,planned")
    run_import(sessions, settings, write(tmp_path / "planned", "jobs.csv", planned))
    with sessions() as session:
        job = session.scalars(select(Job).where(Job.external_id == "J1")).one()
        assert job.status == "planned" and job.events[-1].note == "imported"
    completed = FILES["jobs.csv"].replace(",P1,new", ",P1,completed")
    with pytest.raises(ImportFailed) as failed:
        run_import(sessions, settings, write(tmp_path, "jobs.csv", completed))
    assert [(e.row, e.field) for e in failed.value.errors] == [(2, "status")]


def _counts(sessions: sessionmaker[Session]) -> dict[str, int]:
    with sessions() as session:
        return row_counts(session)


def _export_all(sessions: sessionmaker[Session], settings: Settings, fmt: str) -> dict[str, str]:
    out = {}
    with sessions() as session:
        for kind in TABLE_KINDS:
            buffer = io.StringIO()
            (write_json if fmt == "json" else write_csv)(kind, export_rows(session, kind, settings), buffer)
            out[kind] = buffer.getvalue()
    return out


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_reads_back_the_same(
    sessions: sessionmaker[Session], settings: Settings, tmp_path: Path, fmt: str
) -> None:
    """Export every kind, import into an empty database, export again: identical files."""
    run_import(sessions, settings, *_files(tmp_path))
    path = write(tmp_path, "history.json", json.dumps(JOBS_JSON, ensure_ascii=False))
    run_import(sessions, settings, path)
    first = _export_all(sessions, settings, fmt)
    copy_folder = tmp_path / "export"
    copy_folder.mkdir()
    paths = [write(copy_folder, f"{kind}.{fmt}", text) for kind, text in first.items()]
    other = make_engine(f"sqlite:///{tmp_path / 'copy.db'}")
    upgrade(other)
    other_sessions = make_sessionmaker(other)
    run_import(other_sessions, settings, *paths)
    assert _export_all(other_sessions, settings, fmt) == first
    if fmt == "json":
        j9 = next(j for j in json.loads(first["jobs"])["items"] if j["id"] == "J9")
        assert j9["visits"][1]["parts"] == ["AC-CAP-35UF*2"]


def test_shift_days_moves_every_time(sessions: sessionmaker[Session], settings: Settings, tmp_path: Path) -> None:
    """Importing with shift_days=3 moves call times, windows and deadlines by three days."""
    run_import(sessions, settings, *_files(tmp_path), shift_days=3)
    with sessions() as session:
        j2 = session.scalars(select(Job).where(Job.external_id == "J2")).one()
        assert (j2.received_at, j2.window_end) == (at("2026-07-09 09:00"), at("2026-07-09 16:00"))


def test_unknown_kind_is_an_error_line(sessions: sessionmaker[Session], settings: Settings, tmp_path: Path) -> None:
    """A JSON file announcing a kind nobody knows gets an error naming the file, not a crash."""
    path = write(tmp_path, "odd.json", '{"kind": "spaceships", "items": []}')
    with pytest.raises(ImportFailed) as failed:
        run_import(sessions, settings, path)
    assert [(e.field, e.reason.split(";")[0]) for e in failed.value.errors] == [("kind", "unknown kind 'spaceships'")]
