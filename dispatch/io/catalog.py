"""The part catalogue and stock levels (per depot, per technician's van) as files."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from dispatch.config import Settings
from dispatch.io import cells
from dispatch.io.kind import Counts, Kind, existing_by_key, validate_rows
from dispatch.io.sources import Source
from dispatch.io.validation import Context, RowReader
from dispatch.models import Depot, Part, StockLevel, Technician

PART_COLUMNS = ("code", "name", "product", "unit_price")
STOCK_COLUMNS = ("part", "location", "quantity")


@dataclass(frozen=True)
class PartRow:
    """A validated catalogue row."""

    code: str
    name: str
    product: str | None
    unit_price: Decimal


def _price(value: Any) -> Decimal:
    try:
        price = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a price") from None
    if price < 0 or not price.is_finite():
        raise ValueError(f"{value!r} must be a price of zero or more")
    return price.quantize(Decimal("0.01"))


def _read_part(row: RowReader) -> PartRow | None:
    code, name = row.need("code", cells.text), row.need("name", cells.text)
    product = row.get("product", cells.text)
    row.vocabulary("product", product)
    if code is None or name is None:
        return None
    return PartRow(code, name, product or None, row.get("unit_price", _price, Decimal("0")) or Decimal("0"))


def validate_parts(source: Source, context: Context) -> list[PartRow]:
    """Read a part catalogue file."""
    records = validate_rows(source, context, PART_COLUMNS, "code", _read_part)
    context.known["parts"].update(r.code for r in records)
    return records


def write_parts(session: Session, records: list[PartRow], context: Context) -> Counts:
    """Create or update catalogue parts."""
    counts = Counts()
    existing = existing_by_key(session, Part, "code", [r.code for r in records])
    for r in records:
        part = existing.get(r.code)
        counts.add(part is None)
        if part is None:
            part = Part(code=r.code)
            session.add(part)
        part.name, part.product_code, part.unit_price = r.name, r.product, r.unit_price
    return counts


def export_parts(session: Session, settings: Settings) -> list[dict[str, Any]]:
    """The catalogue as rows."""
    return [
        {"code": p.code, "name": p.name, "product": p.product_code, "unit_price": str(p.unit_price)}
        for p in session.scalars(select(Part).order_by(Part.code))
    ]


@dataclass(frozen=True)
class StockRow:
    """A validated stock row: `location` is `depot:<id>` or `van:<technician id>`."""

    part: str
    place: str
    owner: str
    quantity: int


def _read_stock(row: RowReader) -> StockRow | None:
    part, location = row.need("part", cells.text), row.need("location", cells.text)
    quantity = row.need("quantity", cells.integer)
    row.reference("part", "parts", part)
    if quantity is not None and quantity < 0:
        row.fail("quantity", "must be zero or more")
    place, _, owner = (location or "").partition(":")
    if (location and place not in {"depot", "van"}) or (location and not owner):
        row.fail("location", f"{location!r} is not depot:<depot id> or van:<technician id>")
    elif place == "depot":
        row.reference("location", "depots", owner)
    elif place == "van":
        row.reference("location", "technicians", owner)
    if part is None or location is None or quantity is None:
        return None
    return StockRow(part, place, owner, quantity)


def validate_stock(source: Source, context: Context) -> list[StockRow]:
    """Read a stock file; each (part, location) at most once."""
    return validate_rows(source, context, STOCK_COLUMNS, "location", _read_stock, key=_stock_key)


def _stock_key(row: dict[str, Any]) -> str:
    return f"{cells.text(row.get('part'))} at {cells.text(row.get('location'))}"


def write_stock(session: Session, records: list[StockRow], context: Context) -> Counts:
    """Set stock levels to the file's quantities."""
    counts = Counts()
    parts = {p.code: p for p in session.scalars(select(Part))}
    depots = {d.external_id: d for d in session.scalars(select(Depot))}
    technicians = {t.external_id: t for t in session.scalars(select(Technician))}
    levels = {(s.part_id, s.depot_id, s.technician_id): s for s in session.scalars(select(StockLevel))}
    for r in records:
        part = parts[r.part]
        depot = depots[r.owner] if r.place == "depot" else None
        tech = technicians[r.owner] if r.place == "van" else None
        key = (part.id, depot.id if depot else None, tech.id if tech else None)
        level = levels.get(key)
        counts.add(level is None)
        if level is None:
            level = StockLevel(part=part, depot=depot, technician=tech)
            session.add(level)
            levels[key] = level
        level.quantity = r.quantity
    return counts


def export_stock(session: Session, settings: Settings) -> list[dict[str, Any]]:
    """Stock levels as rows."""
    query = select(StockLevel).options(
        selectinload(StockLevel.part), selectinload(StockLevel.depot), selectinload(StockLevel.technician)
    )
    rows = [
        {
            "part": s.part.code,
            "location": f"depot:{s.depot.external_id}" if s.depot else f"van:{s.technician.external_id}",  # type: ignore[union-attr]
            "quantity": s.quantity,
        }
        for s in session.scalars(query)
    ]
    return sorted(rows, key=lambda r: (r["location"], r["part"]))


PARTS = Kind("parts", PART_COLUMNS, "code", validate_parts, write_parts, export_parts)
STOCK = Kind("stock", STOCK_COLUMNS, "location", validate_stock, write_stock, export_stock)
