"""Users: roles, technician links, password checks, API tokens, and `dispatch user add`."""

from __future__ import annotations

from datetime import datetime

import pytest
from click.testing import CliRunner
from sqlalchemy.orm import Session, sessionmaker

from dispatch.cli import main
from dispatch.config import Settings
from dispatch.db import transaction
from dispatch.users import UserError, add_user, authenticate, issue_token, user_for_token
from tests.helpers import add_technician

NOW = datetime.fromisoformat("2026-11-23T09:00:00+08:00")


def test_password_is_hashed_and_checked(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        user = add_user(session, "wang", "s3cret-pass", "dispatcher", NOW)
        assert "s3cret-pass" not in user.password_hash
    with sessions() as session:
        assert authenticate(session, "wang", "s3cret-pass") is not None
        assert authenticate(session, "wang", "wrong-pass") is None
        assert authenticate(session, "nobody", "s3cret-pass") is None


@pytest.mark.parametrize(
    ("username", "password", "role", "technician", "field"),
    [
        ("", "longenough", "dispatcher", None, "username"),
        ("li", "short", "dispatcher", None, "password"),
        ("li", "longenough", "boss", None, "role"),
        ("li", "longenough", "technician", None, "technician"),
        ("li", "longenough", "technician", "T404", "technician"),
        ("li", "longenough", "manager", "T1", "technician"),
    ],
)
def test_bad_users_name_the_field(
    sessions: sessionmaker[Session], username: str, password: str, role: str, technician: str | None, field: str
) -> None:
    with transaction(sessions) as session:
        add_technician(session, "T1")
    with pytest.raises(UserError, match=f"^{field}:"), transaction(sessions) as session:
        add_user(session, username, password, role, NOW, technician)


def test_technician_account_is_linked_once(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        tech = add_technician(session, "T1")
        user = add_user(session, "zhang", "longenough", "technician", NOW, "T1")
        assert user.technician_id == tech.id
        with pytest.raises(UserError, match="already has an account"):
            add_user(session, "zhang2", "longenough", "technician", NOW, "T1")


def test_api_token_is_stored_hashed(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        user = add_user(session, "api", "longenough", "manager", NOW)
        token = issue_token(user)
        assert user.api_token_hash is not None and token not in user.api_token_hash
    with sessions() as session:
        found = user_for_token(session, token)
        assert found is not None and found.username == "api"
        assert user_for_token(session, token + "x") is None


def test_cli_user_add(runner: CliRunner, settings: Settings) -> None:
    result = runner.invoke(main, ["user", "add", "chen", "--role", "manager", "--password", "longenough"])
    assert result.exit_code == 0, result.output
    assert "user chen (manager) added" in result.output
    again = runner.invoke(main, ["user", "add", "chen", "--role", "manager", "--password", "longenough"])
    assert again.exit_code != 0 and "is taken" in again.output


def test_cli_user_token(runner: CliRunner, settings: Settings, sessions: sessionmaker[Session]) -> None:
    """A token is printed once and then identifies the user; an unknown user is an error."""
    runner.invoke(main, ["user", "add", "api", "--role", "dispatcher", "--password", "longenough"])
    issued = runner.invoke(main, ["user", "token", "api"])
    assert issued.exit_code == 0, issued.output
    with sessions() as session:
        found = user_for_token(session, issued.output.strip())
        assert found is not None and found.username == "api"
    assert runner.invoke(main, ["user", "token", "ghost"]).exit_code != 0
