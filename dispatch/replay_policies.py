"""The two replay policies and `simulate`, which replays a scenario file with one of them.

`optimized` is the production path under a simulated clock: the scenario is imported into a fresh
database, calls become visible to planning at their `received_at`, and the scheduler's tasks
(dispatch.realtime: publish at 07:00, re-plan every few minutes and on events, SLA watch, plan
tomorrow) run at their times with the same settings as `dispatch serve`. Technicians follow the
published plan and report departures, arrivals and finished visits as the technician's page does.
`greedy` is the baseline: a free technician takes the received call with the earliest due time.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from dispatch.config import Settings
from dispatch.db import make_engine, make_sessionmaker, transaction, upgrade
from dispatch.io.importer import import_files
from dispatch.models import DayPlan, Job, Outcome, PlanRoute, Technician, TechnicianBreak
from dispatch.realtime import (
    plan_tomorrow,
    publish_if_unpublished,
    replan_if_requested,
    replan_rest_of_day,
    sla_watch,
)
from dispatch.records import ServiceRecord, arrive, finish_visit, set_off
from dispatch.replan_requests import EARLY_FINISH, on_call_taken
from dispatch.replay import Call, Crew, Scenario, Trip, World, parse_scenario

POLICIES = ("optimized", "greedy")


class GreedyPolicy:
    """The naive dispatcher: a free technician takes the received call with the earliest due time
    among those it is skilled for (due: the window's start, else the target time). When several
    technicians are free at once, the earliest-due call goes to the nearest of them. A call whose
    window opens after the technician's shift ends waits (nobody waits overnight at a door)."""

    name = "greedy"

    def __init__(self) -> None:
        self.cpu_s = 0.0
        self._moment: datetime | None = None
        self._matched: dict[str, Call] = {}

    def call_received(self, call: Call, now: datetime) -> None:
        self._moment = None  # match again with the new call

    def choose(self, tech: Crew, now: datetime, world: World) -> Trip | None:
        began = time.process_time()
        if self._moment != now:
            self._moment, self._matched = now, _match(world, now)
        call = self._matched.pop(tech.id, None)
        self.cpu_s += time.process_time() - began
        return None if call is None else Trip(call, now)

    def departed(self, tech: Crew, call: Call, now: datetime) -> None:
        pass

    def arrived(self, tech: Crew, call: Call, now: datetime) -> None:
        pass

    def finished(self, tech: Crew, call: Call, now: datetime) -> None:
        pass

    def took_break(self, tech: Crew, start: datetime, end: datetime) -> None:
        pass

    def tick(self, now: datetime) -> None:
        pass

    def next_tick(self, now: datetime) -> datetime | None:
        return None


def _match(world: World, now: datetime) -> dict[str, Call]:
    """Earliest-due call first, each to the nearest free technician skilled for it."""
    free = [
        t for t in world.scenario.crew if (t.busy_until is None or t.busy_until <= now) and t.shift_at(now) is not None
    ]
    matched: dict[str, Call] = {}
    for call in sorted(world.received.values(), key=lambda c: (c.due, c.received_at, c.id)):
        able = [t for t in free if call.skill in t.skills and _opens_in_shift(t, call, now)]
        if able:
            nearest = min(able, key=lambda t: (world.scenario.travel_s(t.point, call.point), t.id))
            matched[nearest.id] = call
            free.remove(nearest)
    return matched


def _shift_end(tech: Crew, now: datetime) -> datetime:
    """The end of the shift `now` is in (`now` itself off shift): the latest a technician may leave."""
    shift = tech.shift_at(now)
    return now if shift is None else tech.shifts[shift].end


def _opens_in_shift(tech: Crew, call: Call, now: datetime) -> bool:
    shift = tech.shift_at(now)
    return call.window is None or (shift is not None and call.window[0] < tech.shifts[shift].end)


@dataclass
class Task:
    """One scheduled task of the production scheduler, replayed at its simulated times."""

    name: str
    run: Callable[[sessionmaker[Session], Settings, datetime], object]
    next_at: Callable[[datetime], datetime]
    due: datetime


def _every(minutes: float) -> Callable[[datetime], datetime]:
    return lambda now: now + timedelta(minutes=minutes)


def _daily(hour: int, minute: int = 0) -> Callable[[datetime], datetime]:
    def following(now: datetime) -> datetime:
        at = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
        return at if at > now else at + timedelta(days=1)

    return following


@dataclass
class OptimizedPolicy:
    """The production path with a simulated clock."""

    scenario: Scenario
    sessions: sessionmaker[Session]
    settings: Settings
    name: str = "optimized"
    cpu_s: float = 0.0
    job_ids: dict[str, int] = field(default_factory=dict)  # call id -> job.id
    routes: dict[str, list[int]] = field(default_factory=dict)  # technician id -> job ids still to go
    _tasks: list[Task] = field(default_factory=list)
    _published: dict[Any, int | None] = field(default_factory=dict)
    _calls_by_job: dict[int, Call] = field(default_factory=dict)
    tech_ids: dict[str, int] = field(default_factory=dict)  # technician id -> technician.id
    _version_id: int | None = None
    _request_due: datetime | None = None

    def __post_init__(self) -> None:
        prefix = f"{self.scenario.name}/"
        with self.sessions() as session:
            jobs = session.execute(select(Job.external_id, Job.id)).all()
            self.job_ids = {ext.removeprefix(prefix): job_id for ext, job_id in jobs}
            techs = session.execute(select(Technician.external_id, Technician.id)).all()
            self.tech_ids = {ext.removeprefix(prefix): tech_id for ext, tech_id in techs}
        self._calls_by_job = {self.job_ids[c.id]: c for c in self.scenario.calls}
        start = self.scenario.start
        self._tasks = [
            Task(name, run, next_at, next_at(start - timedelta(seconds=1)))
            for name, run, next_at in (
                ("publish", publish_if_unpublished, _daily(7)),
                ("replan", replan_rest_of_day, _every(self.settings.replan_every_min)),
                ("sla", sla_watch, _every(1)),
                ("plan_tomorrow", plan_tomorrow, _daily(18)),
            )
        ]

    # -- the scheduler, replayed
    def next_tick(self, now: datetime) -> datetime | None:
        due = min(task.due for task in self._tasks)
        return due if self._request_due is None else min(due, self._request_due)

    def tick(self, now: datetime) -> None:
        for task in self._tasks:
            if task.due <= now:
                self._timed(task.run, now)
                task.due = task.next_at(now)
        if self._request_due is not None and self._request_due <= now:
            self._request_due = None
        self._timed(replan_if_requested, now)
        self._reload_routes(now)

    def _timed(self, run: Callable[[sessionmaker[Session], Settings, datetime], object], now: datetime) -> object:
        began = time.process_time()
        try:
            return run(self.sessions, self.settings, now)
        finally:
            self.cpu_s += time.process_time() - began

    def _reload_routes(self, now: datetime) -> None:
        """Technicians follow the day's published version: re-read it whenever a task published another."""
        began = time.process_time()
        day = now.astimezone(self.settings.tz).date()
        with self.sessions() as session:
            version_id = session.scalar(select(DayPlan.published_version_id).where(DayPlan.day == day))
            if version_id == self._version_id:
                return
            self._version_id, self.routes = version_id, {}
            technician_of = {db_id: ext for ext, db_id in self.tech_ids.items()}
            routes = session.scalars(
                select(PlanRoute).where(PlanRoute.version_id == version_id).options(selectinload(PlanRoute.stops))
            )
            for route in routes:
                self.routes[technician_of[route.technician_id]] = [s.job_id for s in route.stops]
        self.cpu_s += time.process_time() - began

    # -- what the field reports
    def call_received(self, call: Call, now: datetime) -> None:
        """What intake does when a call is taken: an urgent one asks for a re-plan."""
        with self._field() as session:
            on_call_taken(session, self._job(session, call), now)
        if call.urgent:
            self._request_due = now + timedelta(seconds=self.settings.replan_debounce_s)

    def choose(self, tech: Crew, now: datetime, world: World) -> Trip | None:
        for job_id in self.routes.get(tech.id, []):
            call = self._calls_by_job[job_id]
            if call.id in world.taken or call.received_at > now:
                continue
            # Go now: the plan's times are a forecast, and an early arrival only waits for a window.
            # For a window, leave in time for its start, not earlier: until then a re-plan may
            # still fit other work in.
            if call.window is None:
                return Trip(call, now)
            # ...but by the shift's end at the latest (no one leaves after it), then wait at the customer.
            drive = timedelta(seconds=world.scenario.travel_s(tech.point, call.point))
            return Trip(call, max(now, min(call.window[0] - drive, _shift_end(tech, now))))
        return None

    def departed(self, tech: Crew, call: Call, now: datetime) -> None:
        with self._field() as session:
            set_off(self._job(session, call), now, self.settings)

    def arrived(self, tech: Crew, call: Call, now: datetime) -> None:
        with self._field() as session:
            visit = arrive(self._job(session, call), now)
            if call.window is not None and call.window[0] > now:
                visit.started_at = call.window[0]  # waited for the window

    def finished(self, tech: Crew, call: Call, now: datetime) -> None:
        with self._field() as session:
            job = self._job(session, call)
            visit = finish_visit(session, job, ServiceRecord(Outcome.FIXED), now)  # asks for a re-plan if early
            if visit.planned_end is not None and now < visit.planned_end - EARLY_FINISH:
                self._request_due = now + timedelta(seconds=self.settings.replan_debounce_s)

    def took_break(self, tech: Crew, start: datetime, end: datetime) -> None:
        with self._field() as session:
            session.add(TechnicianBreak(technician_id=self.tech_ids[tech.id], start=start, end=end))

    def _job(self, session: Session, call: Call) -> Job:
        job = session.get(Job, self.job_ids[call.id])
        assert job is not None, call.id  # imported with the scenario
        return job

    @contextmanager
    def _field(self) -> Iterator[Session]:
        began = time.process_time()
        try:
            with transaction(self.sessions) as session:
                yield session
        finally:
            self.cpu_s += time.process_time() - began


def simulate(
    scenario_path: Path,
    policy_name: str,
    settings: Settings,
    progress: Callable[[float], None] | None = None,
    workdir: Path | None = None,
) -> dict[str, Any]:
    """Replay the scenario with a policy; the `dispatch-replay/1` result (README of data/scenarios).

    `settings` are the production settings; the replay takes the scenario's timezone, SLA hours
    and travel model, and keeps everything else, the re-plan time limit included."""
    raw = json.loads(scenario_path.read_text(encoding="utf-8"))
    scenario = parse_scenario(raw)
    if policy_name == "greedy":
        greedy = GreedyPolicy()
        world = World(scenario, greedy, progress)
        world.run()
        return world.result(greedy.cpu_s)
    if policy_name != "optimized":
        raise ValueError(f"policy: {policy_name!r} is not one of {', '.join(POLICIES)}")
    with tempfile.TemporaryDirectory(dir=workdir) as folder:
        replay_settings = _replay_settings(settings, raw, Path(folder) / "replay.db")
        engine = make_engine(replay_settings.database_url)
        try:
            upgrade(engine)
            sessions = make_sessionmaker(engine)
            with transaction(sessions) as session:
                import_files(session, [(scenario_path, "scenario")], replay_settings)
            policy = OptimizedPolicy(scenario, sessions, replay_settings)
            world = World(scenario, policy, progress)
            world.run()
            result = world.result(policy.cpu_s)
            result["settings"] = {"replan_time_limit_s": replay_settings.replan_time_limit_s}
            return result
        finally:
            engine.dispose()


def _replay_settings(settings: Settings, raw: dict[str, Any], database: Path) -> Settings:
    return replace(
        settings,
        database_url=f"sqlite:///{database}",
        timezone=raw["timezone"],
        target_hours=float(raw["sla"]["target_hours"]),
        promise_hours=float(raw["sla"]["promise_hours"]),
        road_factor=float(raw["travel"]["road_factor"]),
        speed_kmh=float(raw["travel"]["speed_kmh"]),
    )
