"""All-or-nothing import of one or several files: validate everything, then write in one transaction."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from dispatch.config import Settings
from dispatch.errors import ImportFailed, RowError
from dispatch.geo import Geocoder
from dispatch.io.catalog import PARTS, STOCK
from dispatch.io.customers import CUSTOMERS, PRODUCTS
from dispatch.io.jobs import JOBS
from dispatch.io.kind import Counts, Kind
from dispatch.io.scenario import validate_scenario, write_scenario
from dispatch.io.sources import KINDS, Source, read_source
from dispatch.io.validation import Context
from dispatch.io.workforce import DEPOTS, TECHNICIANS

TABLE_KINDS: dict[str, Kind] = {k.name: k for k in (DEPOTS, PARTS, TECHNICIANS, CUSTOMERS, PRODUCTS, STOCK, JOBS)}


@dataclass(frozen=True)
class FileResult:
    """What importing one file did."""

    name: str
    kind: str
    created: int
    updated: int


def import_files(
    session: Session,
    files: Sequence[tuple[Path, str | None]],
    settings: Settings,
    geocoder: Geocoder | None = None,
    shift_days: int = 0,
    progress: Callable[[int], None] | None = None,
) -> list[FileResult]:
    """Import `files` (path, kind or None to infer) into `session`; the caller commits.

    Every file is read and checked first; one bad field anywhere and nothing is written.
    `shift_days` moves every date and time in the files (the demo uses it to start the sample today).

    Raises
    ------
    ImportFailed
        With every bad field of every file, as `file:row:field: reason`.
    """
    errors: list[RowError] = []
    sources: list[Source] = []
    for path, kind in files:
        if kind is not None and kind not in KINDS:
            errors.append(RowError(str(path), 0, "kind", f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}"))
            continue
        try:
            sources.append(read_source(path, kind))
        except ImportFailed as failed:
            errors.extend(failed.errors)
    sources.sort(key=lambda s: KINDS.index(s.kind))
    context = Context.load(session, settings, geocoder, shift_days)
    context.errors = errors
    validated = [(source, _validate(source, context)) for source in sources]
    if context.errors:
        raise ImportFailed(context.errors)
    results = []
    for source, records in validated:
        counts = _write(session, source.kind, records, context)
        session.flush()
        results.append(FileResult(source.name, source.kind, counts.created, counts.updated))
        if progress is not None:
            progress(1)
    return results


def _validate(source: Source, context: Context) -> Any:
    if source.kind == "scenario":
        return validate_scenario(source, context)
    return TABLE_KINDS[source.kind].validate(source, context)


def _write(session: Session, kind: str, records: Any, context: Context) -> Counts:
    if kind == "scenario":
        return write_scenario(session, records, context)
    return TABLE_KINDS[kind].write(session, records, context)
