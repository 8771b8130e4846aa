"""Customer files and service record pages: search, a customer's file, a visit, record search, fault report."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dispatch.models import Complaint, FollowUp, Job
from tests.helpers import SHANGHAI, add_customer, add_part, add_product, add_technician, add_visit, at


@pytest.fixture
def file_ids(sessions: sessionmaker[Session], people: dict[str, str]) -> dict[str, int]:
    """On top of the normal scenario: 欧阳晓明 with an AC bought yesterday, two recorded visits (the
    latest with two capacitors and an answered follow-up call), one complaint. Returns ids."""
    today = datetime.now(SHANGHAI).date()
    with sessions.begin() as session:
        tech = add_technician(session, "T-WEB")
        tech.name = "黄师傅"
        customer = add_customer(session, "C-WEB", "欧阳晓明", "13700137000", "体育西路1号", "天河区")
        ac = add_product(customer, "air_conditioner", "KFR-35GW", "SN-WEB-01", today - timedelta(days=1))
        capacitor = add_part(session, "AC-CAP-WEB", "启动电容")
        add_visit(session, "J-WEB-1", customer, tech, "2026-06-10 11:00", "漏水", "排水管堵塞", ac)
        latest = add_visit(
            session, "J-WEB-2", customer, tech, "2026-07-01 15:00", "不制冷", "电容失效", ac, ((capacitor, 2),)
        )
        session.add(Complaint(customer=customer, received_at=at("2026-07-02 10:00"), text="师傅迟到"))
        session.flush()
        session.add(
            FollowUp(
                job_id=latest.job_id,
                visit_id=latest.id,
                due_on=date(2026, 7, 2),
                created_at=at("2026-07-01 15:00"),
                done_at=at("2026-07-02 10:00"),
                reached=True,
                solved=True,
                satisfaction="satisfied",
                note="空调已正常制冷",
            )
        )
        return {"customer": customer.id, "visit": latest.id}


def test_search_by_phone_as_typed_finds_the_file(
    sign_in: Callable[[str], FlaskClient], file_ids: dict[str, int]
) -> None:
    """A dispatcher types a formatted number; the one match links to the customer's file."""
    page = sign_in("disp").get("/customers", query_string={"q": "+86 137-0013-7000"})
    assert page.status_code == 200
    assert "找到客户：1 位" in page.text
    assert f'href="/customers/{file_ids["customer"]}"' in page.text and "欧阳晓明" in page.text


def test_search_results_are_paginated(sign_in: Callable[[str], FlaskClient], file_ids: dict[str, int]) -> None:
    """More than a page of 先生 in the scenario: page 2 links back and shows other customers than page 1."""
    client = sign_in("boss")
    first = client.get("/customers", query_string={"q": "先生"})
    second = client.get("/customers", query_string={"q": "先生", "page": 2})
    assert 'id="next-page"' in first.text and 'id="previous-page"' in second.text
    rows = first.text.split("data-customer=")[1:]
    assert rows and rows[0] not in second.text


def test_customer_file_in_chinese(sign_in: Callable[[str], FlaskClient], file_ids: dict[str, int]) -> None:
    """The file shows contact, the product in its refund period, both visits with parts, the complaint."""
    page = sign_in("disp").get(f"/customers/{file_ids['customer']}")
    assert page.status_code == 200
    text = page.text
    for expected in (
        "13700137000",
        "体育西路1号",
        "SN-WEB-01",
        "包退期",
        "上门历史",
        "黄师傅",
        "电容失效",
        "启动电容 × 2",
        "师傅迟到",
    ):
        assert expected in text, expected
    assert text.index("电容失效") < text.index("排水管堵塞")  # latest visit first
    assert f'href="/visits/{file_ids["visit"]}"' in text


def test_customer_file_in_english(sign_in: Callable[[str], FlaskClient], file_ids: dict[str, int]) -> None:
    """After switching to English the same file reads in English."""
    client = sign_in("boss")
    client.get("/lang/en")
    text = client.get(f"/customers/{file_ids['customer']}").text
    for expected in ("Refund period", "Visit history", "Open jobs", "Complaints", "fixed"):
        assert expected in text, expected
    assert "包退期" not in text


def test_visit_page_holds_the_whole_record(sign_in: Callable[[str], FlaskClient], file_ids: dict[str, int]) -> None:
    """Technician, fault, cause, parts with quantities, the follow-up answer and a link back to the file."""
    page = sign_in("disp").get(f"/visits/{file_ids['visit']}")
    assert page.status_code == 200
    text = page.text
    for expected in (
        "黄师傅",
        "不制冷",
        "电容失效",
        'data-part="AC-CAP-WEB"',
        "<td>2</td>",
        "空调已正常制冷",
        "已修好",
    ):
        assert expected in text, expected
    assert f'href="/customers/{file_ids["customer"]}" id="customer-link"' in text


def test_visit_page_links_the_printable_summary_only_when_it_exists(
    app: Flask, sign_in: Callable[[str], FlaskClient], file_ids: dict[str, int]
) -> None:
    """Without the service blueprint no summary link; with an endpoint of that name, a link to it."""
    summary = f"/visits/{file_ids['visit']}/summary"
    client = sign_in("disp")
    if "service.visit_summary" in app.view_functions:
        assert summary in client.get(f"/visits/{file_ids['visit']}").text
        return
    assert summary not in client.get(f"/visits/{file_ids['visit']}").text
    app.view_functions["service.visit_summary"] = lambda visit_id: ""
    app.url_map.add(app.url_rule_class("/visits/<int:visit_id>/summary", endpoint="service.visit_summary"))
    assert summary in client.get(f"/visits/{file_ids['visit']}").text


def test_record_search_filters_and_fault_report(
    sign_in: Callable[[str], FlaskClient], file_ids: dict[str, int]
) -> None:
    """Filtering on a cause keeps one record; the fault report counts each fault of the model once."""
    client = sign_in("boss")
    page = client.get("/records", query_string={"cause": "电容", "technician": "T-WEB"})
    assert page.status_code == 200
    assert "找到记录：1 条" in page.text and "不制冷" in page.text and "排水管堵塞" not in page.text
    report = client.get("/records/faults", query_string={"product": "air_conditioner", "top": 1})
    assert report.status_code == 200
    row = report.text.split('data-model="KFR-35GW"')[1].split("</tr>")[0]
    assert '<td class="visits">2</td>' in row
    assert row.count("<li>") == 2  # top 1: one fault, one cause


def test_bad_date_and_unknown_ids(sign_in: Callable[[str], FlaskClient], file_ids: dict[str, int]) -> None:
    """A malformed day is a 400; an unknown customer or visit a 404."""
    client = sign_in("disp")
    assert client.get("/records", query_string={"from": "06/07/2026"}).status_code == 400
    assert client.get("/customers/999999").status_code == 404
    assert client.get("/visits/999999").status_code == 404


@pytest.mark.parametrize(
    "path", ["/customers", "/customers/{customer}", "/visits/{visit}", "/records", "/records/faults"]
)
def test_technicians_may_not_see_customer_files(
    sign_in: Callable[[str], FlaskClient], file_ids: dict[str, int], path: str
) -> None:
    """Customer files and records are for dispatchers and managers: a technician gets 403."""
    url = path.format(**file_ids)
    assert sign_in("tech1").get(url).status_code == 403


def test_navigation_and_jobs_list_lead_to_the_files(
    sign_in: Callable[[str], FlaskClient], sessions: sessionmaker[Session], file_ids: dict[str, int]
) -> None:
    """Dispatcher and manager see both nav links; the jobs list links a customer's name to the file."""
    client = sign_in("disp")
    jobs = client.get("/dispatch/jobs").text
    assert 'id="nav-customers"' in jobs and 'id="nav-records"' in jobs
    with sessions() as session:
        customer_id = session.scalars(select(Job.customer_id).order_by(Job.received_at, Job.id)).first()
    assert f'href="/customers/{customer_id}"' in jobs
    manager_page = sign_in("boss").get("/customers").text
    assert 'id="nav-customers"' in manager_page and 'id="nav-records"' in manager_page
