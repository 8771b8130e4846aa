"""Shifts on a day: weekly pattern, absences, dated shifts, public holidays and swapped working days."""

from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy.orm import Session, sessionmaker

from dispatch.models import Absence, Shift, WeeklyShift
from dispatch.roster import is_public_holiday, is_swapped_working_day, shift_on
from tests.helpers import SHANGHAI, add_technician, at


def test_weekly_pattern_gives_the_day_with_its_break(sessions: sessionmaker[Session]) -> None:
    """A Monday of a Monday-to-Friday technician: 08:00-18:00, break 11:30-13:30 for 45 min."""
    with sessions() as session:
        span = shift_on(add_technician(session), date(2026, 7, 6), "CN", SHANGHAI)
    assert span is not None
    assert (span.start, span.end) == (at("2026-07-06 08:00"), at("2026-07-06 18:00"))
    assert (span.break_earliest, span.break_latest, span.break_minutes) == (
        at("2026-07-06 11:30"),
        at("2026-07-06 13:30"),
        45,
    )


def test_weekend_is_off(sessions: sessionmaker[Session]) -> None:
    """No pattern on Saturday, no shift."""
    with sessions() as session:
        assert shift_on(add_technician(session), date(2026, 7, 11), "CN", SHANGHAI) is None


@pytest.mark.parametrize("holiday", [date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 5), date(2026, 10, 7)])
def test_public_holidays_are_off(sessions: sessionmaker[Session], holiday: date) -> None:
    """National Day week (weekdays included) is no working day."""
    assert is_public_holiday(holiday, "CN")
    with sessions() as session:
        assert shift_on(add_technician(session), holiday, "CN", SHANGHAI) is None


def test_swapped_saturday_is_worked_with_weekday_hours(sessions: sessionmaker[Session]) -> None:
    """Saturday 2026-10-10 is a working day that makes up for National Day."""
    assert is_swapped_working_day(date(2026, 10, 10), "CN")
    assert not is_swapped_working_day(date(2026, 10, 17), "CN")
    with sessions() as session:
        span = shift_on(add_technician(session), date(2026, 10, 10), "CN", SHANGHAI)
    assert span is not None and span.start == at("2026-10-10 08:00")


def test_other_country_has_other_holidays(sessions: sessionmaker[Session]) -> None:
    """The holiday calendar follows the configured country."""
    with sessions() as session:
        tech = add_technician(session)
        assert shift_on(tech, date(2026, 10, 1), "GB", SHANGHAI) is not None
        assert shift_on(tech, date(2026, 12, 25), "GB", SHANGHAI) is None


def test_absence_wins(sessions: sessionmaker[Session]) -> None:
    """A day inside an absence has no shift, even with a dated shift."""
    with sessions() as session:
        tech = add_technician(session)
        tech.absences.append(Absence(first_day=date(2026, 7, 6), last_day=date(2026, 7, 8), reason="年假"))
        tech.shifts.append(Shift(start=at("2026-07-07 09:00"), end=at("2026-07-07 17:00")))
        assert shift_on(tech, date(2026, 7, 7), "CN", SHANGHAI) is None
        assert shift_on(tech, date(2026, 7, 9), "CN", SHANGHAI) is not None


def test_dated_shift_overrides_pattern_and_holiday(sessions: sessionmaker[Session]) -> None:
    """A rostered shift on a holiday is worked at its own hours."""
    with sessions() as session:
        tech = add_technician(session)
        tech.shifts.append(Shift(start=at("2026-10-01 10:00"), end=at("2026-10-01 16:00"), break_minutes=0))
        span = shift_on(tech, date(2026, 10, 1), "CN", SHANGHAI)
    assert span is not None and (span.start, span.end) == (at("2026-10-01 10:00"), at("2026-10-01 16:00"))


def test_night_shift_ends_next_morning(sessions: sessionmaker[Session]) -> None:
    """An end before the start means the next day."""
    with sessions() as session:
        tech = add_technician(session)
        tech.weekly_shifts[0] = WeeklyShift(weekday=0, start=time(20), end=time(4), break_minutes=0)
        span = shift_on(tech, date(2026, 7, 6), "CN", SHANGHAI)
    assert span is not None and span.end == at("2026-07-07 04:00")


def test_inactive_technician_never_works(sessions: sessionmaker[Session]) -> None:
    """An inactive technician has no shift."""
    with sessions() as session:
        tech = add_technician(session)
        tech.active = False
        assert shift_on(tech, date(2026, 7, 6), "CN", SHANGHAI) is None
