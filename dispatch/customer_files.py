"""Customer files: find a customer by phone, name, address or serial, and gather one customer's file
(contact, products with their warranty status, visit history, open jobs, complaints).

Layer: dispatch (services). Reads only; the web layer renders what these functions return.
"""

from __future__ import annotations

import re
from contextlib import suppress
from dataclasses import dataclass
from datetime import date
from typing import Generic, TypeVar

from sqlalchemy import ColumnElement, Select, false, func, or_, select
from sqlalchemy.orm import Session, selectinload

from dispatch.errors import InvalidPhone
from dispatch.models import (
    Complaint,
    Customer,
    CustomerPhone,
    FollowUp,
    Job,
    JobStatus,
    OwnedProduct,
    Visit,
    VisitPart,
    Warranty,
    WarrantyTerm,
)
from dispatch.phones import normalize_phone
from dispatch.warranty import product_remedy, warranty_terms

T = TypeVar("T")
DEFAULT_PER_PAGE = 25
# Fewer digits than this match too many numbers to be worth a partial phone match.
MIN_PHONE_DIGITS = 4
_PHONE_LIKE = re.compile(r"[\d\s\-()+]+")
CLOSED_STATUSES = (JobStatus.COMPLETED.value, JobStatus.CANCELLED.value)


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a longer result; `number` counts from 1."""

    items: list[T]
    number: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        """How many pages the whole result fills (at least 1)."""
        return max(1, -(-self.total // self.per_page))

    @property
    def has_previous(self) -> bool:
        """Whether a page comes before this one."""
        return self.number > 1

    @property
    def has_next(self) -> bool:
        """Whether a page comes after this one."""
        return self.number < self.pages


def paginate(session: Session, query: Select[T], number: int, per_page: int) -> Page[T]:
    """Run `query` for page `number` (clamped to 1..) with the total count of its rows.

    Parameters
    ----------
    query
        A select of one entity, already ordered (a page needs a stable order).
    number
        The page wanted, from 1.
    per_page
        Rows per page.
    """
    number = max(1, number)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    items = list(session.scalars(query.limit(per_page).offset((number - 1) * per_page)))
    return Page(items, number, per_page, total)


def search_customers(
    session: Session, text: str, default_area_code: str, number: int = 1, per_page: int = DEFAULT_PER_PAGE
) -> Page[Customer]:
    """Customers whose phone, name, address, district or product serial matches `text`.

    A phone number is compared in its normal form (`+86 138-0013-8000` finds `13800138000`); four or
    more digits also find the numbers that contain them. Name, address and serial match in part,
    ignoring case. An empty `text` finds nobody.

    Parameters
    ----------
    text
        What the user typed in the search box.
    default_area_code
        Area code given to a local landline number (Settings.default_area_code).
    number, per_page
        The page wanted (from 1) and its size; customers come in name order.
    """
    wanted = text.strip()
    if not wanted:
        return Page([], 1, per_page, 0)
    matches = or_(
        _phone_matches(wanted, default_area_code),
        Customer.name.icontains(wanted, autoescape=True),
        Customer.address.icontains(wanted, autoescape=True),
        Customer.district.icontains(wanted, autoescape=True),
        Customer.products.any(OwnedProduct.serial.icontains(wanted, autoescape=True)),
    )
    query = select(Customer).where(matches).options(selectinload(Customer.phones)).order_by(Customer.name, Customer.id)
    return paginate(session, query, number, per_page)


def _phone_matches(text: str, default_area_code: str) -> ColumnElement[bool]:
    """The customer has a number equal to `text` normalised, or containing its digits."""
    if not _PHONE_LIKE.fullmatch(text):
        return false()
    conditions: list[ColumnElement[bool]] = []
    # Not a whole number (InvalidPhone): a part of one may still match below.
    with suppress(InvalidPhone):
        conditions.append(CustomerPhone.number == normalize_phone(text, default_area_code))
    digits = re.sub(r"\D", "", text)
    if len(digits) >= MIN_PHONE_DIGITS:
        conditions.append(CustomerPhone.number.contains(digits, autoescape=True))
    return Customer.phones.any(or_(*conditions)) if conditions else false()


@dataclass(frozen=True)
class ProductStatus:
    """An owned product and the remedy its warranty owes today (`paid`: out of warranty; None: a
    purchase date after today, so the data on file cannot say)."""

    product: OwnedProduct
    warranty: Warranty | None


@dataclass(frozen=True)
class CustomerFile:
    """Everything the centre knows of one customer, newest first where it is a history."""

    customer: Customer
    products: list[ProductStatus]
    visits: list[Visit]
    open_jobs: list[Job]
    complaints: list[Complaint]


def product_status(product: OwnedProduct, terms: dict[str, WarrantyTerm], today: date) -> ProductStatus:
    """`product` with the remedy owed today (dispatch.warranty.product_remedy).

    A purchase date after today is a data error a file should show, not fail on: its status is unknown.
    """
    if product.purchase_date is not None and product.purchase_date > today:
        return ProductStatus(product, None)
    return ProductStatus(product, product_remedy(terms.get(product.product_code), product, today))


def customer_file(session: Session, customer_id: int, today: date) -> CustomerFile | None:
    """The file of customer `customer_id`, or None when there is no such customer.

    Parameters
    ----------
    today
        The day warranty status is judged on, in the business timezone.
    """
    customer = session.get(Customer, customer_id, options=[selectinload(Customer.phones)])
    if customer is None:
        return None
    terms = warranty_terms(session)
    products = [product_status(product, terms, today) for product in customer.products]
    return CustomerFile(
        customer=customer,
        products=products,
        visits=customer_visits(session, customer_id),
        open_jobs=open_jobs(session, customer_id),
        complaints=list(
            session.scalars(
                select(Complaint)
                .where(Complaint.customer_id == customer_id)
                .order_by(Complaint.received_at.desc(), Complaint.id.desc())
            )
        ),
    )


def customer_visits(session: Session, customer_id: int) -> list[Visit]:
    """The customer's recorded visits (those with an outcome), the latest first."""
    return list(
        session.scalars(
            select(Visit)
            .join(Job)
            .where(Job.customer_id == customer_id, Visit.outcome.is_not(None))
            .options(
                selectinload(Visit.job).selectinload(Job.owned_product),
                selectinload(Visit.technician),
                selectinload(Visit.parts).selectinload(VisitPart.part),
            )
            .order_by(Visit.completed_at.desc(), Visit.id.desc())
        )
    )


def open_jobs(session: Session, customer_id: int) -> list[Job]:
    """The customer's jobs neither completed nor cancelled, oldest call first."""
    return list(
        session.scalars(
            select(Job)
            .where(Job.customer_id == customer_id, Job.status.not_in(CLOSED_STATUSES))
            .options(selectinload(Job.visits).selectinload(Visit.technician))
            .order_by(Job.received_at, Job.id)
        )
    )


@dataclass(frozen=True)
class VisitRecord:
    """One visit's full service record, with the follow-up call's answer when there was one."""

    visit: Visit
    follow_up: FollowUp | None


def visit_record(session: Session, visit_id: int) -> VisitRecord | None:
    """The service record of visit `visit_id`, or None when there is no such visit."""
    visit = session.get(
        Visit,
        visit_id,
        options=[
            selectinload(Visit.job).selectinload(Job.customer),
            selectinload(Visit.job).selectinload(Job.owned_product),
            selectinload(Visit.technician),
            selectinload(Visit.parts).selectinload(VisitPart.part),
        ],
    )
    if visit is None:
        return None
    follow_up = session.scalars(select(FollowUp).where(FollowUp.visit_id == visit_id)).one_or_none()
    return VisitRecord(visit, follow_up)
