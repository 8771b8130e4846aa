"""Planning in the background: a solve never runs inside a web request.

One worker thread per app; each run opens its own session, stores a draft version and reports
progress (elapsed share of its time limit) and the outcome, which pages poll.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from sqlalchemy.orm import Session, sessionmaker

from dispatch.config import Settings
from dispatch.db import transaction
from dispatch.errors import DispatchError
from dispatch.plan_edits import reoptimise
from dispatch.plans import plan_day
from solver import SolveParams


@dataclass(frozen=True)
class PlanningRun:
    """One background planning run, as pages see it."""

    id: int
    day: date
    time_limit_s: float
    started: float = field(default_factory=time.monotonic)
    state: str = "running"  # running, done, failed
    version_id: int | None = None
    error: str = ""
    plans_found: int = 0  # plans the search accepted so far
    best_objective: int | None = None

    @property
    def progress(self) -> float:
        """0..1: the share of the time limit spent (1 once finished)."""
        if self.state != "running":
            return 1.0
        return min(0.99, (time.monotonic() - self.started) / max(self.time_limit_s, 0.001))


class Planner:
    """Runs `plan_day` on a worker thread and keeps every run's state."""

    def __init__(self, sessions: sessionmaker[Session], settings: Settings, workers: int = 1) -> None:
        self._sessions = sessions
        self._settings = settings
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="planner")
        self._runs: dict[int, PlanningRun] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def start(self, day: date, time_limit_s: float, created_by: str = "", as_of: datetime | None = None) -> PlanningRun:
        """Queue a run; returns at once."""
        return self._queue(day, time_limit_s, created_by, as_of, None)

    def start_reoptimise(self, version_id: int, day: date, time_limit_s: float, created_by: str = "") -> PlanningRun:
        """Queue a re-optimisation of a draft around its pins; returns at once."""
        return self._queue(day, time_limit_s, created_by, None, version_id)

    def _queue(
        self, day: date, time_limit_s: float, created_by: str, as_of: datetime | None, from_version: int | None
    ) -> PlanningRun:
        with self._lock:
            run = PlanningRun(next(self._ids), day, time_limit_s)
            self._runs[run.id] = run
        self._pool.submit(self._work, run.id, created_by, as_of, from_version)
        return run

    def run(self, run_id: int) -> PlanningRun | None:
        """The current state of a run."""
        with self._lock:
            return self._runs.get(run_id)

    def wait(self, run_id: int, timeout_s: float) -> PlanningRun | None:
        """Block until the run ends or `timeout_s` passes (for the CLI and tests)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            run = self.run(run_id)
            if run is None or run.state != "running":
                return run
            time.sleep(0.05)
        return self.run(run_id)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _work(self, run_id: int, created_by: str, as_of: datetime | None, from_version: int | None = None) -> None:
        run = self.run(run_id)
        assert run is not None
        try:
            with transaction(self._sessions) as session:
                params = SolveParams(time_limit_s=run.time_limit_s)
                found = self._progress(run_id)
                if from_version is None:
                    version = plan_day(session, run.day, self._settings, params, as_of, created_by, found)
                else:
                    version = reoptimise(session, self._settings, from_version, params, as_of, created_by, found)
                version_id = version.id
            self._finish(run_id, state="done", version_id=version_id)
        except DispatchError as exc:
            self._finish(run_id, state="failed", error=str(exc))
        except Exception as exc:  # a crash must show on the page, not vanish with the thread
            self._finish(run_id, state="failed", error=f"{type(exc).__name__}: {exc}")

    def _progress(self, run_id: int) -> Callable[[int], None]:
        """Counts the plans the search accepts and keeps the best objective, for the page."""

        def found(objective: int) -> None:
            with self._lock:
                run = self._runs[run_id]
                best = objective if run.best_objective is None else min(run.best_objective, objective)
                self._runs[run_id] = replace(run, plans_found=run.plans_found + 1, best_objective=best)

        return found

    def _finish(self, run_id: int, **changes: object) -> None:
        with self._lock:
            self._runs[run_id] = replace(self._runs[run_id], **changes)  # type: ignore[arg-type]
