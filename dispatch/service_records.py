"""Service record search across all visits, and the fault report that feeds product quality feedback.

Layer: dispatch (services). The report counts in SQL (GROUP BY and a window function, both on SQLite
and PostgreSQL), so its cost does not grow with the rows loaded into Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TypeVarTuple
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, func, literal_column, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session, selectinload

from dispatch.customer_files import DEFAULT_PER_PAGE, Page, paginate
from dispatch.models import Job, OwnedProduct, Part, Technician, Visit, VisitPart

Ts = TypeVarTuple("Ts")
DEFAULT_TOP = 5
DEFAULT_MODELS = 50


@dataclass(frozen=True)
class RecordFilter:
    """Criteria of the service record search; None or empty means any.

    `product` is a product code; `model`, `fault`, `cause` and `part` (a part's code or name) match in
    part, ignoring case; `first_day`..`last_day` (inclusive, business timezone) bound the visit's end;
    `technician` is a technician's external id.
    """

    product: str | None = None
    model: str | None = None
    fault: str | None = None
    cause: str | None = None
    part: str | None = None
    first_day: date | None = None
    last_day: date | None = None
    technician: str | None = None


def _conditions(criteria: RecordFilter, tz: ZoneInfo) -> list[ColumnElement[bool]]:
    """WHERE clauses over Visit joined to Job and (outer) OwnedProduct; only recorded visits count."""
    found: list[ColumnElement[bool]] = [Visit.completed_at.is_not(None), Visit.outcome.is_not(None)]
    if criteria.product:
        found.append(Job.product_code == criteria.product)
    if criteria.model:
        found.append(OwnedProduct.model.icontains(criteria.model, autoescape=True))
    if criteria.fault:
        found.append(Visit.fault_found.icontains(criteria.fault, autoescape=True))
    if criteria.cause:
        found.append(Visit.cause.icontains(criteria.cause, autoescape=True))
    if criteria.part:
        found.append(
            Visit.parts.any(
                VisitPart.part.has(
                    or_(
                        Part.code.icontains(criteria.part, autoescape=True),
                        Part.name.icontains(criteria.part, autoescape=True),
                    )
                )
            )
        )
    if criteria.first_day:
        found.append(Visit.completed_at >= _start_of(criteria.first_day, tz))
    if criteria.last_day:
        found.append(Visit.completed_at < _start_of(criteria.last_day + timedelta(days=1), tz))
    if criteria.technician:
        found.append(Visit.technician.has(Technician.external_id == criteria.technician))
    return found


def _start_of(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=tz)


def _recorded_visits(criteria: RecordFilter, tz: ZoneInfo) -> Select[Visit]:
    """Visits matching `criteria`, latest first."""
    return (
        select(Visit)
        .join(Job, Visit.job_id == Job.id)
        .outerjoin(OwnedProduct, Job.owned_product_id == OwnedProduct.id)
        .where(*_conditions(criteria, tz))
        .order_by(Visit.completed_at.desc(), Visit.id.desc())
    )


def search_records(
    session: Session, criteria: RecordFilter, tz: ZoneInfo, number: int = 1, per_page: int = DEFAULT_PER_PAGE
) -> Page[Visit]:
    """One page of the recorded visits matching `criteria`, the latest first.

    Parameters
    ----------
    tz
        Business timezone: the days of the date range are local days.
    number, per_page
        The page wanted (from 1) and its size.
    """
    query = _recorded_visits(criteria, tz).options(
        selectinload(Visit.job).selectinload(Job.customer),
        selectinload(Visit.job).selectinload(Job.owned_product),
        selectinload(Visit.technician),
        selectinload(Visit.parts).selectinload(VisitPart.part),
    )
    return paginate(session, query, number, per_page)


@dataclass(frozen=True)
class Frequency:
    """A fault or cause text and how many visits recorded it."""

    text: str
    visits: int


@dataclass(frozen=True)
class ModelFaults:
    """The most frequent faults and causes of one product model (`model` empty: model not known)."""

    product_code: str
    model: str
    visits: int
    faults: list[Frequency]
    causes: list[Frequency]


# A visit whose job names no owned product still counts, under an empty model; the literal (not a bound
# parameter) keeps the SELECT and GROUP BY expressions identical, as PostgreSQL requires.
_MODEL = func.coalesce(OwnedProduct.model, literal_column("''"))


def fault_report(
    session: Session,
    criteria: RecordFilter,
    tz: ZoneInfo,
    top: int = DEFAULT_TOP,
    models: int = DEFAULT_MODELS,
) -> list[ModelFaults]:
    """The most frequent faults and causes per product model among the visits matching `criteria`.

    Texts are compared trimmed; empty ones are not counted. Models come most visited first.

    Parameters
    ----------
    top
        How many faults and causes to keep per model.
    models
        How many models to report at most.
    """
    visits = session.execute(
        _grouped(select(Job.product_code, _MODEL, func.count(Visit.id)), criteria, tz)
        .group_by(Job.product_code, _MODEL)
        .order_by(func.count(Visit.id).desc(), Job.product_code, _MODEL)
        .limit(models)
    ).all()
    faults = _top_texts(session, Visit.fault_found, criteria, tz, top)
    causes = _top_texts(session, Visit.cause, criteria, tz, top)
    return [
        ModelFaults(product, model, count, faults.get((product, model), []), causes.get((product, model), []))
        for product, model, count in visits
    ]


def _grouped(query: Select[*Ts], criteria: RecordFilter, tz: ZoneInfo) -> Select[*Ts]:
    """`query` over recorded visits matching `criteria`, joined to their job and owned product."""
    return (
        query.select_from(Visit)
        .join(Job, Visit.job_id == Job.id)
        .outerjoin(OwnedProduct, Job.owned_product_id == OwnedProduct.id)
        .where(*_conditions(criteria, tz))
    )


def _top_texts(
    session: Session, column: InstrumentedAttribute[str], criteria: RecordFilter, tz: ZoneInfo, top: int
) -> dict[tuple[str, str], list[Frequency]]:
    """The `top` most frequent trimmed texts of `column` per (product code, model), most frequent first."""
    text = func.trim(column)
    count = func.count(Visit.id)
    ranked = (
        _grouped(select(Job.product_code, _MODEL.label("model"), text.label("text")), criteria, tz)
        .add_columns(
            count.label("visits"),
            func.row_number()
            .over(partition_by=(Job.product_code, _MODEL), order_by=(count.desc(), text))
            .label("rank"),
        )
        .where(text != "")
        .group_by(Job.product_code, _MODEL, text)
        .subquery()
    )
    rows = session.execute(
        select(ranked.c.product_code, ranked.c.model, ranked.c.text, ranked.c.visits)
        .where(ranked.c.rank <= top)
        .order_by(ranked.c.product_code, ranked.c.model, ranked.c.rank)
    ).all()
    found: dict[tuple[str, str], list[Frequency]] = {}
    for product, model, value, visits in rows:
        found.setdefault((product, model), []).append(Frequency(value, visits))
    return found
