"""The demo: a fresh database holding the sample service centre, its first day moved to today."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, inspect, select
from sqlalchemy.orm import Session, sessionmaker

from dispatch.config import Settings, data_dir
from dispatch.db import downgrade, transaction, upgrade
from dispatch.errors import UnsafeDatabase
from dispatch.io.cells import moment
from dispatch.io.importer import FileResult, import_files
from dispatch.models import PlanVersion, Scenario, Technician
from dispatch.plans import day_revision, plan_day, publish
from dispatch.sample import add_service_history, generate_history
from dispatch.store import marker, row_counts, set_marker
from dispatch.users import add_user
from solver import SolveParams

DEMO_SCENARIO = "guangzhou-normal.json"
DEMO_MARKER = "demo"
STEPS = 4


@dataclass(frozen=True)
class DemoSummary:
    """What the demo loaded."""

    scenario: str
    first_day: date
    files: list[FileResult]
    counts: dict[str, int]


def reset_demo_database(engine: Engine, factory: sessionmaker[Session]) -> None:
    """Drop and recreate the schema, refusing to touch a database with real (non-demo) data.

    Raises
    ------
    UnsafeDatabase
        When the database holds technicians and was not made by the demo.
    """
    tables = set(inspect(engine).get_table_names())
    if "technician" in tables:
        with factory() as session:
            has_data = session.scalar(select(Technician.id).limit(1)) is not None
            is_demo = "marker" in tables and marker(session, DEMO_MARKER) == "yes"
        if has_data and not is_demo:
            raise UnsafeDatabase(
                f"{engine.url.render_as_string(hide_password=True)} holds data that the demo did not make; "
                "point DISPATCH_DATABASE_URL at another database"
            )
    if "alembic_version" in tables:
        downgrade(engine, "base")
    upgrade(engine)


def load_demo(
    factory: sessionmaker[Session],
    settings: Settings,
    today: date,
    progress: Callable[[int], None] | None = None,
) -> DemoSummary:
    """Import the parts catalogue, the sample scenario moved to start `today`, and two weeks of history.

    One transaction: the demo database is either complete or unchanged.
    """
    step = progress or (lambda _n: None)
    folder = data_dir(settings)
    scenario_file = folder / "scenarios" / DEMO_SCENARIO
    original_first_day = _first_day(scenario_file)
    shift_days = (today - original_first_day).days
    with transaction(factory) as session:
        sources = [(folder / "parts.csv", "parts"), (scenario_file, "scenario")]
        files = import_files(session, sources, settings, shift_days=shift_days)
        step(1)
        name = session.scalars(select(Scenario.name)).one()
        history = generate_history(session, name, settings)
        step(1)
        with tempfile.TemporaryDirectory(prefix="dispatch-demo-") as tmp:
            files += import_files(session, [(p, None) for p in history.write(Path(tmp))], settings)
        add_service_history(session, settings, datetime.combine(today, time(8), settings.tz))
        step(1)
        set_marker(session, DEMO_MARKER, "yes")
        counts = row_counts(session)
    step(1)
    return DemoSummary(scenario=name, first_day=today, files=files, counts=counts)


def _first_day(scenario_file: Path) -> date:
    """The scenario's first day in its own timezone, read without importing it."""
    document = json.loads(scenario_file.read_text(encoding="utf-8"))
    tz = ZoneInfo(document["timezone"])
    return moment(document["start"], tz).astimezone(tz).date()


DEMO_PASSWORD = "dispatch-demo"
DEMO_TECHNICIAN_ACCOUNTS = 3


@dataclass(frozen=True)
class DemoLogin:
    """A demo account to print."""

    username: str
    role: str
    technician: str | None


def add_demo_accounts(session: Session, at: datetime) -> list[DemoLogin]:
    """A dispatcher, a manager, an admin, and accounts for the first few technicians (one password)."""
    logins = [DemoLogin("dispatcher", "dispatcher", None), DemoLogin("manager", "manager", None)]
    logins.append(DemoLogin("admin", "admin", None))
    techs = session.scalars(select(Technician).order_by(Technician.external_id).limit(DEMO_TECHNICIAN_ACCOUNTS))
    logins += [DemoLogin(f"tech{i + 1}", "technician", t.external_id) for i, t in enumerate(techs)]
    for login in logins:
        add_user(session, login.username, DEMO_PASSWORD, login.role, at, login.technician)
    return logins


def plan_and_publish(session: Session, settings: Settings, day: date, at: datetime, time_limit_s: float) -> PlanVersion:
    """The demo day's first plan, published so technicians see their routes."""
    version = plan_day(session, day, settings, SolveParams(time_limit_s=time_limit_s), created_by="demo")
    return publish(session, version.id, day_revision(session, day), at)
