"""Call intake page and job board over HTTP."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dispatch.models import Customer, Job
from dispatch.sla import risk
from tests.web.conftest import csrf_token


def test_call_for_a_new_customer_creates_the_job_with_its_deadlines(
    client: FlaskClient, sign_in: Callable[[str], FlaskClient], sessions: sessionmaker[Session]
) -> None:
    sign_in("disp")
    page = client.get("/dispatch/calls/new").text
    assert 'id="deadlines"' in page and "前上门" in page
    assert client.get("/dispatch/calls/lookup?phone=13911112222").get_json()["found"] is False
    day = (datetime.now().date() + timedelta(days=1)).isoformat()
    answer = client.post(
        "/dispatch/calls/new",
        data={
            "csrf_token": csrf_token(page),
            "phone": "139 1111 2222",
            "customer_name": "欧阳女士",
            "address": "天河路 100 号",
            "district": "天河区",
            "product": "refrigerator",
            "job_type": "repair",
            "fault_description": "不制冷",
            "priority": "urgent",
            "slot_day": day,
            "slot": "10-12",
        },
    )
    assert answer.status_code == 302
    assert "已创建" in client.get(answer.headers["Location"]).text
    with sessions() as session:
        customer = session.scalar(select(Customer).where(Customer.name == "欧阳女士"))
        assert customer is not None
        job = session.scalars(select(Job).where(Job.customer_id == customer.id)).one()
        assert job.priority == "urgent" and job.window_start is not None
        assert job.window_start.astimezone(ZoneInfo("Asia/Shanghai")).hour == 10
        assert (job.promise_at - job.received_at) == timedelta(hours=24)
    found = client.get("/dispatch/calls/lookup?phone=13911112222").get_json()
    assert found["found"] and found["name"] == "欧阳女士"


def test_bad_call_names_the_field_and_keeps_the_input(
    client: FlaskClient, sign_in: Callable[[str], FlaskClient]
) -> None:
    sign_in("disp")
    page = client.get("/dispatch/calls/new").text
    answer = client.post(
        "/dispatch/calls/new",
        data={
            "csrf_token": csrf_token(page),
            "phone": "12",
            "customer_name": "王",
            "product": "tv",
            "job_type": "repair",
        },
    )
    back = client.get(answer.headers["Location"]).text
    assert 'value="王"' in back and ("phone" in back or "product" in back)


def test_job_board_filters_by_status_and_risk(
    client: FlaskClient, sign_in: Callable[[str], FlaskClient], sessions: sessionmaker[Session]
) -> None:
    sign_in("disp")
    listed = client.get("/dispatch/jobs?status=new&product=air_conditioner").text
    with sessions() as session:
        expected = session.scalars(
            select(Job.external_id).where(Job.status == "new", Job.product_code == "air_conditioner")
        ).all()
        now = datetime.now().astimezone()
        at_risk = [j.external_id for j in session.scalars(select(Job)) if risk(j, now) == "promise"]
    assert listed.count("<tr data-job=") == len(expected) > 0
    risky = client.get("/dispatch/jobs?risk=promise").text
    assert risky.count("<tr data-job=") == len(at_risk)
