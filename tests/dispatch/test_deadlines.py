"""Target and promise deadlines: elapsed hours from the call, across midnight and time zones."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from dispatch.deadlines import compute_deadlines
from tests.helpers import SHANGHAI, at


def test_late_evening_call_crosses_midnight() -> None:
    """A call at 22:30 has its target at 04:30 and its promise at 22:30 the next day."""
    d = compute_deadlines(at("2026-07-06 22:30"), 6, 24, SHANGHAI)
    assert d.target_at == at("2026-07-07 04:30")
    assert d.promise_at == at("2026-07-07 22:30")
    assert d.target_at.tzinfo == SHANGHAI


def test_call_time_given_in_another_zone_is_the_same_instant() -> None:
    """A call logged in UTC gets the same deadlines, shown in the business timezone."""
    received_utc = datetime(2026, 7, 6, 14, 30, tzinfo=UTC)  # 22:30 in Shanghai
    d = compute_deadlines(received_utc, 6, 24, SHANGHAI)
    assert d.target_at == at("2026-07-07 04:30")
    assert d.target_at.utcoffset() == SHANGHAI.utcoffset(d.target_at)


def test_clock_change_does_not_stretch_the_promise() -> None:
    """In a zone with summer time, 24 h after 22:00 on the eve of the change is 23:00 local."""
    berlin = ZoneInfo("Europe/Berlin")
    received = datetime(2026, 3, 28, 22, 0, tzinfo=berlin)  # clocks go forward at 02:00 on the 29th
    d = compute_deadlines(received, 6, 24, berlin)
    assert d.promise_at.replace(tzinfo=None) == datetime(2026, 3, 29, 23, 0)
    assert d.target_at.replace(tzinfo=None) == datetime(2026, 3, 29, 5, 0)
    # Same-tzinfo subtraction in Python is wall-clock; compare real elapsed time in UTC.
    assert (d.promise_at.astimezone(UTC) - received.astimezone(UTC)).total_seconds() == 24 * 3600


@pytest.mark.parametrize(
    ("target_h", "promise_h", "target", "promise"),
    [
        (4, 12, "2026-07-06 13:00", "2026-07-06 21:00"),
        (6, 24, "2026-07-06 15:00", "2026-07-07 09:00"),
        (1.5, 48, "2026-07-06 10:30", "2026-07-08 09:00"),
    ],
)
def test_hours_are_configurable(target_h: float, promise_h: float, target: str, promise: str) -> None:
    """Other target and promise hours give the matching deadlines."""
    d = compute_deadlines(at("2026-07-06 09:00"), target_h, promise_h, SHANGHAI)
    assert (d.target_at, d.promise_at) == (at(target), at(promise))


def test_naive_call_time_is_refused() -> None:
    """A call time without timezone is an error, not a guess."""
    with pytest.raises(ValueError, match="timezone"):
        compute_deadlines(datetime(2026, 7, 6, 9, 0), 6, 24, SHANGHAI)
