"""Phone normalisation: one customer, however the number is typed."""

from __future__ import annotations

import pytest

from dispatch.errors import InvalidPhone
from dispatch.phones import normalize_phone


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("13800138000", "13800138000"),
        ("+86 138-0013-8000", "13800138000"),
        ("0086 138 0013 8000", "13800138000"),
        ("+8613800138000", "13800138000"),
        ("013800138000", "13800138000"),
        ("020-8888 1234", "02088881234"),
        ("(020) 8888-1234", "02088881234"),
        ("+86 20 8888 1234", "02088881234"),
        ("0755-2345678", "07552345678"),
        ("010 6552 9988", "01065529988"),
        ("+86 10 6552 9988", "01065529988"),
        ("8888 1234", "02088881234"),
    ],
)
def test_normal_form(raw: str, normal: str) -> None:
    """Prefixes, spaces, dashes and brackets go; landlines keep their area code."""
    assert normalize_phone(raw) == normal


def test_local_number_takes_configured_area_code() -> None:
    """A local 8-digit number gets the configured area code."""
    assert normalize_phone("2345 6789", default_area_code="0755") == "075523456789"


@pytest.mark.parametrize("raw", ["", "12345", "1380013800", "138001380001", "abc", "+1 415 555 0100", "00000000000"])
def test_invalid_numbers_are_refused(raw: str) -> None:
    """Anything that is not a Chinese mobile or landline raises InvalidPhone naming the input."""
    with pytest.raises(InvalidPhone):
        normalize_phone(raw)
