"""Parsers of single cells of import files; each raises ValueError with a reason a person can act on.

CSV cells arrive as strings; JSON cells may already be numbers, booleans or lists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
LIST_SEPARATOR = ";"


def is_blank(value: Any) -> bool:
    """Whether a cell is empty (missing, null or only spaces)."""
    return value is None or (isinstance(value, str) and not value.strip())


def text(value: Any) -> str:
    """A trimmed string."""
    if isinstance(value, dict | list):
        raise ValueError("expected text")
    return "" if value is None else str(value).strip()


def items(value: Any) -> list[Any]:
    """A list cell: a JSON list, or a CSV string separated by `;`."""
    if is_blank(value):
        return []
    if isinstance(value, list):
        return [v.strip() if isinstance(v, str) else v for v in value if not is_blank(v)]
    if isinstance(value, str):
        return [part.strip() for part in value.split(LIST_SEPARATOR) if part.strip()]
    raise ValueError(f"expected a list or a {LIST_SEPARATOR!r}-separated text")


def number(value: Any) -> float:
    """A real number."""
    if isinstance(value, bool):
        raise ValueError("expected a number")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{value!r} is not a number") from None


def integer(value: Any) -> int:
    """A whole number."""
    result = number(value)
    if not result.is_integer():
        raise ValueError(f"{value!r} is not a whole number")
    return int(result)


def positive_integer(value: Any) -> int:
    """A whole number above zero."""
    result = integer(value)
    if result <= 0:
        raise ValueError(f"{value!r} must be above zero")
    return result


def latitude(value: Any) -> float:
    """A WGS84 latitude in degrees."""
    result = number(value)
    if not -90 <= result <= 90:
        raise ValueError(f"{value!r} is outside -90..90")
    return result


def longitude(value: Any) -> float:
    """A WGS84 longitude in degrees."""
    result = number(value)
    if not -180 <= result <= 180:
        raise ValueError(f"{value!r} is outside -180..180")
    return result


def boolean(value: Any) -> bool:
    """true/false, yes/no, 1/0 (any case)."""
    if isinstance(value, bool):
        return value
    lowered = text(value).lower()
    if lowered in {"true", "yes", "1", "y"}:
        return True
    if lowered in {"false", "no", "0", "n"}:
        return False
    raise ValueError(f"{value!r} is not true or false")


def day(value: Any) -> date:
    """An ISO date, YYYY-MM-DD."""
    try:
        return date.fromisoformat(text(value))
    except ValueError:
        raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def moment(value: Any, tz: ZoneInfo) -> datetime:
    """An ISO 8601 date and time; without an offset it is read in the business timezone."""
    try:
        parsed = datetime.fromisoformat(text(value))
    except ValueError:
        raise ValueError(f"{value!r} is not a date and time (ISO 8601)") from None
    return parsed.replace(tzinfo=tz) if parsed.tzinfo is None else parsed


def clock(value: str) -> time:
    """A time of day, HH:MM."""
    try:
        return time.fromisoformat(value if len(value) > 4 else "0" + value)
    except ValueError:
        raise ValueError(f"{value!r} is not a time of day (HH:MM)") from None


def skill(value: Any) -> tuple[str, str]:
    """A certification `<product>:<job_type>`."""
    product, sep, job_type = text(value).partition(":")
    if not sep or not product or not job_type:
        raise ValueError(f"{value!r} is not <product>:<job_type>")
    return product, job_type


@dataclass(frozen=True)
class WeeklyShiftSpec:
    """One weekday's usual hours."""

    weekday: int
    start: time
    end: time
    break_earliest: time | None
    break_latest: time | None
    break_minutes: int


_SHIFT = re.compile(
    r"(?P<days>[a-z,\-]+)\s+(?P<start>\d{1,2}:\d{2})-(?P<end>\d{1,2}:\d{2})"
    r"(?:\s+break\s+(?P<earliest>\d{1,2}:\d{2})-(?P<latest>\d{1,2}:\d{2})\s+(?P<minutes>\d+)m?)?"
)


def weekly_shifts(value: Any) -> list[WeeklyShiftSpec]:
    """Entries like `mon-fri 08:00-18:00 break 11:30-13:30 45m`; each weekday at most once."""
    specs: list[WeeklyShiftSpec] = []
    for entry in items(value):
        match = _SHIFT.fullmatch(text(entry).lower())
        if match is None:
            raise ValueError(f"{entry!r} is not 'DAYS HH:MM-HH:MM [break HH:MM-HH:MM MINUTESm]'")
        has_break = match["earliest"] is not None
        for weekday in weekdays(match["days"]):
            specs.append(
                WeeklyShiftSpec(
                    weekday=weekday,
                    start=clock(match["start"]),
                    end=clock(match["end"]),
                    break_earliest=clock(match["earliest"]) if has_break else None,
                    break_latest=clock(match["latest"]) if has_break else None,
                    break_minutes=int(match["minutes"]) if has_break else 0,
                )
            )
    seen = [s.weekday for s in specs]
    duplicated = sorted({WEEKDAYS[d] for d in seen if seen.count(d) > 1})
    if duplicated:
        raise ValueError(f"{', '.join(duplicated)} given more than once")
    return specs


def weekdays(spec: str) -> list[int]:
    """`mon-fri`, `sat,sun` or `mon,wed-fri` as weekday numbers (0 = Monday)."""
    result: list[int] = []
    for piece in spec.split(","):
        first, _, last = piece.partition("-")
        if first not in WEEKDAYS or (last and last not in WEEKDAYS):
            raise ValueError(f"{piece!r} is not a weekday or range of weekdays (mon..sun)")
        lo, hi = WEEKDAYS.index(first), WEEKDAYS.index(last or first)
        if hi < lo:
            raise ValueError(f"{piece!r} runs backwards")
        result.extend(range(lo, hi + 1))
    return result


@dataclass(frozen=True)
class AbsenceSpec:
    """Days off from `first_day` to `last_day` inclusive."""

    first_day: date
    last_day: date
    reason: str


def absences(value: Any) -> list[AbsenceSpec]:
    """Entries like `2026-07-10` or `2026-07-10..2026-07-12 annual leave`."""
    result = []
    for entry in items(value):
        span, _, reason = text(entry).partition(" ")
        first, _, last = span.partition("..")
        spec = AbsenceSpec(day(first), day(last or first), reason.strip())
        if spec.last_day < spec.first_day:
            raise ValueError(f"{entry!r} ends before it starts")
        result.append(spec)
    return result


def part_quantities(value: Any) -> list[tuple[str, int]]:
    """Entries like `P-AC-CAP*2` or `P-AC-CAP` (one), or JSON objects {part, quantity}."""
    result = []
    for entry in items(value):
        if isinstance(entry, dict):
            code, quantity = text(entry.get("part")), positive_integer(entry.get("quantity", 1))
        else:
            code, _, count = text(entry).partition("*")
            quantity = positive_integer(count) if count else 1
        if not code:
            raise ValueError(f"{entry!r} names no part")
        result.append((code.strip(), quantity))
    return result
