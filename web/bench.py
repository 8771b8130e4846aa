"""`dispatch bench pages`: server time of the plan page and the technician's day (in-process requests)."""

from __future__ import annotations

import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as clock
from pathlib import Path

from flask.testing import FlaskClient
from sqlalchemy import func, select

from dispatch.config import Settings, data_dir
from dispatch.db import make_engine, make_sessionmaker, transaction, upgrade
from dispatch.io.importer import import_files
from dispatch.models import Job, PlanRoute, Technician
from dispatch.plans import day_revision, plan_day, publish
from dispatch.users import add_user
from solver import SolveParams
from web import create_app

SCENARIO = "guangzhou-normal.json"
DAY = date(2026, 7, 6)  # the scenario's first day
PASSWORD = "bench-password"


@dataclass(frozen=True)
class PageTiming:
    """Milliseconds of each request to one page, and what the page held."""

    page: str
    runs_ms: list[float]
    holds: str

    @property
    def median_ms(self) -> float:
        return statistics.median(self.runs_ms)


def time_pages(runs: int, time_limit_s: float = 5.0) -> tuple[list[PageTiming], dict[str, int]]:
    """A fresh database with the shipped scenario, its first day planned and published; then `runs`
    requests to each page after one warm-up. Returns the timings and the database's sizes."""
    with tempfile.TemporaryDirectory(prefix="dispatch-bench-") as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        settings = Settings(database_url=url)
        engine = make_engine(url)
        upgrade(engine)
        sessions = make_sessionmaker(engine)
        tz = settings.tz
        with transaction(sessions) as session:
            import_files(session, [(data_dir(settings) / "scenarios" / SCENARIO, None)], settings)
            version = plan_day(session, DAY, settings, SolveParams(time_limit_s=time_limit_s))
            publish(session, version.id, day_revision(session, DAY), datetime.combine(DAY, clock(7), tzinfo=tz))
            busiest = max(version.routes, key=lambda r: len(r.stops))
            add_user(session, "bench-dispatcher", PASSWORD, "dispatcher", datetime.now(tz))
            tech = session.get(Technician, busiest.technician_id)
            assert tech is not None
            add_user(session, "bench-technician", PASSWORD, "technician", datetime.now(tz), tech.external_id)
            sizes = {
                "technicians": session.scalar(select(func.count(Technician.id))) or 0,
                "jobs": session.scalar(select(func.count(Job.id))) or 0,
                "routed": int(version.figures["served"]),
                "routes": session.scalar(select(func.count(PlanRoute.id)).where(PlanRoute.version_id == version.id))
                or 0,
                "stops": len(busiest.stops),
            }
            version_id = version.id
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False})
        timings = [
            _time(
                app.test_client(),
                "bench-dispatcher",
                f"/dispatch/plan?day={DAY}&version={version_id}",
                runs,
                f"plan of {sizes['routed']} jobs on {sizes['routes']} routes",
            ),
            _time(app.test_client(), "bench-technician", f"/me/day?day={DAY}", runs, f"{sizes['stops']} stops"),
        ]
        app.extensions["dispatch"]["planner"].shutdown()
        engine.dispose()
    return timings, sizes


def _time(client: FlaskClient, username: str, path: str, runs: int, holds: str) -> PageTiming:
    return PageTiming(path.split("?")[0], time_page(client, username, PASSWORD, path, runs), holds)


def time_page(client: FlaskClient, username: str, password: str, path: str, runs: int) -> list[float]:
    """Milliseconds of `runs` GETs of `path` signed in as `username`, after one warm-up request."""
    answer = client.post("/login", data={"username": username, "password": password})
    assert answer.status_code == 302, answer.text
    assert client.get(path).status_code == 200  # warm-up: templates compiled, caches filled
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        response = client.get(path)
        samples.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200
    return samples


def pages_report(timings: list[PageTiming], sizes: dict[str, int], runs: int, command: str, machine: str) -> str:
    """Markdown body of the pages section."""
    lines = [
        f"Measured {date.today().isoformat()} on {machine}, with `{command}`: a fresh SQLite database holding the "
        f"shipped scenario ({sizes['technicians']} technicians, {sizes['jobs']} jobs), its first day planned and "
        f"published; {runs} requests per page after one warm-up, in-process (server time: routing, queries, "
        "templates). Target: median under 150 ms.",
        "",
        "| page | holds | median ms | min ms | max ms |",
        "|---|---|---:|---:|---:|",
    ]
    for t in timings:
        lines.append(f"| `{t.page}` | {t.holds} | {t.median_ms:.1f} | {min(t.runs_ms):.1f} | {max(t.runs_ms):.1f} |")
    return "\n".join(lines)
