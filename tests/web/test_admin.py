"""The admin page of scheduled tasks: admins only, every task listed, "run now" in the background."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dispatch.config import Settings
from dispatch.db import transaction
from dispatch.models import TaskRun
from dispatch.scheduling import TASKS, TaskRunner, make_scheduler
from dispatch.users import add_user
from tests.web.conftest import NOW, PASSWORD, csrf_token
from web.i18n import read_catalogue

CATALOGUE = Path(__file__).resolve().parents[2] / "web" / "translations" / "zh_Hans" / "LC_MESSAGES"


@pytest.fixture
def admin(people: dict[str, str], sessions: sessionmaker[Session]) -> str:
    """An admin account next to the people of the normal scenario; its username."""
    with transaction(sessions) as session:
        add_user(session, "root", PASSWORD, "admin", NOW)
    return "root"


@dataclass
class SlowTask:
    """A fake `plan_tomorrow` that holds on until `go` is set; the `now` of each of its runs."""

    go: threading.Event = field(default_factory=threading.Event)
    calls: list[datetime] = field(default_factory=list)

    def __call__(self, sessions: sessionmaker[Session], settings: Settings, now: datetime) -> str:
        self.calls.append(now)
        assert self.go.wait(5), "never released"
        return "planned"


@pytest.fixture
def slow(app: Flask, sessions: sessionmaker[Session], settings: Settings) -> SlowTask:
    """The app's "run now" runner with `plan_tomorrow` replaced by a SlowTask."""
    fake = SlowTask()
    tasks = [replace(task, function=fake) if task.id == "plan_tomorrow" else task for task in TASKS]
    app.extensions["dispatch"]["tasks"] = TaskRunner(sessions, settings, tasks)
    return fake


def test_schedule_is_for_admins_only(client: FlaskClient, sign_in: Callable[[str], FlaskClient], admin: str) -> None:
    """Signed out: to the sign-in page; a dispatcher gets 403 on the page and on run now."""
    assert client.get("/admin/schedule").status_code == 302
    sign_in("disp")
    token = csrf_token(client.get("/dispatch/technicians").text)
    assert client.get("/admin/schedule").status_code == 403
    assert client.post("/admin/schedule/plan_tomorrow/run", data={"csrf_token": token}).status_code == 403
    assert 'id="nav-schedule"' not in client.get("/dispatch/technicians").text


def test_schedule_lists_every_task_with_its_trigger(
    client: FlaskClient, sign_in: Callable[[str], FlaskClient], admin: str
) -> None:
    """An admin sees one row per task, in Chinese by default, with its time or interval and no run yet."""
    sign_in(admin)
    page = client.get("/admin/schedule")
    assert page.status_code == 200
    assert page.text.count("<tr data-task=") == len(TASKS)
    for task in TASKS:
        assert f'data-task="{task.id}"' in page.text
    assert 'id="nav-schedule"' in page.text
    assert "编排明日计划（草稿）" in page.text and "每天 18:00" in page.text and "每 600 秒" in page.text
    assert "DISPATCH_PLAN_TOMORROW_AT" in page.text
    assert page.text.count("尚未运行") == len(TASKS)


def test_next_run_comes_from_the_job_store(
    client: FlaskClient,
    sign_in: Callable[[str], FlaskClient],
    admin: str,
    settings: Settings,
    sessions: sessionmaker[Session],
) -> None:
    """Once a scheduler has stored its jobs, the page shows each task's next run time."""
    fakes = [replace(task, function=lambda sessions, settings, now: None) for task in TASKS]
    scheduler = make_scheduler(replace(settings, plan_tomorrow_at="18:05"), sessions, fakes)
    scheduler.start(paused=True)
    next_run = scheduler.get_job("plan_tomorrow").next_run_time.astimezone(settings.tz)
    scheduler.shutdown()
    sign_in(admin)
    row = client.get("/admin/schedule").text.split('data-task="plan_tomorrow"')[1].split("</tr>")[0]
    assert f"{next_run:%m-%d} 18:05" in row


def test_run_now_runs_in_the_background_and_records_the_run(
    app: Flask,
    client: FlaskClient,
    sign_in: Callable[[str], FlaskClient],
    admin: str,
    slow: SlowTask,
    sessions: sessionmaker[Session],
    settings: Settings,
) -> None:
    """The request returns while the task still runs; once done, its TaskRun shows on the page."""
    sign_in(admin)
    token = csrf_token(client.get("/admin/schedule").text)
    answer = client.post("/admin/schedule/plan_tomorrow/run", data={"csrf_token": token})
    assert answer.status_code == 302 and answer.location.endswith("/admin/schedule")
    with sessions() as session:
        assert session.scalar(select(TaskRun)) is None  # still running: the request did not wait
    slow.go.set()
    runner: TaskRunner = app.extensions["dispatch"]["tasks"]
    runner.shutdown()  # waits for the queued run
    (now,) = slow.calls
    assert now.utcoffset() is not None and now.tzinfo == settings.tz
    with sessions() as session:
        run = session.get(TaskRun, "plan_tomorrow")
        assert run is not None and (run.outcome, run.error, run.started_at) == ("'planned'", "", now)
    row = client.get("/admin/schedule").text.split('data-task="plan_tomorrow"')[1].split("</tr>")[0]
    assert "&#39;planned&#39;" in row and "尚未运行" not in row


def test_run_now_needs_the_csrf_token_and_a_known_task(
    app: Flask, client: FlaskClient, sign_in: Callable[[str], FlaskClient], admin: str, slow: SlowTask
) -> None:
    """Without the token the post is refused (400) and nothing runs; an unknown task is 404."""
    sign_in(admin)
    assert client.post("/admin/schedule/plan_tomorrow/run", data={}).status_code == 400
    token = csrf_token(client.get("/admin/schedule").text)
    assert client.post("/admin/schedule/no_such_task/run", data={"csrf_token": token}).status_code == 404
    app.extensions["dispatch"]["tasks"].shutdown()
    assert slow.calls == []


def test_the_app_factory_starts_no_scheduler(client: FlaskClient) -> None:
    """Building the app and serving a page starts no APScheduler thread (the CLI does, once)."""
    assert client.get("/").status_code == 200
    assert all(thread.name != "APScheduler" for thread in threading.enumerate())


def test_every_task_description_is_translated() -> None:
    """Task descriptions are shown translated, so each has a Chinese entry in the catalogue."""
    translated = {m.id for m in read_catalogue(CATALOGUE) if m.id and m.string}
    assert [task.description for task in TASKS if task.description not in translated] == []
