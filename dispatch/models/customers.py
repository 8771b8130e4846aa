"""The customer file: contact, address and location, phones, products owned."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dispatch.models.base import Base


class Customer(Base):
    """A customer file; jobs and visits hang off it to form the customer's history."""

    __tablename__ = "customer"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(300), default="")
    district: Mapped[str] = mapped_column(String(80), default="", index=True)
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    # True when the location is a district centre rather than the address itself.
    location_approximate: Mapped[bool] = mapped_column(default=False)
    notes: Mapped[str] = mapped_column(Text, default="")
    # Where e-mailed notices go (empty: none); the server default fills the rows older than the column.
    email: Mapped[str] = mapped_column(String(200), default="", server_default="")
    created_at: Mapped[datetime]

    phones: Mapped[list[CustomerPhone]] = relationship(cascade="all, delete-orphan", order_by="CustomerPhone.position")
    products: Mapped[list[OwnedProduct]] = relationship(
        back_populates="customer", cascade="all, delete-orphan", order_by="OwnedProduct.id"
    )

    def phone_numbers(self) -> list[str]:
        """Normalised numbers, main number first."""
        return [p.number for p in self.phones]


class CustomerPhone(Base):
    """One normalised phone number of a customer (mobile `1xxxxxxxxxx` or landline `0<area><number>`)."""

    __tablename__ = "customer_phone"
    __table_args__ = (UniqueConstraint("customer_id", "number", name="uq_customer_phone"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(20), index=True)
    position: Mapped[int] = mapped_column(default=0)


class OwnedProduct(Base):
    """An appliance a customer owns."""

    __tablename__ = "owned_product"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(120), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"), index=True)
    product_code: Mapped[str] = mapped_column(ForeignKey("product_kind.code"))
    brand: Mapped[str] = mapped_column(String(80), default="")
    model: Mapped[str] = mapped_column(String(80), default="")
    serial: Mapped[str] = mapped_column(String(80), default="", index=True)
    purchase_date: Mapped[date | None]
    warranty_end: Mapped[date | None]

    customer: Mapped[Customer] = relationship(back_populates="products")
