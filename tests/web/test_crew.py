"""The technicians page: listing, and an edit that is saved whole or not at all."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dispatch.models import Technician
from tests.web.conftest import csrf_token


def _first(sessions: sessionmaker[Session]) -> Technician:
    with sessions() as session:
        tech = session.scalars(select(Technician).order_by(Technician.external_id)).first()
        assert tech is not None
        return tech


def test_edit_saves_skills_hours_and_days_off(
    client: FlaskClient, sign_in: Callable[[str], FlaskClient], sessions: sessionmaker[Session]
) -> None:
    sign_in("disp")
    assert client.get("/dispatch/technicians").text.count("<tr data-technician=") == 30
    tech = _first(sessions)
    page = client.get(f"/dispatch/technicians/{tech.id}").text
    answer = client.post(
        f"/dispatch/technicians/{tech.id}",
        data={
            "csrf_token": csrf_token(page),
            "skills": ["air_conditioner:repair", "television:install"],
            "weekly_hours": "mon-fri 08:00-17:00 break 12:00-13:00 60m\nsat 09:00-12:00",
            "days_off": "2026-12-01..2026-12-03 annual leave",
            "active": "on",
        },
    )
    assert answer.status_code == 302
    with sessions() as session:
        stored = session.get(Technician, tech.id)
        assert stored is not None
        assert stored.skill_codes() == ["air_conditioner:repair", "television:install"]
        assert [w.weekday for w in stored.weekly_shifts] == [0, 1, 2, 3, 4, 5]
        assert stored.weekly_shifts[0].break_minutes == 60
        assert [(a.first_day, a.last_day, a.reason) for a in stored.absences] == [
            (date(2026, 12, 1), date(2026, 12, 3), "annual leave")
        ]


def test_bad_hours_name_the_field_and_save_nothing(
    client: FlaskClient, sign_in: Callable[[str], FlaskClient], sessions: sessionmaker[Session]
) -> None:
    sign_in("disp")
    tech = _first(sessions)
    with sessions() as session:
        stored = session.get(Technician, tech.id)
        assert stored is not None
        skills_before = stored.skill_codes()
    page = client.get(f"/dispatch/technicians/{tech.id}").text
    answer = client.post(
        f"/dispatch/technicians/{tech.id}",
        data={"csrf_token": csrf_token(page), "skills": ["television:install"], "weekly_hours": "someday 8-5"},
    )
    assert answer.status_code == 200 and "weekly_hours:" in answer.text
    with sessions() as session:
        stored = session.get(Technician, tech.id)
        assert stored is not None and stored.skill_codes() == skills_before


def test_managers_see_the_list_but_cannot_edit(
    client: FlaskClient, sign_in: Callable[[str], FlaskClient], sessions: sessionmaker[Session]
) -> None:
    sign_in("boss")
    assert client.get("/dispatch/technicians").status_code == 200
    assert client.get(f"/dispatch/technicians/{_first(sessions).id}").status_code == 403


def test_technicians_cannot_see_the_list(client: FlaskClient, sign_in: Callable[[str], FlaskClient]) -> None:
    sign_in("tech1")
    assert client.get("/dispatch/technicians").status_code == 403
