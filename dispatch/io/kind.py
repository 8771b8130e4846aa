"""What every importable kind provides: columns, a validator, a writer and an exporter."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.config import Settings
from dispatch.io.sources import Source
from dispatch.io.validation import Context, RowReader, check_columns, check_unique_ids

R = TypeVar("R")


@dataclass
class Counts:
    """Records created and updated by one import."""

    created: int = 0
    updated: int = 0

    def add(self, created: bool) -> None:
        """Count one record written."""
        if created:
            self.created += 1
        else:
            self.updated += 1


@dataclass(frozen=True)
class Kind:
    """One kind of file."""

    name: str
    columns: tuple[str, ...]
    id_field: str
    validate: Callable[[Source, Context], list[Any]]
    write: Callable[[Session, list[Any], Context], Counts]
    export: Callable[[Session, Settings], list[dict[str, Any]]]


def validate_rows(
    source: Source,
    context: Context,
    columns: tuple[str, ...],
    id_field: str,
    read_row: Callable[[RowReader], R | None],
    key: Callable[[dict[str, Any]], str] | None = None,
) -> list[R]:
    """Check columns and id uniqueness, then read every row; rows with errors yield nothing."""
    check_columns(source.name, source.rows, columns, context)
    check_unique_ids(source.name, source.rows, id_field, context, key)
    records = []
    for number, cells in source.rows:
        reader = RowReader(source.name, number, cells, context)
        record = read_row(reader)
        if record is not None and not reader.failed:
            records.append(record)
    return records


def existing_by_key(session: Session, model: type[Any], key: str, wanted: list[str]) -> dict[str, Any]:
    """Stored records of `model` whose `key` column is in `wanted`."""
    if not wanted:
        return {}
    column = getattr(model, key)
    found: dict[str, Any] = {}
    for start in range(0, len(wanted), 500):  # stay under SQLite's bound-parameter limit
        chunk = wanted[start : start + 500]
        found.update({getattr(row, key): row for row in session.scalars(select(model).where(column.in_(chunk)))})
    return found


def iso(value: Any) -> str | None:
    """An ISO 8601 text for a date or datetime, None for None."""
    return None if value is None else value.isoformat()
