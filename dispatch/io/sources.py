"""Reading import files: CSV or JSON, rows numbered as the error format promises, kind inferred."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dispatch.errors import ImportFailed, RowError

SCENARIO_FORMAT = "dispatch-scenario/1"
# Import order: a kind may refer only to kinds before it (a scenario brings its own depots,
# technicians and customers, which history files may refer to).
KINDS = ("scenario", "depots", "parts", "technicians", "customers", "products", "stock", "jobs")
# A column only one kind has, checked in this order, tells the kind of a file.
TELLING_COLUMNS = (
    ("received_at", "jobs"),
    ("skills", "technicians"),
    ("phones", "customers"),
    ("depot", "technicians"),
    ("location", "stock"),
    ("category", "products"),
    ("code", "parts"),
    ("lat", "depots"),
)


@dataclass
class Source:
    """One input file: its rows as (row number, cells), or the whole document for a scenario.

    Row numbers are CSV line numbers (the header is row 1) or 1-based positions in a JSON list.
    """

    name: str
    kind: str
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    document: dict[str, Any] = field(default_factory=dict)


def read_source(path: Path, kind: str | None = None) -> Source:
    """Read `path` as the given kind, or the kind its content shows.

    Raises
    ------
    ImportFailed
        When the file cannot be read, parsed, or its kind told.
    """
    name = str(path)
    try:
        content = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportFailed([RowError(name, 0, "file", f"cannot read: {exc}")]) from exc
    if path.suffix.lower() == ".json":
        return _json_source(name, content, kind)
    return _csv_source(name, content, kind)


def _csv_source(name: str, content: str, kind: str | None) -> Source:
    reader = csv.DictReader(content.splitlines(keepends=True))
    header = [h.strip() for h in reader.fieldnames or []]
    if not header:
        raise ImportFailed([RowError(name, 1, "header", "the file has no header row")])
    reader.fieldnames = header
    rows = []
    for cells in reader:
        if None in cells:  # more cells than the header names
            raise ImportFailed([RowError(name, reader.line_num, "row", "more cells than header columns")])
        rows.append((reader.line_num, {k: v for k, v in cells.items() if v is not None}))
    return Source(name, kind or _infer(name, set(header)), rows=rows)


def _json_source(name: str, content: str, kind: str | None) -> Source:
    try:
        document = json.loads(content)
    except json.JSONDecodeError as exc:
        raise ImportFailed([RowError(name, exc.lineno, "json", exc.msg)]) from exc
    if isinstance(document, dict) and document.get("format") == SCENARIO_FORMAT:
        return Source(name, kind or "scenario", document=document)
    if isinstance(document, dict):
        kind = kind or document.get("kind")
        if kind is not None and kind not in KINDS:
            raise ImportFailed(
                [RowError(name, 0, "kind", f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")]
            )
        document = document.get("items", [])
    if not isinstance(document, list) or not all(isinstance(item, dict) for item in document):
        raise ImportFailed([RowError(name, 0, "items", "expected a list of objects, or {kind, items}")])
    rows = [(number, item) for number, item in enumerate(document, start=1)]
    columns = set(document[0]) if document else set()
    return Source(name, kind or _infer(name, columns), rows=rows)


def _infer(name: str, columns: set[str]) -> str:
    for column, kind in TELLING_COLUMNS:
        if column in columns:
            return kind
    raise ImportFailed([RowError(name, 1, "kind", "cannot tell the kind of file from its columns; pass --kind")])
