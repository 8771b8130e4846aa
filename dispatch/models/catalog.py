"""Open vocabularies (products, job types) and the part catalogue with its stock."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dispatch.models.base import Base

if TYPE_CHECKING:
    from dispatch.models.workforce import Depot, Technician


class ProductKind(Base):
    """A product category the centre services, e.g. `air_conditioner`."""

    __tablename__ = "product_kind"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(80))


class JobType(Base):
    """A kind of job, e.g. `repair`; technicians are certified per product and job type."""

    __tablename__ = "job_type"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(80))


class Part(Base):
    """A spare part of the catalogue."""

    __tablename__ = "part"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    product_code: Mapped[str | None] = mapped_column(ForeignKey("product_kind.code"))
    unit_price: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal("0"))


class StockLevel(Base):
    """How many of a part one depot or one technician's van holds (exactly one of the two)."""

    __tablename__ = "stock_level"
    __table_args__ = (
        CheckConstraint("(depot_id IS NULL) <> (technician_id IS NULL)", name="one_location"),
        CheckConstraint("quantity >= 0", name="not_negative"),
        UniqueConstraint("part_id", "depot_id", "technician_id", name="uq_stock_level_location"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("part.id"), index=True)
    depot_id: Mapped[int | None] = mapped_column(ForeignKey("depot.id"))
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("technician.id"))
    quantity: Mapped[int] = mapped_column(default=0)

    part: Mapped[Part] = relationship()
    depot: Mapped[Depot | None] = relationship()
    technician: Mapped[Technician | None] = relationship()
