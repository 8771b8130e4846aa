"""Who works when: a technician's shift on a day, from dated shifts, the weekly pattern,
absences, and the country's public holidays and swapped working days."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

import holidays

from dispatch.models import Shift, Technician


@dataclass(frozen=True)
class ShiftSpan:
    """One day's working hours with its break window, as aware datetimes."""

    start: datetime
    end: datetime
    break_earliest: datetime | None
    break_latest: datetime | None
    break_minutes: int


@cache
def _calendar(country: str) -> holidays.HolidayBase:
    return holidays.country_holidays(country)


def is_public_holiday(day: date, country: str) -> bool:
    """Whether `day` is a statutory day off (including days off moved by a swap)."""
    return day in _calendar(country)


def is_swapped_working_day(day: date, country: str) -> bool:
    """Whether `day` is a weekend day made a working day to bridge a holiday (调休)."""
    calendar = _calendar(country)
    calendar.get(day)  # populates the year, and with it the year's swapped days
    return day in getattr(calendar, "weekend_workdays", set())


def is_working_day(day: date, country: str) -> bool:
    """Whether offices work on `day`: a weekday that is no holiday, or a swapped working day."""
    return bool(_calendar(country).is_working_day(day))


def shift_on(technician: Technician, day: date, country: str, tz: ZoneInfo) -> ShiftSpan | None:
    """The technician's shift on `day`, or None for a day off.

    A dated shift (e.g. from a scenario's roster) wins over everything but an absence. Else the
    weekly pattern applies, except on public holidays; on a swapped working day that falls on a
    weekend the technician works, with the hours of its first weekday shift if it has none that day.
    """
    return shifts_over(technician, (day,), country, tz).get(day)


def shifts_over(technician: Technician, days: Iterable[date], country: str, tz: ZoneInfo) -> dict[date, ShiftSpan]:
    """`shift_on` for each of `days`, days off left out. The technician's dated shifts and weekly
    pattern are read once, not once per day: the dashboard asks for every technician's whole quarter."""
    if not technician.active:
        return {}
    dated: dict[date, Shift] = {}
    for shift in technician.shifts:
        dated.setdefault(shift.start.astimezone(tz).date(), shift)  # the first listed wins
    pattern = {
        w.weekday: (w.start, w.end, w.break_earliest, w.break_latest, w.break_minutes) for w in technician.weekly_shifts
    }
    spans = {}
    for day in days:
        span = None if _absent(technician, day) else _span_on(day, dated, pattern, country, tz)
        if span is not None:
            spans[day] = span
    return spans


# A weekly shift's hours: start, end, break earliest, break latest, break minutes.
Hours = tuple[time, time, time | None, time | None, int]


def _span_on(
    day: date, dated: dict[date, Shift], pattern: dict[int, Hours], country: str, tz: ZoneInfo
) -> ShiftSpan | None:
    s = dated.get(day)
    if s is not None:
        return ShiftSpan(s.start, s.end, s.break_earliest, s.break_latest, s.break_minutes)
    holiday, swapped = _day_kind(day, country)
    if holiday:
        return None
    usual = pattern.get(day.weekday())
    if usual is None and swapped:
        usual = next((pattern[d] for d in range(5) if d in pattern), None)
    return None if usual is None else _on_day(*usual, day, tz)


@lru_cache(maxsize=4096)
def _day_kind(day: date, country: str) -> tuple[bool, bool]:
    """Whether `day` is a public holiday, and whether a swapped working day (the calendar is fixed:
    asked once per day, not once per technician and day)."""
    return is_public_holiday(day, country), is_swapped_working_day(day, country)


def _absent(technician: Technician, day: date) -> bool:
    return any(a.first_day <= day <= a.last_day for a in technician.absences)


# Technicians mostly share a few weekly patterns: one span per pattern and day serves them all
# (ShiftSpan is immutable, so sharing it is safe).
@lru_cache(maxsize=8192)
def _on_day(
    start: time,
    end: time,
    break_earliest: time | None,
    break_latest: time | None,
    break_minutes: int,
    day: date,
    tz: ZoneInfo,
) -> ShiftSpan:
    def at(clock: time | None) -> datetime | None:
        return None if clock is None else datetime.combine(day, clock, tzinfo=tz)

    begins, ends = datetime.combine(day, start, tzinfo=tz), datetime.combine(day, end, tzinfo=tz)
    if ends <= begins:  # a night shift ends the next morning
        ends += timedelta(days=1)
    return ShiftSpan(begins, ends, at(break_earliest), at(break_latest), break_minutes)
