"""Benchmarks of real-time dispatch: re-plan latency, and replays of the shipped scenarios."""

from __future__ import annotations

import statistics
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from dispatch.config import Settings, data_dir
from dispatch.db import make_engine, make_sessionmaker, transaction, upgrade
from dispatch.io.importer import import_files
from dispatch.models import Job, JobStatus, Visit
from dispatch.realtime import publish_if_unpublished, replan_rest_of_day
from dispatch.records import set_off
from dispatch.replay import parse_scenario
from dispatch.replay_policies import simulate

# The second morning of guangzhou-normal: the first day's 150 calls and the night's are open.
REPLAN_MORNING = "2026-07-07T07:00:00+08:00"


@dataclass(frozen=True)
class ReplanTiming:
    technicians: int
    open_jobs: int
    seconds: list[float]


def time_replans(runs: int, settings: Settings) -> ReplanTiming:
    """Wall time of `replan_rest_of_day` on 30 technicians and ~150 open jobs, one technician setting
    off between runs (so each run has something new to plan)."""
    scenario = data_dir() / "scenarios" / "guangzhou-normal.json"
    with tempfile.TemporaryDirectory() as folder:
        settings = replace(settings, database_url=f"sqlite:///{Path(folder) / 'bench.db'}")
        engine = make_engine(settings.database_url)
        try:
            upgrade(engine)
            sessions = make_sessionmaker(engine)
            with transaction(sessions) as session:
                import_files(session, [(scenario, "scenario")], settings)
            now = datetime.fromisoformat(REPLAN_MORNING)
            publish_if_unpublished(sessions, settings, now)
            with sessions() as session:
                open_jobs = session.scalar(
                    select(func.count(Job.id)).where(Job.received_at <= now, Job.status != JobStatus.COMPLETED.value)
                )
            seconds, technicians = [], 0
            for run in range(runs):
                now = now.replace(minute=run + 1)
                _one_sets_off(sessions, now)
                began = time.perf_counter()
                outcome = replan_rest_of_day(sessions, settings, now)
                seconds.append(time.perf_counter() - began)
                technicians = technicians or (30 if outcome is not None else 0)
            return ReplanTiming(technicians, int(open_jobs or 0), seconds)
        finally:
            engine.dispose()


def _one_sets_off(sessions: Any, now: datetime) -> None:
    with transaction(sessions) as session:
        visit = session.scalars(
            select(Visit).join(Job).where(Job.status == JobStatus.DISPATCHED.value).order_by(Visit.planned_arrival)
        ).first()
        if visit is not None:
            set_off(visit.job, now)


def replan_report(timing: ReplanTiming, time_limit: float, command: str, machine: str) -> str:
    s = timing.seconds
    return (
        f"Measured {date.today().isoformat()} on {machine}, with `{command}`: guangzhou-normal on its second morning, "
        f"{timing.open_jobs} open jobs, 30 technicians, the first day's plan published; one technician sets off "
        f"before each re-plan. Solver time limit {time_limit:g} s. Target: median under 5 s.\n\n"
        "| runs | median s | min s | max s |\n|---:|---:|---:|---:|\n"
        f"| {len(s)} | {statistics.median(s):.2f} | {min(s):.2f} | {max(s):.2f} |\n"
    )


def replay_report(results: list[dict[str, Any]], command: str, machine: str, wall_s: dict[str, float]) -> str:
    """Figures of each replay side by side, with the wall time of each run."""
    keys = (
        "calls",
        "served",
        "missed",
        "on_target_rate",
        "within_promise_rate",
        "response_median_min",
        "late_min_past_target",
        "travel_km",
        "overtime_min",
        "policy_cpu_s",
    )
    head = "| scenario | policy | " + " | ".join(keys) + " | km per visit | urgent on target | wall s |"
    rows = [head, "|---|---|" + "---:|" * (len(keys) + 3)]
    for result in results:
        f = result["figures"]
        per_visit = f["travel_km"] / f["served"] if f["served"] else 0.0
        cells = [f"{f[k]:.3f}" if k.endswith("_rate") else f"{f[k]:g}" for k in keys]
        label = f"{result['scenario']}/{result['policy']}"
        rows.append(
            f"| {result['scenario']} | {result['policy']} | "
            + " | ".join(cells)
            + f" | {per_visit:.1f} | {result.get('urgent_on_target', 0):.3f} | {wall_s.get(label, 0):.0f} |"
        )
    return f"Measured {date.today().isoformat()} on {machine}, with `{command}`.\n\n" + "\n".join(rows) + "\n"


def urgent_on_target(scenario: dict[str, Any], result: dict[str, Any]) -> float:
    """Share of the urgent calls reached on target."""
    calls = {call.id: call for call in parse_scenario(scenario).calls if call.urgent}
    if not calls:
        return 0.0
    hits = sum(
        calls[visit["call"]].on_time(datetime.fromisoformat(visit["arrival"]), calls[visit["call"]].target)
        for visit in result["visits"]
        if visit["call"] in calls
    )
    return hits / len(calls)


def run_replay(path: Path, policy: str, settings: Settings) -> tuple[dict[str, Any], float]:
    began = time.perf_counter()
    result = simulate(path, policy, settings)
    return result, time.perf_counter() - began
