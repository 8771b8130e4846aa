"""Warranty remedies from the configured terms, and the charges of a job in and out of warranty."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session, sessionmaker

from dispatch.models import OwnedProduct, Part, ServiceFee, Visit, VisitPart, Warranty, WarrantyTerm
from dispatch.warranty import (
    InvalidTerms,
    TermDays,
    charges,
    job_charges,
    job_remedy,
    product_remedy,
    remedy_on,
    update_terms_and_fees,
    warranty_terms,
)
from tests.helpers import SHANGHAI, add_job, add_technician, at

BOUGHT = date(2026, 1, 1)


def _term(refund: int = 7, replace: int = 15, repair: int = 365) -> WarrantyTerm:
    return WarrantyTerm(product_code="air_conditioner", refund_days=refund, replace_days=replace, repair_days=repair)


@pytest.mark.parametrize(
    ("on", "remedy"),
    [
        (date(2026, 1, 1), Warranty.REFUND),  # the purchase day itself
        (date(2026, 1, 8), Warranty.REFUND),  # day 7: last day of the refund period
        (date(2026, 1, 9), Warranty.REPLACE),  # day 8
        (date(2026, 1, 16), Warranty.REPLACE),  # day 15
        (date(2026, 1, 17), Warranty.REPAIR),  # day 16
        (date(2027, 1, 1), Warranty.REPAIR),  # day 365
        (date(2027, 1, 2), Warranty.PAID),  # day 366
    ],
)
def test_remedy_follows_the_default_periods_on_their_boundaries(on: date, remedy: Warranty) -> None:
    """7 / 15 / 365 days after purchase: refund, replacement, repair, then paid, each boundary day included."""
    assert remedy_on(_term(), BOUGHT, on) is remedy


def test_changing_a_term_changes_the_remedy() -> None:
    """A longer refund period turns a replacement into a refund; a shorter repair period makes the job paid."""
    on = date(2026, 1, 11)  # day 10
    assert remedy_on(_term(), BOUGHT, on) is Warranty.REPLACE
    assert remedy_on(_term(refund=10), BOUGHT, on) is Warranty.REFUND
    assert remedy_on(_term(refund=0, replace=0, repair=9), BOUGHT, on) is Warranty.PAID


def test_a_zero_day_period_grants_nothing() -> None:
    """With no refund period, a call on the purchase day is owed a replacement, not a refund."""
    assert remedy_on(_term(refund=0), BOUGHT, BOUGHT) is Warranty.REPLACE


def test_no_term_or_no_purchase_date_means_paid() -> None:
    """Without a term or a purchase date nothing is owed."""
    assert remedy_on(None, BOUGHT, BOUGHT) is Warranty.PAID
    assert remedy_on(_term(), None, BOUGHT) is Warranty.PAID


def test_purchase_after_the_day_is_refused_naming_the_field() -> None:
    """A purchase date after the day asked about is bad input."""
    with pytest.raises(ValueError, match="purchase_date"):
        remedy_on(_term(), date(2026, 2, 1), BOUGHT)


def _product(bought: date | None, warranty_end: date | None = None) -> OwnedProduct:
    return OwnedProduct(product_code="air_conditioner", purchase_date=bought, warranty_end=warranty_end)


def test_product_remedy_follows_the_term_then_an_extended_warranty_end() -> None:
    """Inside the term the term decides; past it, free repair up to warranty_end included, then paid."""
    extended = _product(BOUGHT, warranty_end=date(2027, 6, 30))
    assert product_remedy(_term(), extended, date(2026, 1, 5)) is Warranty.REFUND  # the term still rules
    assert product_remedy(_term(), extended, date(2027, 6, 30)) is Warranty.REPAIR  # the last extended day
    assert product_remedy(_term(), extended, date(2027, 7, 1)) is Warranty.PAID
    assert product_remedy(_term(), _product(BOUGHT), date(2027, 1, 2)) is Warranty.PAID  # no extension


def test_product_remedy_without_term_or_purchase_date_still_honours_warranty_end() -> None:
    """An extension on file grants free repair even when the term or the purchase date is missing."""
    assert product_remedy(None, _product(BOUGHT, date(2026, 3, 1)), date(2026, 3, 1)) is Warranty.REPAIR
    assert product_remedy(_term(), _product(None, date(2026, 3, 1)), date(2026, 3, 2)) is Warranty.PAID
    assert product_remedy(_term(), _product(None), BOUGHT) is Warranty.PAID


def test_product_remedy_refuses_a_purchase_after_the_day() -> None:
    """The shared rule does not guess: callers decide what a future purchase date means."""
    with pytest.raises(ValueError, match="purchase_date"):
        product_remedy(_term(), _product(date(2026, 2, 1), date(2028, 1, 1)), BOUGHT)


def test_seeded_terms_are_read_and_edits_are_seen(sessions: sessionmaker[Session]) -> None:
    """The migration seeds 7/15/365 per product; an edited row changes the remedy of a job."""
    with sessions.begin() as session:
        terms = warranty_terms(session)
        assert (terms["refrigerator"].refund_days, terms["refrigerator"].repair_days) == (7, 365)
        job = add_job(session, received="2026-07-06 09:00")
        job.owned_product = OwnedProduct(
            external_id="P1", customer=job.customer, product_code="air_conditioner", purchase_date=date(2026, 6, 26)
        )
        assert job_remedy(job, terms, SHANGHAI) is Warranty.REPLACE  # day 10
        terms["air_conditioner"].refund_days = 10
        session.flush()
        assert job_remedy(job, warranty_terms(session), SHANGHAI) is Warranty.REFUND


def test_extended_warranty_end_keeps_free_repair(sessions: sessionmaker[Session]) -> None:
    """Two years after purchase the term says paid, but a warranty end date on file still says repair."""
    with sessions.begin() as session:
        job = add_job(session, received="2026-07-06 09:00")
        job.owned_product = OwnedProduct(
            external_id="P1",
            customer=job.customer,
            product_code="air_conditioner",
            purchase_date=date(2024, 6, 1),
            warranty_end=date(2026, 7, 6),
        )
        assert job_remedy(job, warranty_terms(session), SHANGHAI) is Warranty.REPAIR
        job.owned_product.warranty_end = date(2026, 7, 5)
        assert job_remedy(job, warranty_terms(session), SHANGHAI) is Warranty.PAID


def test_job_without_product_on_file_keeps_its_recorded_status(sessions: sessionmaker[Session]) -> None:
    """No product on file: the warranty recorded at the call stands."""
    with sessions.begin() as session:
        job = add_job(session)
        job.warranty = Warranty.REPAIR.value
        assert job_remedy(job, warranty_terms(session), SHANGHAI) is Warranty.REPAIR


def _job_with_parts(session: Session) -> Visit:
    job = add_job(session, received="2026-07-06 09:00")
    tech = add_technician(session)
    capacitor = Part(code="AC-CAP", name="启动电容", product_code="air_conditioner", unit_price=Decimal("45.50"))
    sensor = Part(code="AC-SENSOR", name="温度传感器", product_code="air_conditioner", unit_price=Decimal("12"))
    visit = Visit(job=job, technician=tech, number=1, completed_at=at("2026-07-06 11:00"))
    visit.parts = [VisitPart(part=capacitor, quantity=2), VisitPart(part=sensor, quantity=1)]
    session.add(visit)
    session.flush()
    return visit


def test_charges_are_labour_plus_parts_outside_warranty(sessions: sessionmaker[Session]) -> None:
    """A paid repair costs the repair labour (80, seeded) plus 2 x 45.50 + 12 for parts."""
    with sessions.begin() as session:
        job = _job_with_parts(session).job
        owed = job_charges(session, job, SHANGHAI)
        assert not owed.in_warranty
        assert owed.labour == Decimal("80.00")
        assert owed.parts_total == Decimal("103.00")
        assert owed.total == Decimal("183.00")


@pytest.mark.parametrize("remedy", [Warranty.REPAIR, Warranty.REPLACE, Warranty.REFUND])
def test_charges_are_zero_in_warranty(sessions: sessionmaker[Session], remedy: Warranty) -> None:
    """In warranty the parts are listed but nothing is charged."""
    with sessions.begin() as session:
        job = _job_with_parts(session).job
        owed = charges(job, remedy, {"repair": Decimal("80")})
        assert owed.in_warranty
        assert owed.total == Decimal("0.00") and owed.labour == Decimal("0.00")
        assert [line.code for line in owed.parts] == ["AC-CAP", "AC-SENSOR"]


def test_labour_follows_the_configured_fee(sessions: sessionmaker[Session]) -> None:
    """Editing the repair fee changes the labour charged."""
    with sessions.begin() as session:
        job = _job_with_parts(session).job
        session.get_one(ServiceFee, "repair").labour = Decimal("95.00")
        session.flush()
        assert job_charges(session, job, SHANGHAI).total == Decimal("198.00")


def test_terms_and_fees_update_all_or_nothing(sessions: sessionmaker[Session]) -> None:
    """A good edit is stored; one bad period or fee stores nothing and names the field."""
    with sessions.begin() as session:
        update_terms_and_fees(session, {"television": TermDays(10, 20, 730)}, {"install": Decimal("120.5")})
        assert session.get_one(WarrantyTerm, "television").repair_days == 730
        assert session.get_one(ServiceFee, "install").labour == Decimal("120.50")
        with pytest.raises(InvalidTerms, match=r"^refrigerator\.repair_days:"):
            update_terms_and_fees(session, {"television": TermDays(1, 2, 3), "refrigerator": TermDays(7, 15, 10)}, {})
        with pytest.raises(InvalidTerms, match=r"^repair\.labour:"):
            update_terms_and_fees(session, {"television": TermDays(1, 2, 3)}, {"repair": Decimal("-1")})
        with pytest.raises(InvalidTerms, match=r"^spaceship\.refund_days:"):
            update_terms_and_fees(session, {"spaceship": TermDays(1, 2, 3)}, {})
        assert session.get_one(WarrantyTerm, "television").refund_days == 10
