"""Values of the request that several views read the same way."""

from __future__ import annotations

from datetime import date

from flask import abort, request


def day_arg(name: str) -> date | None:
    """The ISO date in the request's value `name` (query string or form); None when absent or empty.

    A malformed date ends the request with 400, naming the field."""
    raw = request.values.get(name, "")
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        abort(400, description=f"{name}: {raw!r} is not a date like 2026-07-06")
