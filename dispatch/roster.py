"""Who works when: a technician's shift on a day, from dated shifts, the weekly pattern,
absences, and the country's public holidays and swapped working days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

from dispatch.models import Technician, WeeklyShift


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
    if not technician.active or _absent(technician, day):
        return None
    dated = [s for s in technician.shifts if s.start.astimezone(tz).date() == day]
    if dated:
        s = dated[0]
        return ShiftSpan(s.start, s.end, s.break_earliest, s.break_latest, s.break_minutes)
    if is_public_holiday(day, country):
        return None
    pattern = {w.weekday: w for w in technician.weekly_shifts}
    usual = pattern.get(day.weekday())
    if usual is None and is_swapped_working_day(day, country):
        usual = next((pattern[d] for d in range(5) if d in pattern), None)
    return None if usual is None else _on_day(usual, day, tz)


def _absent(technician: Technician, day: date) -> bool:
    return any(a.first_day <= day <= a.last_day for a in technician.absences)


def _on_day(pattern: WeeklyShift, day: date, tz: ZoneInfo) -> ShiftSpan:
    def at(clock: time | None) -> datetime | None:
        return None if clock is None else datetime.combine(day, clock, tzinfo=tz)

    start, end = at(pattern.start), at(pattern.end)
    assert start is not None and end is not None
    if end <= start:  # a night shift ends the next morning
        end += timedelta(days=1)
    return ShiftSpan(start, end, at(pattern.break_earliest), at(pattern.break_latest), pattern.break_minutes)
