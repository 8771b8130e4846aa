"""Shared fixtures: settings, a migrated temporary database, the Flask app, the CLI runner."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from dispatch.config import Settings
from dispatch.db import make_engine, make_sessionmaker, upgrade
from tests.helpers import DATA
from web import create_app


@pytest.fixture(autouse=True)
def _no_ambient_config(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests see only the configuration they set themselves."""
    import os

    for name in list(os.environ):
        if name.startswith("DISPATCH_"):
            monkeypatch.delenv(name)


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """A SQLite file in the test's own folder."""
    return f"sqlite:///{tmp_path / 'dispatch.db'}"


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Default settings (Asia/Shanghai, 6 h / 24 h) on the temporary database and the shipped data/."""
    return Settings(database_url=database_url, data_dir=str(DATA))


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    """The temporary database, migrated to the latest schema."""
    engine = make_engine(settings.database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    """Session factory on the migrated temporary database."""
    return make_sessionmaker(engine)


@pytest.fixture
def app(engine: Engine, database_url: str) -> Flask:
    """The web app in testing mode on the temporary database."""
    return create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "test"})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """HTTP client of the test app."""
    return app.test_client()


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, database_url: str) -> CliRunner:
    """CLI runner whose DISPATCH_DATABASE_URL is the temporary database."""
    monkeypatch.setenv("DISPATCH_DATABASE_URL", database_url)
    monkeypatch.setenv("DISPATCH_DATA_DIR", str(DATA))
    return CliRunner()
