"""Sign-in, roles, CSRF and the language switch, over HTTP."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient

from tests.web.conftest import PASSWORD, csrf_token


def test_sign_in_lands_on_the_role_home(sign_in: Callable[[str], FlaskClient]) -> None:
    client = sign_in("tech1")
    assert client.get("/dispatch/plan").status_code == 403
    page = client.get("/me/day?day=2026-07-06")
    assert page.status_code == 200 and "我的今日" in page.text


def test_wrong_password_is_refused_with_one_message(client: FlaskClient, people: dict[str, str]) -> None:
    token = csrf_token(client.get("/login").text)
    answer = client.post("/login", data={"username": "disp", "password": "nope-nope", "csrf_token": token})
    assert answer.status_code == 401 and "用户名或密码错误" in answer.text
    assert client.get("/dispatch/plan").status_code == 302  # still signed out: sent to the sign-in page


def test_forms_need_the_csrf_token(client: FlaskClient, people: dict[str, str]) -> None:
    answer = client.post("/login", data={"username": "disp", "password": PASSWORD})
    assert answer.status_code == 400


def test_pages_need_sign_in_and_the_right_role(client: FlaskClient, sign_in: Callable[[str], FlaskClient]) -> None:
    assert client.get("/me/day").headers["Location"].startswith("/login")
    sign_in("disp")
    assert client.get("/me/day").status_code == 403
    assert client.get("/dispatch/plan?day=2026-07-06").status_code == 200


def test_language_switch_and_english_pages(client: FlaskClient, people: dict[str, str]) -> None:
    assert "登录" in client.get("/login").text
    client.get("/lang/en")
    page = client.get("/login").text
    assert "Sign in" in page and "登录" not in page.replace('lang="en"', "")
    assert "Username" in page


def test_unsafe_next_is_ignored(client: FlaskClient, people: dict[str, str]) -> None:
    token = csrf_token(client.get("/login").text)
    answer = client.post(
        "/login?next=https://evil.example/",
        data={"username": "disp", "password": PASSWORD, "csrf_token": token},
    )
    assert answer.headers["Location"] == "/dispatch/plan"
