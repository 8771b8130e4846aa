"""When the real-time tasks run: the table of scheduled tasks and the APScheduler 3 set-up.

Layer: dispatch (services). The tasks themselves are functions of the clock in `dispatch.realtime`;
here the scheduler hands them the real one, while the replay hands the same functions a simulated one.
The scheduler runs in `dispatch scheduler`, or once inside `dispatch serve`, never in the app factory:
every web worker would otherwise run every job again.

Jobs live in APScheduler's own `apscheduler_jobs` table in the application database, so a restart
knows which runs it missed; each task's misfire grace and coalescing decide what happens to those.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor as JobExecutor
from apscheduler.jobstores.base import BaseJobStore
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Column, Float, MetaData, String, Table, inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from dispatch.config import Settings
from dispatch.db import make_engine, transaction
from dispatch.models import TaskRun

logger = logging.getLogger(__name__)

TaskFunction = Callable[[sessionmaker[Session], Settings, datetime], object]

JOB_TABLE = "apscheduler_jobs"  # APScheduler's own table (created by the job store, not by a migration)
SOLVER = "solver"  # the executor of tasks that solve: one thread, so two solves never race on one plan
OUTCOME_CHARS = 500


@dataclass(frozen=True)
class Daily:
    """Every day at the HH:MM time held by setting `setting`, in the business timezone."""

    setting: str

    def at(self, settings: Settings) -> tuple[int, int]:
        """The (hour, minute) configured; ValueError naming the variable when it is not a time."""
        raw = str(getattr(settings, self.setting))
        try:
            hour, minute = (int(part) for part in raw.split(":"))
            if not (0 <= hour < 24 and 0 <= minute < 60):
                raise ValueError("out of range")
        except ValueError as exc:
            raise ValueError(f"DISPATCH_{self.setting.upper()}: {raw!r} is not a time HH:MM") from exc
        return hour, minute

    def trigger(self, settings: Settings) -> BaseTrigger:
        """The cron trigger of that time."""
        hour, minute = self.at(settings)
        return CronTrigger(hour=hour, minute=minute, timezone=settings.tz)


@dataclass(frozen=True)
class Every:
    """Every so often: setting `setting` times `unit_s` seconds (60 for a setting in minutes)."""

    setting: str
    unit_s: float = 1.0

    def seconds(self, settings: Settings) -> float:
        """The interval configured, in seconds; ValueError naming the variable when it is not positive."""
        value = float(getattr(settings, self.setting)) * self.unit_s
        if value <= 0:
            raise ValueError(f"DISPATCH_{self.setting.upper()}: the interval must be positive")
        return value

    def trigger(self, settings: Settings) -> BaseTrigger:
        """The interval trigger of that period."""
        return IntervalTrigger(seconds=self.seconds(settings), timezone=settings.tz)


@dataclass(frozen=True)
class ScheduledTask:
    """One scheduled task: what runs, when, and what to do with the runs a restart missed."""

    id: str  # the job id in the job store and the key of its TaskRun: keep it stable
    description: str  # English; the web layer shows its translation (messages.po)
    function: str | TaskFunction  # "module:name", looked up when needed, or the function itself (tests)
    schedule: Daily | Every
    misfire_grace_s: int  # a run that starts later than this after its time is skipped
    coalesce: bool  # several missed runs make one run
    solves: bool = False  # runs on the single solver thread

    def enabled(self, settings: Settings) -> bool:
        """False when `scheduler_disabled` lists the task."""
        return self.id not in {name.strip() for name in settings.scheduler_disabled.split(",")}

    def resolve(self) -> TaskFunction:
        """The task function; LookupError when its reference names nothing."""
        if callable(self.function):
            return self.function
        module_name, _, name = self.function.partition(":")
        found = getattr(importlib.import_module(module_name), name, None)
        if not callable(found):
            raise LookupError(f"scheduled task {self.id}: no function {self.function}")
        return found


# Daily tasks still run after a restart within a few hours of their time, once (coalesce): a draft of
# tomorrow at 20:00 still helps, and publishing at 08:30 is better than technicians without routes;
# later than that the dispatcher has done it by hand. Periodic tasks look at the present, so a missed
# run is stale: they coalesce and a run later than its grace is skipped, the next one comes soon.
TASKS: tuple[ScheduledTask, ...] = (
    ScheduledTask(
        "plan_tomorrow",
        "Plan tomorrow (draft)",
        "dispatch.realtime:plan_tomorrow",
        Daily("plan_tomorrow_at"),
        misfire_grace_s=3 * 3600,
        coalesce=True,
        solves=True,
    ),
    ScheduledTask(
        "publish_if_unpublished",
        "Publish today's plan if the dispatcher has not",
        "dispatch.realtime:publish_if_unpublished",
        Daily("publish_at"),
        misfire_grace_s=2 * 3600,
        coalesce=True,
        solves=True,
    ),
    ScheduledTask(
        "replan_rest_of_day",
        "Re-plan the rest of today",
        "dispatch.realtime:replan_rest_of_day",
        Every("replan_every_min", unit_s=60),
        misfire_grace_s=120,
        coalesce=True,
        solves=True,
    ),
    # The web process only records re-plan requests (urgent call, complaint, cancellation, overrun,
    # early finish, absence); polling them every 15 s with a 30 s debounce handles one within a minute.
    ScheduledTask(
        "replan_if_requested",
        "Re-plan after urgent events (debounced)",
        "dispatch.realtime:replan_if_requested",
        Every("replan_poll_s"),
        misfire_grace_s=30,
        coalesce=True,
        solves=True,
    ),
    ScheduledTask(
        "sla_watch",
        "Watch deadlines (SLA)",
        "dispatch.realtime:sla_watch",
        Every("sla_watch_every_s"),
        misfire_grace_s=30,
        coalesce=True,
    ),
    # After-sales service: yesterday's repairs and installs get their follow-up call (idempotent, so a
    # late run after a restart is harmless), and complaints unanswered at the end of the business day
    # go to the managers; escalating late is still better than not at all.
    ScheduledTask(
        "create_follow_ups",
        "Create the day's follow-up calls",
        "dispatch.followups:create_due_follow_ups",
        Daily("follow_ups_at"),
        misfire_grace_s=12 * 3600,
        coalesce=True,
    ),
    ScheduledTask(
        "escalate_complaints",
        "Escalate unanswered complaints to the managers",
        "dispatch.complaints:escalate_complaints",
        Daily("complaints_escalate_at"),
        misfire_grace_s=6 * 3600,
        coalesce=True,
    ),
)


@dataclass(frozen=True)
class _Context:
    sessions: sessionmaker[Session]
    settings: Settings
    tasks: dict[str, ScheduledTask]


class _Registry:
    """The context of this process's scheduler.

    APScheduler stores a job as a function reference with pickled arguments, and sessions cannot be
    pickled; so a job names its task by id and `run_task` finds the sessions and settings here.
    """

    def __init__(self) -> None:
        self._context: _Context | None = None
        self._lock = threading.Lock()

    def install(self, context: _Context) -> None:
        with self._lock:
            self._context = context

    def get(self) -> _Context:
        with self._lock:
            if self._context is None:
                raise RuntimeError("no scheduler was made in this process (make_scheduler)")
            return self._context


_registry = _Registry()


class _Scheduler(BackgroundScheduler):
    """APScheduler 3's background scheduler, minus a last look for due jobs once shut down.

    On shutdown its loop wakes and processes due jobs once more, after the executors are gone: the
    runs fail to start and yet their next run times move on in the store, so a restart would no longer
    see them as missed (a paused scheduler holding past-due jobs loses them all).
    """

    def _process_jobs(self) -> float | None:
        if self.state == STATE_STOPPED:
            return None
        wait_s: float | None = super()._process_jobs()
        return wait_s


def make_scheduler(
    settings: Settings, sessions: sessionmaker[Session], tasks: Sequence[ScheduledTask] = TASKS
) -> BackgroundScheduler:
    """A scheduler (not started) holding every enabled task of `tasks`, triggered as `settings` say.

    Jobs are stored in the application database (in memory for an in-memory database). A job already
    stored with the same trigger keeps its next run time, so that runs missed while nothing was running
    are handled by the task's misfire rules when the scheduler starts; stored jobs of tasks now
    disabled or gone are removed.

    Raises
    ------
    ValueError
        When a time or interval setting cannot be read.
    LookupError
        When an enabled task names a function that does not exist.
    """
    enabled = [task for task in tasks if task.enabled(settings)]
    triggers = {task.id: task.schedule.trigger(settings) for task in enabled}
    for task in enabled:
        task.resolve()  # fail now rather than at 18:00
    store = _job_store(settings)
    scheduler = _Scheduler(
        jobstores={"default": store},
        executors={"default": JobExecutor(4), SOLVER: JobExecutor(1)},
        job_defaults={"max_instances": 1},
        timezone=settings.tz,
    )
    _registry.install(_Context(sessions, settings, {task.id: task for task in tasks}))
    stored = _stored_jobs(store)
    for task in enabled:
        trigger = triggers[task.id]
        kept: dict[str, Any] = {}
        previous = stored.get(task.id)
        if previous is not None and str(previous.trigger) == str(trigger) and previous.next_run_time is not None:
            kept["next_run_time"] = previous.next_run_time
        scheduler.add_job(
            run_task,
            trigger,
            args=[task.id],
            id=task.id,
            name=task.description,
            misfire_grace_time=task.misfire_grace_s,
            coalesce=task.coalesce,
            executor=SOLVER if task.solves else "default",
            replace_existing=True,
            **kept,
        )
    for job_id in set(stored) - set(triggers):
        store.remove_job(job_id)
    return scheduler


def run_task(task_id: str) -> None:
    """What every job calls: run the task `task_id` on the real clock and record the run."""
    context = _registry.get()
    task = context.tasks.get(task_id)
    if task is None:
        logger.error("scheduled task %s is not in the task table; nothing ran", task_id)
        return
    run_and_record(task, context.sessions, context.settings, datetime.now(context.settings.tz))


def run_and_record(task: ScheduledTask, sessions: sessionmaker[Session], settings: Settings, now: datetime) -> TaskRun:
    """Run `task` at `now`, log the outcome and store it as the task's last run (an error too)."""
    started = time.monotonic()
    try:
        result = task.resolve()(sessions, settings, now)
    except Exception as exc:  # the run is recorded with its error; the scheduler goes on
        duration_s = time.monotonic() - started
        logger.exception("scheduled task %s failed after %.1f s", task.id, duration_s)
        return _record(sessions, task.id, now, duration_s, outcome="", error=f"{type(exc).__name__}: {exc}")
    duration_s = time.monotonic() - started
    outcome = repr(result)[:OUTCOME_CHARS]
    logger.info("scheduled task %s: %s (%.1f s)", task.id, outcome, duration_s)
    return _record(sessions, task.id, now, duration_s, outcome=outcome, error="")


def _record(
    sessions: sessionmaker[Session], task_id: str, at: datetime, duration_s: float, outcome: str, error: str
) -> TaskRun:
    values = {"started_at": at, "duration_s": duration_s, "outcome": outcome, "error": error}
    for attempt in range(2):  # a first run may race another process's first run of the same task
        try:
            with transaction(sessions) as session:
                run = session.get(TaskRun, task_id)
                if run is None:
                    run = TaskRun(task_id=task_id)
                    session.add(run)
                for name, value in values.items():
                    setattr(run, name, value)
            return run
        except IntegrityError:
            if attempt:
                raise
    raise AssertionError("unreachable")


class TaskRunner:
    """Runs one scheduled task now on a worker thread (an admin's "run now"); never inside a request."""

    def __init__(
        self, sessions: sessionmaker[Session], settings: Settings, tasks: Sequence[ScheduledTask] = TASKS
    ) -> None:
        self.tasks = tuple(tasks)
        self._sessions = sessions
        self._settings = settings
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="task-runner")

    def find(self, task_id: str) -> ScheduledTask | None:
        """The task of that id, if it is in the table."""
        return next((task for task in self.tasks if task.id == task_id), None)

    def start(self, task: ScheduledTask) -> Future[TaskRun]:
        """Queue a run of `task` on the real clock; returns at once."""
        return self._pool.submit(run_and_record, task, self._sessions, self._settings, datetime.now(self._settings.tz))

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


@dataclass(frozen=True)
class TaskStatus:
    """One row of the admin page: a task, its schedule, its next run and its last run."""

    task: ScheduledTask
    enabled: bool
    setting: str  # the environment variable that sets its time or interval
    at: str | None  # HH:MM of a daily task
    every_s: float | None  # interval of a periodic task
    next_run_at: datetime | None  # from the job store; None when not scheduled (yet)
    last_run: TaskRun | None = None


def schedule_status(session: Session, settings: Settings, tasks: Sequence[ScheduledTask] = TASKS) -> list[TaskStatus]:
    """Every task of the table with its trigger, enabled flag, stored next run and last run."""
    next_runs = next_run_times(session)
    last_runs = {run.task_id: run for run in session.scalars(select(TaskRun))}
    rows = []
    for task in tasks:
        schedule = task.schedule
        at = every_s = None
        if isinstance(schedule, Daily):
            at = str(getattr(settings, schedule.setting))
        else:
            every_s = float(getattr(settings, schedule.setting)) * schedule.unit_s
        enabled = task.enabled(settings)
        rows.append(
            TaskStatus(
                task=task,
                enabled=enabled,
                setting=f"DISPATCH_{schedule.setting.upper()}",
                at=at,
                every_s=every_s,
                next_run_at=next_runs.get(task.id) if enabled else None,
                last_run=last_runs.get(task.id),
            )
        )
    return rows


def next_run_times(session: Session) -> dict[str, datetime]:
    """Job id -> next run time, read from APScheduler's table (empty when no scheduler ever ran here).

    Only the plain columns are read: the pickled job state is the scheduler's business.
    """
    connection = session.connection()
    if not inspect(connection).has_table(JOB_TABLE):
        return {}
    jobs = Table(JOB_TABLE, MetaData(), Column("id", String(191)), Column("next_run_time", Float))
    rows = connection.execute(select(jobs.c.id, jobs.c.next_run_time).where(jobs.c.next_run_time.is_not(None)))
    return {job_id: datetime.fromtimestamp(stamp, UTC) for job_id, stamp in rows}


def _job_store(settings: Settings) -> BaseJobStore:
    """The application database's job table; memory for an in-memory database (nothing to restart)."""
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return MemoryJobStore()
    # An engine of our own make: on SQLite it waits for the planner's writes (busy timeout) and uses WAL.
    return SQLAlchemyJobStore(engine=make_engine(settings.database_url), tablename=JOB_TABLE)


def _stored_jobs(store: BaseJobStore) -> dict[str, Any]:
    """The jobs a previous scheduler left in `store`, by id (none in memory)."""
    if not isinstance(store, SQLAlchemyJobStore):
        return {}
    store.jobs_t.create(store.engine, checkfirst=True)
    return {job.id: job for job in store.get_all_jobs()}
