"""The app factory and the start page on a real (temporary) database."""

from __future__ import annotations

from alembic.script import ScriptDirectory
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from dispatch.config import Settings
from dispatch.db import alembic_config, make_engine
from tests.conftest import DATA
from tests.helpers import run_import


def test_start_page_counts_what_is_stored(
    client: FlaskClient, sessions: sessionmaker[Session], settings: Settings
) -> None:
    """After importing the normal scenario the page shows its 30 technicians and 300 jobs."""
    empty = client.get("/")
    assert empty.status_code == 200 and 'id="count-technicians">0<' in empty.text
    run_import(sessions, settings, DATA / "scenarios" / "guangzhou-normal.json")
    page = client.get("/")
    assert 'id="count-technicians">30<' in page.text
    assert 'id="count-jobs">300<' in page.text
    assert "技术员" in page.text and "客户档案" in page.text
    client.get("/lang/en")
    assert "Customer files" in client.get("/").text


def test_health_reports_schema(client: FlaskClient) -> None:
    """/healthz answers ok with the migrated schema revision: the newest migration's."""
    head = ScriptDirectory.from_config(alembic_config(make_engine("sqlite://"))).get_current_head()
    answer = client.get("/healthz")
    assert answer.status_code == 200
    assert head is not None and answer.get_json() == {"status": "ok", "schema": head}
