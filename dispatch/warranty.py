"""Warranty (China's "three guarantees") and what a job costs the customer: dispatch layer.

Owns the remedy owed on a given day (refund, replacement, free repair, or a paid job) from the
configured `WarrantyTerm` of the product category, and the charges of a job: labour from
`ServiceFee` plus parts used at unit price, nothing in warranty.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.errors import DispatchError
from dispatch.models import Job, JobType, OwnedProduct, ProductKind, ServiceFee, Warranty, WarrantyTerm

CENT = Decimal("0.01")


def warranty_terms(session: Session) -> dict[str, WarrantyTerm]:
    """The configured warranty terms, keyed by product category code."""
    return {term.product_code: term for term in session.scalars(select(WarrantyTerm))}


def remedy_on(term: WarrantyTerm | None, purchase_date: date | None, on: date) -> Warranty:
    """The remedy the customer is owed on day `on` for a product bought on `purchase_date`.

    Periods count whole days after the purchase day, as Chinese law counts them: bought on the 1st
    with a 7-day refund period, the customer may still ask for a refund on the 8th. A period of
    0 days grants nothing. Without a term or a purchase date, nothing is owed: the job is paid.

    Raises
    ------
    ValueError
        When `purchase_date` is after `on` (a call about a product not bought yet).
    """
    if term is None or purchase_date is None:
        return Warranty.PAID
    if purchase_date > on:
        raise ValueError(f"purchase_date: {purchase_date.isoformat()} is after the day asked about, {on.isoformat()}")
    age_days = (on - purchase_date).days
    for days, remedy in (
        (term.refund_days, Warranty.REFUND),
        (term.replace_days, Warranty.REPLACE),
        (term.repair_days, Warranty.REPAIR),
    ):
        if days > 0 and age_days <= days:
            return remedy
    return Warranty.PAID


def product_remedy(term: WarrantyTerm | None, product: OwnedProduct, on: date) -> Warranty:
    """The remedy owed on day `on` for `product` under its category's `term`.

    The term runs from the purchase date; an extended `warranty_end` on file keeps free repair going
    (to that day included) once the term would make the job paid. The one place this rule lives: a
    call's remedy and a customer file's warranty column both come from here.

    Raises
    ------
    ValueError
        When the product's `purchase_date` is after `on`.
    """
    remedy = remedy_on(term, product.purchase_date, on)
    if remedy is Warranty.PAID and product.warranty_end is not None and on <= product.warranty_end:
        return Warranty.REPAIR
    return remedy


def call_day(job: Job, tz: ZoneInfo) -> date:
    """The business day the job's call came in."""
    return job.received_at.astimezone(tz).date()


def job_remedy(job: Job, terms: dict[str, WarrantyTerm], tz: ZoneInfo) -> Warranty:
    """The remedy owed for the job's product on the day of the call.

    `product_remedy` of the product on file under the category's term. A job whose product is not
    on file, or has neither a purchase date nor a warranty end, keeps the status recorded when the
    call was taken.
    """
    product = job.owned_product
    if product is None or (product.purchase_date is None and product.warranty_end is None):
        return Warranty(job.warranty)
    day = call_day(job, tz)
    if product.purchase_date is not None and product.purchase_date > day:
        # Bad purchase date on file: trust what the call recorded rather than fail the page.
        return Warranty(job.warranty)
    return product_remedy(terms.get(job.product_code), product, day)


@dataclass(frozen=True)
class PartLine:
    """One part used on the job, with what it costs."""

    code: str
    name: str
    quantity: int
    unit_price: Decimal

    @property
    def amount(self) -> Decimal:
        return (self.unit_price * self.quantity).quantize(CENT)


@dataclass(frozen=True)
class Charges:
    """What the customer pays for a job: zero in warranty, labour plus parts outside."""

    remedy: Warranty
    labour: Decimal
    parts: tuple[PartLine, ...]

    @property
    def in_warranty(self) -> bool:
        return self.remedy is not Warranty.PAID

    @property
    def parts_total(self) -> Decimal:
        return sum((line.amount for line in self.parts), Decimal("0.00"))

    @property
    def total(self) -> Decimal:
        """The amount due; parts are listed in warranty too, but not charged."""
        if self.in_warranty:
            return Decimal("0.00")
        return (self.labour + self.parts_total).quantize(CENT)


def labour_fees(session: Session) -> dict[str, Decimal]:
    """The configured labour fee per job type code."""
    return {fee.job_type_code: fee.labour for fee in session.scalars(select(ServiceFee))}


def charges(job: Job, remedy: Warranty, fees: dict[str, Decimal]) -> Charges:
    """The charges of `job`: labour once for the job (a revisit is not charged again) plus every part
    used on its visits at catalogue price, or nothing when `remedy` is a warranty remedy."""
    lines = tuple(
        PartLine(used.part.code, used.part.name, used.quantity, Decimal(used.part.unit_price))
        for visit in job.visits
        for used in visit.parts
    )
    labour = Decimal("0.00") if remedy is not Warranty.PAID else Decimal(fees.get(job.job_type_code, 0)).quantize(CENT)
    return Charges(remedy=remedy, labour=labour, parts=lines)


def job_charges(session: Session, job: Job, tz: ZoneInfo) -> Charges:
    """The charges of `job` under the configured terms and fees."""
    return charges(job, job_remedy(job, warranty_terms(session), tz), labour_fees(session))


@dataclass(frozen=True)
class JobWarranty:
    """What a job page shows: the remedy owed on the call day, and what it rests on."""

    remedy: Warranty
    call_day: date
    purchase_date: date | None
    warranty_end: date | None
    term: WarrantyTerm | None

    @property
    def in_warranty(self) -> bool:
        return self.remedy is not Warranty.PAID


def job_warranty(session: Session, job: Job, tz: ZoneInfo) -> JobWarranty:
    """The warranty status of `job` on its call day, with the purchase date and term behind it."""
    terms = warranty_terms(session)
    product = job.owned_product
    return JobWarranty(
        remedy=job_remedy(job, terms, tz),
        call_day=call_day(job, tz),
        purchase_date=None if product is None else product.purchase_date,
        warranty_end=None if product is None else product.warranty_end,
        term=terms.get(job.product_code),
    )


# --- Configuration (the admin page) -----------------------------------------------------------


class InvalidTerms(DispatchError):
    """Warranty periods or labour fees that cannot be stored; names the field."""

    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(f"{field_name}: {reason}")
        self.field = field_name
        self.reason = reason


@dataclass(frozen=True)
class TermDays:
    """The three periods of one product category, in days after purchase."""

    refund_days: int
    replace_days: int
    repair_days: int


def _check_term(code: str, days: TermDays) -> None:
    if days.refund_days < 0:
        raise InvalidTerms(f"{code}.refund_days", "must not be negative")
    if days.replace_days < days.refund_days:
        raise InvalidTerms(f"{code}.replace_days", "must be at least the refund period")
    if days.repair_days < days.replace_days:
        raise InvalidTerms(f"{code}.repair_days", "must be at least the replacement period")


def update_terms_and_fees(session: Session, terms: Mapping[str, TermDays], fees: Mapping[str, Decimal]) -> None:
    """Store the warranty periods per product code and the labour fee per job type code, all or nothing.

    Raises
    ------
    InvalidTerms
        When a code is unknown, a period is out of order or negative, or a fee negative; nothing is changed.
    """
    products = set(session.scalars(select(ProductKind.code)))
    job_types = set(session.scalars(select(JobType.code)))
    for code, days in terms.items():
        if code not in products:
            raise InvalidTerms(f"{code}.refund_days", "unknown product")
        _check_term(code, days)
    for code, labour in fees.items():
        if code not in job_types:
            raise InvalidTerms(f"{code}.labour", "unknown job type")
        if labour < 0 or not labour.is_finite():
            raise InvalidTerms(f"{code}.labour", "must be a non-negative amount")
    for code, days in terms.items():
        term = session.get(WarrantyTerm, code) or WarrantyTerm(product_code=code)
        term.refund_days, term.replace_days, term.repair_days = days.refund_days, days.replace_days, days.repair_days
        session.add(term)
    for code, labour in fees.items():
        fee = session.get(ServiceFee, code) or ServiceFee(job_type_code=code)
        fee.labour = labour.quantize(CENT)
        session.add(fee)
