"""Call intake: customer matching by normalised phone, deadlines, location, field errors."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from dispatch.config import Settings
from dispatch.intake import Call, InvalidCall, take_call
from dispatch.models import Customer, Job, OwnedProduct
from tests.helpers import at

CALL = Call(
    phone="+86 138-0013-8000",
    customer_name="曹先生",
    product="air_conditioner",
    job_type="repair",
    received_at=at("2026-07-06 21:10"),
    address="广州市天河区体育西路1号",
    district="天河区",
    fault_description="不制冷",
)


def test_new_caller_gets_a_file_and_a_job(sessions: sessionmaker[Session], settings: Settings) -> None:
    """A first call creates the customer (normalised phone, district location) and a new job with deadlines."""
    with sessions.begin() as session:
        result = take_call(session, CALL, settings)
        job_id = result.job.external_id
    with sessions() as session:
        job = session.scalars(select(Job).where(Job.external_id == job_id)).one()
        assert job_id == "J20260706-0001"
        assert job.status == "new" and [e.to_status for e in job.events] == ["new"]
        assert job.target_at == at("2026-07-07 03:10") and job.promise_at == at("2026-07-07 21:10")
        assert job.duration_min == 60 and job.warranty == "paid"
        assert job.customer.phone_numbers() == ["13800138000"]
        assert job.customer.location_approximate and job.customer.district == "天河区"


def test_same_caller_typed_differently_is_matched(sessions: sessionmaker[Session], settings: Settings) -> None:
    """`0086 13800138000` finds the file made for `+86 138-0013-8000`."""
    with sessions.begin() as session:
        take_call(session, CALL, settings)
        second = take_call(
            session, replace(CALL, phone="0086 13800138000", received_at=at("2026-07-07 08:00")), settings
        )
        assert not second.new_customer
        assert session.scalar(select(func.count()).select_from(Customer)) == 1
        assert session.scalar(select(func.count()).select_from(Job)) == 2


def test_target_hours_follow_settings(sessions: sessionmaker[Session], settings: Settings) -> None:
    """A centre with a 4-hour target gets 4-hour targets."""
    with sessions.begin() as session:
        job = take_call(session, CALL, replace(settings, target_hours=4, promise_hours=12)).job
        assert (job.target_at, job.promise_at) == (at("2026-07-07 01:10"), at("2026-07-07 09:10"))


def test_exact_coordinates_are_kept(sessions: sessionmaker[Session], settings: Settings) -> None:
    """Given coordinates are used as they are, not approximated."""
    with sessions.begin() as session:
        customer = take_call(session, replace(CALL, lat=23.14, lon=113.33), settings).customer
        assert (customer.lat, customer.lon, customer.location_approximate) == (23.14, 113.33, False)


def test_warranty_follows_the_owned_product(sessions: sessionmaker[Session], settings: Settings) -> None:
    """A call about a product still in warranty is an in-warranty repair; after its end, paid."""
    with sessions.begin() as session:
        customer = take_call(session, CALL, settings).customer
        customer.products.append(
            OwnedProduct(external_id="P1", product_code="air_conditioner", serial="SN1", warranty_end=date(2026, 7, 7))
        )
        session.flush()
        inside = take_call(session, replace(CALL, serial="SN1", received_at=at("2026-07-07 09:00")), settings).job
        outside = take_call(session, replace(CALL, serial="SN1", received_at=at("2026-07-08 09:00")), settings).job
        assert (inside.warranty, outside.warranty) == ("repair", "paid")
        assert inside.owned_product is not None and inside.owned_product.serial == "SN1"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"phone": "12345"}, "phone"),
        ({"customer_name": "  "}, "customer_name"),
        ({"product": "toaster"}, "product"),
        ({"job_type": "demolition"}, "job_type"),
        ({"priority": "asap"}, "priority"),
        ({"window_start": at("2026-07-07 10:00"), "window_end": at("2026-07-07 09:00")}, "window"),
        ({"window_start": at("2026-07-07 10:00")}, "window"),
        ({"duration_min": 0}, "duration_min"),
        ({"district": "火星区"}, "district"),
        ({"serial": "NOPE"}, "serial"),
    ],
)
def test_bad_call_names_the_field_and_stores_nothing(
    sessions: sessionmaker[Session], settings: Settings, change: dict[str, object], field: str
) -> None:
    """Each bad field raises InvalidCall naming it; no customer or job is left behind."""
    with sessions() as session:
        with pytest.raises(InvalidCall) as raised:
            take_call(session, replace(CALL, **change), settings)  # type: ignore[arg-type]
        session.rollback()
        assert raised.value.field == field
        assert session.scalar(select(func.count()).select_from(Job)) == 0
        assert session.scalar(select(func.count()).select_from(Customer)) == 0
