"""Customer files and the products they own, as files: validation, upsert, export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from dispatch.config import Settings
from dispatch.errors import NotFound
from dispatch.geo import locate
from dispatch.io import cells
from dispatch.io.kind import Counts, Kind, existing_by_key, iso, validate_rows
from dispatch.io.sources import Source
from dispatch.io.validation import Context, RowReader
from dispatch.models import Customer, CustomerPhone, OwnedProduct
from dispatch.phones import normalize_phone

CUSTOMER_COLUMNS = ("id", "name", "phones", "address", "district", "lat", "lon", "notes")
PRODUCT_COLUMNS = ("id", "customer", "category", "brand", "model", "serial", "purchase_date", "warranty_end")


@dataclass(frozen=True)
class CustomerRow:
    """A validated customer row, located (exactly, or at its district's centre)."""

    external_id: str
    name: str
    phones: list[str]
    address: str
    district: str
    lat: float
    lon: float
    approximate: bool
    notes: str


def _read_customer(row: RowReader) -> CustomerRow | None:
    external_id, name = row.need("id", cells.text), row.need("name", cells.text)
    area = row.context.settings.default_area_code
    phones = row.need("phones", lambda v: [normalize_phone(str(p), area) for p in cells.items(v)])
    address = row.get("address", cells.text, "") or ""
    district = row.get("district", cells.text, "") or ""
    notes = row.get("notes", cells.text, "") or ""
    location = _read_location(row, address, district)
    if location is None:
        return None
    lat, lon, approximate = location
    if external_id is None or name is None or phones is None:
        return None
    return CustomerRow(external_id, name, list(dict.fromkeys(phones)), address, district, lat, lon, approximate, notes)


def _read_location(row: RowReader, address: str, district: str) -> tuple[float, float, bool] | None:
    """Given coordinates, or (with none given) the geocoder's or the district centre's, flagged approximate."""
    blank = [name for name in ("lat", "lon") if cells.is_blank(row.cells.get(name))]
    if len(blank) == 1:
        row.fail(blank[0], "give both lat and lon, or neither")
        return None
    if not blank:
        lat, lon = row.get("lat", cells.latitude), row.get("lon", cells.longitude)
        return None if lat is None or lon is None else (lat, lon, False)
    try:
        where = locate(row.context.session, address, district, row.context.settings, row.context.geocoder)
    except NotFound as exc:
        row.fail("district", f"no coordinates given and {exc}")
        return None
    return where.lat, where.lon, where.approximate


def validate_customers(source: Source, context: Context) -> list[CustomerRow]:
    """Read a customers file; phones are normalised, a phone error names the `phones` field."""
    records = validate_rows(source, context, CUSTOMER_COLUMNS, "id", _read_customer)
    context.known["customers"].update(r.external_id for r in records)
    return records


def write_customers(session: Session, records: list[CustomerRow], context: Context) -> Counts:
    """Create or update customer files; their phone list is replaced by the file's."""
    counts = Counts()
    existing = existing_by_key(session, Customer, "external_id", [r.external_id for r in records])
    now = datetime.now(UTC)
    for r in records:
        customer = existing.get(r.external_id)
        counts.add(customer is None)
        if customer is None:
            customer = Customer(external_id=r.external_id, created_at=now)
            session.add(customer)
        customer.name, customer.address, customer.district, customer.notes = (
            r.name,
            r.address,
            r.district,
            r.notes,
        )
        customer.lat, customer.lon, customer.location_approximate = r.lat, r.lon, r.approximate
        replace_phones(customer, r.phones)
    return counts


def replace_phones(customer: Customer, numbers: list[str]) -> None:
    """Make the customer's phones exactly `numbers`, keeping rows that stay."""
    by_number = {p.number: p for p in customer.phones}
    customer.phones = [by_number.get(n) or CustomerPhone(number=n) for n in numbers]
    for position, phone in enumerate(customer.phones):
        phone.position = position


def export_customers(session: Session, settings: Settings) -> list[dict[str, Any]]:
    """Every customer file as a row."""
    query = select(Customer).options(selectinload(Customer.phones)).order_by(Customer.external_id)
    return [
        {
            "id": c.external_id,
            "name": c.name,
            "phones": c.phone_numbers(),
            "address": c.address,
            "district": c.district,
            # An approximate location is the district centre: exporting it would pass it off as exact.
            "lat": None if c.location_approximate else c.lat,
            "lon": None if c.location_approximate else c.lon,
            "notes": c.notes,
        }
        for c in session.scalars(query)
    ]


@dataclass(frozen=True)
class ProductRow:
    """A validated owned-product row."""

    external_id: str
    customer: str
    category: str
    brand: str
    model: str
    serial: str
    purchase_date: date | None
    warranty_end: date | None


def _read_product(row: RowReader) -> ProductRow | None:
    external_id, customer = row.need("id", cells.text), row.need("customer", cells.text)
    category = row.need("category", cells.text)
    row.reference("customer", "customers", customer)
    row.vocabulary("category", category)
    purchased, warranty_end = (
        row.get("purchase_date", row.context.day),
        row.get("warranty_end", row.context.day),
    )
    if purchased and warranty_end and warranty_end < purchased:
        row.fail("warranty_end", "is before the purchase date")
    brand, model = row.get("brand", cells.text, "") or "", row.get("model", cells.text, "") or ""
    serial = row.get("serial", cells.text, "") or ""
    if external_id is None or customer is None or category is None:
        return None
    return ProductRow(external_id, customer, category, brand, model, serial, purchased, warranty_end)


def validate_products(source: Source, context: Context) -> list[ProductRow]:
    """Read a file of products owned by customers."""
    records = validate_rows(source, context, PRODUCT_COLUMNS, "id", _read_product)
    context.known["products"].update(r.external_id for r in records)
    context.owners.update({r.external_id: r.customer for r in records})
    return records


def write_products(session: Session, records: list[ProductRow], context: Context) -> Counts:
    """Create or update owned products."""
    counts = Counts()
    customers = existing_by_key(session, Customer, "external_id", sorted({r.customer for r in records}))
    existing = existing_by_key(session, OwnedProduct, "external_id", [r.external_id for r in records])
    for r in records:
        product = existing.get(r.external_id)
        counts.add(product is None)
        if product is None:
            product = OwnedProduct(external_id=r.external_id)
            session.add(product)
        product.customer = customers[r.customer]
        product.product_code, product.brand, product.model, product.serial = (
            r.category,
            r.brand,
            r.model,
            r.serial,
        )
        product.purchase_date, product.warranty_end = r.purchase_date, r.warranty_end
    return counts


def export_products(session: Session, settings: Settings) -> list[dict[str, Any]]:
    """Every owned product as a row."""
    query = select(OwnedProduct).options(selectinload(OwnedProduct.customer)).order_by(OwnedProduct.external_id)
    return [
        {
            "id": p.external_id,
            "customer": p.customer.external_id,
            "category": p.product_code,
            "brand": p.brand,
            "model": p.model,
            "serial": p.serial,
            "purchase_date": iso(p.purchase_date),
            "warranty_end": iso(p.warranty_end),
        }
        for p in session.scalars(query)
    ]


CUSTOMERS = Kind("customers", CUSTOMER_COLUMNS, "id", validate_customers, write_customers, export_customers)
PRODUCTS = Kind("products", PRODUCT_COLUMNS, "id", validate_products, write_products, export_products)
