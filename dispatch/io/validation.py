"""Row-by-row validation that collects every error instead of stopping at the first."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, TypeVar, overload

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.config import Settings
from dispatch.errors import RowError
from dispatch.geo import Geocoder
from dispatch.io import cells
from dispatch.io.cells import is_blank
from dispatch.models import Customer, Depot, Job, JobType, OwnedProduct, Part, ProductKind, Technician

T = TypeVar("T")
D = TypeVar("D")


@dataclass
class Context:
    """What validation checks references against: the database plus the files read so far."""

    session: Session
    settings: Settings
    geocoder: Geocoder | None = None
    errors: list[RowError] = field(default_factory=list)
    known: dict[str, set[str]] = field(default_factory=dict)
    # owned product id -> owning customer id, to check a job's product belongs to its customer
    owners: dict[str, str] = field(default_factory=dict)
    # Days every date and time of the files is moved by (the demo starts its sample today).
    shift_days: int = 0

    def moment(self, value: Any) -> datetime:
        """A date and time cell, read in the business timezone and moved by `shift_days`."""
        return cells.moment(value, self.settings.tz) + timedelta(days=self.shift_days)

    def day(self, value: Any) -> date:
        """A date cell, moved by `shift_days`."""
        return cells.day(value) + timedelta(days=self.shift_days)

    @classmethod
    def load(
        cls, session: Session, settings: Settings, geocoder: Geocoder | None = None, shift_days: int = 0
    ) -> Context:
        """Collect the ids already stored."""
        known = {
            "depots": set(session.scalars(select(Depot.external_id))),
            "technicians": set(session.scalars(select(Technician.external_id))),
            "customers": set(session.scalars(select(Customer.external_id))),
            "products": set(session.scalars(select(OwnedProduct.external_id))),
            "jobs": set(session.scalars(select(Job.external_id))),
            "parts": set(session.scalars(select(Part.code))),
            "product_kinds": set(session.scalars(select(ProductKind.code))),
            "job_types": set(session.scalars(select(JobType.code))),
        }
        owners = {
            product: customer
            for product, customer in session.execute(
                select(OwnedProduct.external_id, Customer.external_id).join(Customer)
            )
        }
        return cls(
            session=session,
            settings=settings,
            geocoder=geocoder,
            known=known,
            owners=owners,
            shift_days=shift_days,
        )


class RowReader:
    """Reads the cells of one row, recording an error for each bad one."""

    def __init__(self, source: str, number: int, cells: dict[str, Any], context: Context) -> None:
        self.source = source
        self.number = number
        self.cells = cells
        self.context = context
        self.failed = False

    def fail(self, field_name: str, reason: str) -> None:
        """Record that `field_name` is wrong in this row."""
        self.failed = True
        self.context.errors.append(RowError(self.source, self.number, field_name, reason))

    @overload
    def get(self, field_name: str, parse: Callable[[Any], T]) -> T | None: ...

    @overload
    def get(self, field_name: str, parse: Callable[[Any], T], default: D) -> T | D: ...

    def get(self, field_name: str, parse: Callable[[Any], Any], default: Any = None) -> Any:
        """The parsed cell, or `default` when blank or bad (bad also records an error)."""
        value = self.cells.get(field_name)
        if is_blank(value):
            return default
        try:
            return parse(value)
        except ValueError as exc:
            self.fail(field_name, str(exc))
            return default

    def need(self, field_name: str, parse: Callable[[Any], T]) -> T | None:
        """Like `get`, but a blank cell is an error too."""
        if is_blank(self.cells.get(field_name)):
            self.fail(field_name, "is required")
            return None
        return self.get(field_name, parse)

    def vocabulary(self, field_name: str, value: str | None, kind: str = "product") -> None:
        """Check that `value` is a known product (or, with kind="job type", a known job type)."""
        known = self.context.known["product_kinds" if kind == "product" else "job_types"]
        if value and value not in known:
            self.fail(field_name, f"unknown {kind} {value!r}")

    def skills(self, field_name: str = "skills") -> list[tuple[str, str]]:
        """A list cell of `<product>:<job_type>` certifications, each checked against the vocabularies."""
        skills = self.get(field_name, lambda v: [cells.skill(s) for s in cells.items(v)], [])
        for product, job_type in skills:
            self.vocabulary(field_name, product)
            self.vocabulary(field_name, job_type, "job type")
        return sorted(set(skills))

    def reference(self, field_name: str, kind: str, value: str | None) -> None:
        """Check that `value` names a known record of `kind`."""
        if value and value not in self.context.known[kind]:
            self.fail(field_name, f"no {kind.rstrip('s')} {value!r} (neither stored nor in this import)")


def check_columns(
    source: str, rows: Iterable[tuple[int, dict[str, Any]]], allowed: Iterable[str], context: Context
) -> None:
    """Report each unknown column once, at the first row that has it (typos must not pass silently)."""
    allowed_set = set(allowed)
    reported: set[str] = set()
    for number, row in rows:
        for column in row:
            if column not in allowed_set and column not in reported:
                reported.add(column)
                context.errors.append(
                    RowError(source, number, column, f"unknown column; expected some of {sorted(allowed_set)}")
                )


def check_unique_ids(
    source: str,
    rows: Iterable[tuple[int, dict[str, Any]]],
    id_field: str,
    context: Context,
    key: Callable[[dict[str, Any]], str] | None = None,
) -> None:
    """Report every row that repeats an earlier row's id (or `key`, for kinds keyed by several cells)."""
    key = key or (lambda row: str(row.get(id_field) or "").strip())
    first_seen: dict[str, int] = {}
    for number, row in rows:
        value = key(row)
        if value in first_seen:
            context.errors.append(RowError(source, number, id_field, f"{value!r} repeats row {first_seen[value]}"))
        elif value:
            first_seen[value] = number
