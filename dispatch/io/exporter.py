"""Export of every table kind as CSV or JSON, in exactly the form the importer reads back."""

from __future__ import annotations

import csv
import json
from typing import Any, TextIO

from sqlalchemy.orm import Session

from dispatch.config import Settings
from dispatch.io.cells import LIST_SEPARATOR
from dispatch.io.importer import TABLE_KINDS


def export_rows(session: Session, kind: str, settings: Settings) -> list[dict[str, Any]]:
    """The rows of `kind`, list cells as lists, times in the business timezone."""
    return TABLE_KINDS[kind].export(session, settings)


def write_json(kind: str, rows: list[dict[str, Any]], out: TextIO) -> None:
    """Write `{"kind": ..., "items": [...]}`."""
    json.dump({"kind": kind, "items": rows}, out, ensure_ascii=False, indent=1)
    out.write("\n")


def write_csv(kind: str, rows: list[dict[str, Any]], out: TextIO) -> None:
    """Write a header of the kind's columns, then one line per row; list cells joined by `;`.

    Visits do not fit a CSV row; they are exported in JSON only.
    """
    columns = TABLE_KINDS[kind].columns
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in columns])


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return LIST_SEPARATOR.join(str(v) for v in value)
    return str(value)
