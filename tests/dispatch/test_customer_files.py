"""Customer files: search by phone (normalised), name, address and serial; one customer's file."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from dispatch.customer_files import customer_file, search_customers, visit_record
from dispatch.models import (
    Complaint,
    FollowUp,
    Warranty,
)
from tests.helpers import add_customer, add_part, add_product, add_technician, add_visit, at

TODAY = date(2026, 7, 6)


@pytest.fixture
def centre(sessions: sessionmaker[Session]) -> dict[str, int]:
    """Three customers: 曹先生 (mobile, an AC bought 3 days ago, a washer out of warranty, two recorded
    visits, one open job, a complaint), 李女士 (Yuexiu landline, a fridge with an extended warranty) and
    王先生 (mobile, nothing else). Returns ids by name."""
    with sessions.begin() as session:
        tech = add_technician(session)
        cao = add_customer(session, "C1", "曹先生", "13800138000", "天河路385号", "天河区")
        li = add_customer(session, "C2", "李女士", "02088881234", "中山五路12号", "越秀区")
        wang = add_customer(session, "C3", "王先生", "13912345678", "江南大道中88号", "海珠区")
        ac = add_product(cao, "air_conditioner", "KFR-35GW", "SN-AC-0001", TODAY - timedelta(days=3))
        add_product(cao, "washing_machine", "XQB80", "WM-7788", TODAY - timedelta(days=800))
        add_product(li, "refrigerator", "BCD-470", "RF-5566", date(2023, 1, 1), warranty_end=date(2027, 1, 1))
        capacitor = add_part(session, "AC-CAP-35UF", "启动电容")
        first = add_visit(session, "J1", cao, tech, "2026-06-10 11:00", "不制冷", "缺氟", ac)
        second = add_visit(
            session, "J2", cao, tech, "2026-07-01 15:00", "外机不启动", "电容失效", ac, ((capacitor, 2),)
        )
        add_visit(session, "J3", cao, tech, None, "漏水", product=ac, outcome=None, satisfaction=None)
        session.add(Complaint(customer=cao, received_at=at("2026-07-02 10:00"), text="上门迟到两小时"))
        session.flush()
        session.add(
            FollowUp(
                job_id=second.job_id,
                visit_id=second.id,
                due_on=date(2026, 7, 2),
                created_at=at("2026-07-01 15:00"),
                done_at=at("2026-07-02 10:00"),
                reached=True,
                solved=True,
                satisfaction="satisfied",
                note="空调已正常",
            )
        )
        return {"cao": cao.id, "li": li.id, "wang": wang.id, "first": first.id, "second": second.id}


def _names(session: Session, text: str) -> list[str]:
    return [c.name for c in search_customers(session, text, "020").items]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("+86 138-0013-8000", ["曹先生"]),  # a mobile as typed, matched normalised
        ("020-8888 1234", ["李女士"]),  # a landline with its area code
        ("8888-1234", ["李女士"]),  # a local landline gets the default area code
        ("8000", ["曹先生"]),  # four digits find the numbers containing them
        ("女士", ["李女士"]),
        ("中山五路", ["李女士"]),
        ("海珠", ["王先生"]),
        ("rf-55", ["李女士"]),  # part of a serial, case ignored
        ("先生", ["曹先生", "王先生"]),
        ("%", []),  # a LIKE wildcard is taken literally
        ("  ", []),
        ("13700000000", []),
    ],
)
def test_search_finds_customers_by_phone_name_address_serial(
    sessions: sessionmaker[Session], centre: dict[str, int], text: str, names: list[str]
) -> None:
    """One search box: phone normalised or in part, name, address, district and serial in part."""
    with sessions() as session:
        assert sorted(_names(session, text)) == sorted(names)


def test_search_results_come_in_pages(sessions: sessionmaker[Session], centre: dict[str, int]) -> None:
    """Two matches, one per page: each page holds a different customer and knows what follows."""
    with sessions() as session:
        first = search_customers(session, "先生", "020", number=1, per_page=1)
        second = search_customers(session, "先生", "020", number=2, per_page=1)
        assert (first.total, first.pages, first.has_next, first.has_previous) == (2, 2, True, False)
        assert (second.has_next, second.has_previous) == (False, True)
        assert {first.items[0].name, second.items[0].name} == {"曹先生", "王先生"}


def test_customer_file_holds_products_visits_open_jobs_complaints(
    sessions: sessionmaker[Session], centre: dict[str, int]
) -> None:
    """曹先生's file: warranty per product, recorded visits latest first, the open job, the complaint."""
    with sessions() as session:
        found = customer_file(session, centre["cao"], TODAY)
        assert found is not None
        assert [(p.product.serial, p.warranty) for p in found.products] == [
            ("SN-AC-0001", Warranty.REFUND),
            ("WM-7788", Warranty.PAID),
        ]
        assert [v.job.external_id for v in found.visits] == ["J2", "J1"]
        assert [(p.part.code, p.quantity) for p in found.visits[0].parts] == [("AC-CAP-35UF", 2)]
        assert [j.external_id for j in found.open_jobs] == ["J3"]
        assert [c.text for c in found.complaints] == ["上门迟到两小时"]


def test_extended_warranty_keeps_free_repair_and_a_future_purchase_is_unknown(
    sessions: sessionmaker[Session], centre: dict[str, int]
) -> None:
    """A fridge past its term but within warranty_end is repaired free; a purchase after today has no status."""
    with sessions() as session:
        found = customer_file(session, centre["li"], TODAY)
        assert found is not None and [p.warranty for p in found.products] == [Warranty.REPAIR]
        assert found.visits == [] and found.open_jobs == [] and found.complaints == []
        later = customer_file(session, centre["cao"], TODAY - timedelta(days=10))
        assert later is not None and later.products[0].warranty is None


def test_no_file_for_an_unknown_customer(sessions: sessionmaker[Session], centre: dict[str, int]) -> None:
    """An id nobody has gives None."""
    with sessions() as session:
        assert customer_file(session, max(centre.values()) + 100, TODAY) is None


def test_visit_record_carries_the_follow_up_answer(sessions: sessionmaker[Session], centre: dict[str, int]) -> None:
    """The second visit has its follow-up call; the first has none."""
    with sessions() as session:
        record = visit_record(session, centre["second"])
        assert record is not None and record.follow_up is not None
        assert (record.visit.cause, record.follow_up.note) == ("电容失效", "空调已正常")
        first = visit_record(session, centre["first"])
        assert first is not None and first.follow_up is None
        assert visit_record(session, 10_000) is None
