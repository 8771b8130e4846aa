"""The scheduler: every task registered from Settings, runs recorded, misfire rules after a restart."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import pytest
from apscheduler.events import EVENT_JOB_EXECUTED, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.schedulers.background import BackgroundScheduler
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dispatch import cli
from dispatch.config import Settings
from dispatch.models import TaskRun
from dispatch.scheduling import (
    SOLVER,
    TASKS,
    Daily,
    Every,
    ScheduledTask,
    make_scheduler,
    next_run_times,
    run_task,
    schedule_status,
)

MakeScheduler = Callable[[Settings, Sequence[ScheduledTask]], BackgroundScheduler]


@dataclass
class Recorder:
    """A fake task function that records the `now` of each call (thread-safe)."""

    calls: dict[str, list[datetime]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def task(self, task_id: str, result: object = 42, error: Exception | None = None) -> Callable[..., object]:
        def run(sessions: sessionmaker[Session], settings: Settings, now: datetime) -> object:
            with self.lock:
                self.calls.setdefault(task_id, []).append(now)
            if error is not None:
                raise error
            return result

        return run

    def counts(self) -> dict[str, int]:
        with self.lock:
            return {task_id: len(nows) for task_id, nows in self.calls.items()}


def faked(recorder: Recorder, tasks: Sequence[ScheduledTask] = TASKS) -> list[ScheduledTask]:
    """The task table with recording functions in place of the real ones."""
    return [replace(task, function=recorder.task(task.id)) for task in tasks]


@pytest.fixture
def schedulers(sessions: sessionmaker[Session]) -> Iterator[MakeScheduler]:
    """Makes schedulers on the temporary database and shuts every one down at the end."""
    made: list[BackgroundScheduler] = []

    def make(settings: Settings, tasks: Sequence[ScheduledTask]) -> BackgroundScheduler:
        scheduler = make_scheduler(settings, sessions, tasks)
        made.append(scheduler)
        return scheduler

    yield make
    for scheduler in made:
        if not scheduler.running:
            scheduler.start(paused=True)  # so that its job store lets go of its engine too
        scheduler.shutdown()


def test_every_task_is_registered_with_its_trigger_from_settings(settings: Settings, schedulers: MakeScheduler) -> None:
    """Each task of the table becomes a job with its stable id, its trigger from Settings and its misfire rule."""
    configured = replace(
        settings, plan_tomorrow_at="19:30", publish_at="06:45", replan_every_min=5.0, replan_poll_s=20.0
    )
    scheduler = schedulers(configured, faked(Recorder()))
    scheduler.start(paused=True)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert sorted(jobs) == sorted(task.id for task in TASKS)
    assert str(jobs["plan_tomorrow"].trigger) == "cron[hour='19', minute='30']"
    assert str(jobs["publish_if_unpublished"].trigger) == "cron[hour='6', minute='45']"
    assert jobs["replan_rest_of_day"].trigger.interval == timedelta(minutes=5)
    assert jobs["replan_if_requested"].trigger.interval == timedelta(seconds=20)
    assert jobs["sla_watch"].trigger.interval == timedelta(seconds=60)
    assert jobs["plan_tomorrow"].next_run_time.tzinfo is not None
    assert jobs["plan_tomorrow"].next_run_time.astimezone(settings.tz).strftime("%H:%M") == "19:30"
    for task in TASKS:
        job = jobs[task.id]
        assert (job.func, job.args) == (run_task, (task.id,))
        assert (job.misfire_grace_time, job.coalesce, job.max_instances) == (task.misfire_grace_s, task.coalesce, 1)
        assert job.executor == (SOLVER if task.solves else "default")
    assert jobs["plan_tomorrow"].misfire_grace_time >= 2 * 3600
    assert jobs["sla_watch"].misfire_grace_time < 60


def test_every_task_names_an_existing_function() -> None:
    """The table's references resolve to the functions of dispatch.realtime."""
    for task in TASKS:
        assert callable(task.resolve()), task.id


def test_disabled_tasks_are_not_scheduled_and_leave_the_store(
    settings: Settings, schedulers: MakeScheduler, sessions: sessionmaker[Session]
) -> None:
    """Tasks listed in scheduler_disabled get no job, and a job stored earlier for them is removed."""
    first = schedulers(settings, faked(Recorder()))
    first.start(paused=True)
    first.shutdown()
    disabled = replace(settings, scheduler_disabled="sla_watch, publish_if_unpublished")
    second = schedulers(disabled, faked(Recorder()))
    second.start(paused=True)
    ids = {job.id for job in second.get_jobs()}
    assert ids == {
        "plan_tomorrow",
        "replan_rest_of_day",
        "replan_if_requested",
        "create_follow_ups",
        "escalate_complaints",
    }
    with sessions() as session:
        assert set(next_run_times(session)) == ids
        status = {row.task.id: row for row in schedule_status(session, disabled)}
    assert not status["sla_watch"].enabled and status["sla_watch"].next_run_at is None
    assert status["plan_tomorrow"].enabled and status["plan_tomorrow"].at == "18:00"
    assert status["replan_rest_of_day"].every_s == 600.0


@pytest.mark.parametrize(
    ("changes", "variable"),
    [
        ({"plan_tomorrow_at": "25:00"}, "DISPATCH_PLAN_TOMORROW_AT"),
        ({"publish_at": "7am"}, "DISPATCH_PUBLISH_AT"),
        ({"sla_watch_every_s": 0.0}, "DISPATCH_SLA_WATCH_EVERY_S"),
    ],
)
def test_a_bad_setting_is_named(
    settings: Settings, sessions: sessionmaker[Session], changes: dict[str, object], variable: str
) -> None:
    """A time or interval that cannot be read fails when the scheduler is made, naming its variable."""
    with pytest.raises(ValueError, match=variable):
        make_scheduler(replace(settings, **changes), sessions, faked(Recorder()))  # type: ignore[arg-type]


def test_a_task_naming_no_function_fails_when_made(settings: Settings, sessions: sessionmaker[Session]) -> None:
    """A misspelt function reference fails at start, not at the task's first run."""
    wrong = ScheduledTask("wrong", "Wrong", "dispatch.realtime:no_such_task", Every("sla_watch_every_s"), 30, True)
    with pytest.raises(LookupError, match="no_such_task"):
        make_scheduler(settings, sessions, [wrong])


def test_a_run_records_its_task_run_and_gets_an_aware_now(
    settings: Settings, schedulers: MakeScheduler, sessions: sessionmaker[Session]
) -> None:
    """run_task hands the task the business-timezone clock and keeps the last run, an error too."""
    recorder = Recorder()
    ok = ScheduledTask("ok", "OK", recorder.task("ok", result=7), Every("sla_watch_every_s"), 30, True)
    failing = replace(ok, id="failing", function=recorder.task("failing", error=RuntimeError("boom")))
    schedulers(settings, [ok, failing])
    before = datetime.now(settings.tz)
    run_task("ok")
    run_task("failing")
    run_task("failing")
    (now,) = recorder.calls["ok"]
    assert now.tzinfo == settings.tz and now.utcoffset() == timedelta(hours=8)
    assert before <= now <= datetime.now(settings.tz)
    with sessions() as session:
        runs = {run.task_id: run for run in session.scalars(select(TaskRun))}
    assert sorted(runs) == ["failing", "ok"]
    assert (runs["ok"].outcome, runs["ok"].error, runs["ok"].started_at) == ("7", "", now)
    assert runs["ok"].duration_s >= 0
    assert runs["failing"].error == "RuntimeError: boom"
    assert runs["failing"].started_at == recorder.calls["failing"][-1]


def test_missed_runs_after_a_restart_follow_the_misfire_rules(
    settings: Settings, schedulers: MakeScheduler, sessions: sessionmaker[Session]
) -> None:
    """Runs missed while stopped: within their grace they run once (coalesced), past it they are skipped."""
    now = datetime.now(settings.tz).replace(second=0, microsecond=0)
    recent, old = now - timedelta(hours=1), now - timedelta(hours=5)
    configured = replace(
        settings,
        plan_tomorrow_at=f"{recent:%H:%M}",  # grace 3 h: missed 1 h ago, runs
        publish_at=f"{old:%H:%M}",  # grace 2 h: missed 5 h ago, skipped
        scheduler_disabled="replan_if_requested",
    )
    recorder = Recorder()
    tasks = faked(recorder)
    missed = {
        "plan_tomorrow": recent,
        "publish_if_unpublished": old,
        # every 10 min, grace 120 s: 13 runs missed, the latest 60 s ago -> one run
        "replan_rest_of_day": datetime.now(settings.tz) - timedelta(hours=2, seconds=60),
        # every 60 s, grace 30 s: 61 runs missed, the latest 45 s ago -> none
        "sla_watch": datetime.now(settings.tz) - timedelta(hours=1, seconds=45),
    }
    before = schedulers(configured, tasks)
    before.start(paused=True)
    for job_id, when in missed.items():
        before.modify_job(job_id, next_run_time=when)
    before.shutdown()

    after = schedulers(configured, tasks)
    events: list[JobExecutionEvent] = []
    all_four = threading.Event()

    def seen(event: JobExecutionEvent) -> None:
        events.append(event)
        if len(events) == len(missed):
            all_four.set()

    after.add_listener(seen, EVENT_JOB_EXECUTED | EVENT_JOB_MISSED)
    after.start()
    assert all_four.wait(5), events
    after.shutdown()

    assert recorder.counts() == {"plan_tomorrow": 1, "replan_rest_of_day": 1}
    assert sorted((e.job_id, e.code) for e in events) == [
        ("plan_tomorrow", EVENT_JOB_EXECUTED),
        ("publish_if_unpublished", EVENT_JOB_MISSED),
        ("replan_rest_of_day", EVENT_JOB_EXECUTED),
        ("sla_watch", EVENT_JOB_MISSED),
    ]
    with sessions() as session:
        assert sorted(session.scalars(select(TaskRun.task_id))) == ["plan_tomorrow", "replan_rest_of_day"]
        upcoming = next_run_times(session)
    assert all(upcoming[job_id] > now for job_id in missed)  # each is due again in the future


def test_a_restart_with_nothing_missed_keeps_the_stored_times(settings: Settings, schedulers: MakeScheduler) -> None:
    """A job stored with the same trigger keeps its next run time; a changed trigger gets a new one."""
    tasks = faked(Recorder())
    first = schedulers(settings, tasks)
    first.start(paused=True)
    stored = {job.id: job.next_run_time for job in first.get_jobs()}
    first.shutdown()
    moved = replace(settings, plan_tomorrow_at="20:15")
    second = schedulers(moved, tasks)
    second.start(paused=True)
    again = {job.id: job.next_run_time for job in second.get_jobs()}
    assert again["replan_rest_of_day"] == stored["replan_rest_of_day"]
    assert again["publish_if_unpublished"] == stored["publish_if_unpublished"]
    assert again["plan_tomorrow"].astimezone(settings.tz).strftime("%H:%M") == "20:15"


def test_an_in_memory_database_keeps_jobs_in_memory(sessions: sessionmaker[Session]) -> None:
    """With an in-memory database the jobs live in memory (there is no restart to remember)."""
    scheduler = make_scheduler(Settings(database_url="sqlite://"), sessions, faked(Recorder()))
    scheduler.start(paused=True)
    try:
        assert type(scheduler._lookup_jobstore("default")).__name__ == "MemoryJobStore"
        assert len(scheduler.get_jobs()) == len(TASKS)
    finally:
        scheduler.shutdown()


class FakeScheduler:
    """Stands in for the scheduler in CLI tests: records start and shutdown."""

    def __init__(self, log: list[str]) -> None:
        self.log = log

    def start(self) -> None:
        self.log.append("start")

    def shutdown(self) -> None:
        self.log.append("shutdown")

    def get_jobs(self) -> list[object]:
        return []


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["serve"], ["start", "serve", "shutdown"]),
        (["serve", "--no-scheduler"], ["serve"]),
        (["scheduler"], ["start", "wait", "shutdown"]),
    ],
)
def test_serve_and_scheduler_commands_start_the_scheduler_once(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, args: list[str], expected: list[str]
) -> None:
    """`dispatch serve` starts the scheduler before serving (unless --no-scheduler); `dispatch scheduler` alone."""
    log: list[str] = []
    monkeypatch.setattr(cli, "make_scheduler", lambda settings, sessions: FakeScheduler(log))
    monkeypatch.setattr(cli, "_serve", lambda env, host, port: log.append("serve"))
    monkeypatch.setattr(cli, "_wait_for_interrupt", lambda: log.append("wait"))
    result = runner.invoke(cli.main, args)
    assert result.exit_code == 0, result.output
    assert log == expected


def test_daily_and_every_read_their_settings(settings: Settings) -> None:
    """Daily reads HH:MM, Every multiplies its setting by its unit."""
    assert Daily("publish_at").at(settings) == (7, 0)
    assert Every("replan_every_min", unit_s=60).seconds(settings) == 600.0
