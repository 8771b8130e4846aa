"""Phone number normalisation, so that one customer calling from `+86 138-0013-8000` and
`13800138000` is matched to one file.

Normal forms: mobiles as 11 digits `1xxxxxxxxxx`; landlines as `0` + area code + subscriber
number (10 to 12 digits, e.g. `02088881234`).
"""

from __future__ import annotations

import re

from dispatch.errors import InvalidPhone

_SEPARATORS = re.compile(r"[\s\-().·/]")
_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0[1-9]\d{8,10}")
_LOCAL = re.compile(r"[2-9]\d{6,7}")


def normalize_phone(raw: str, default_area_code: str = "020") -> str:
    """Return the normal form of a Chinese mobile or landline number.

    Parameters
    ----------
    raw
        The number as typed: `+86`/`0086` prefixes, spaces, dashes and brackets are allowed.
    default_area_code
        Area code (with its leading 0) given to a 7- or 8-digit local landline number.

    Raises
    ------
    InvalidPhone
        When the digits form neither a mobile nor a landline number.
    """
    digits = _SEPARATORS.sub("", raw.strip())
    international = False
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits, international = digits[len(prefix) :], True
            break
    if not digits.isdigit():
        raise InvalidPhone(f"phone {raw!r}: only digits, spaces, dashes, brackets and +86 are allowed")
    if international and not _MOBILE.fullmatch(digits) and not digits.startswith("0"):
        digits = "0" + digits  # +86 20 ... and +86 10 ... drop the trunk 0 of the area code
    if digits.startswith("01") and _MOBILE.fullmatch(digits[1:]):
        digits = digits[1:]  # a mobile dialled with a long-distance 0 in front
    if _MOBILE.fullmatch(digits):
        return digits
    if _LANDLINE.fullmatch(digits):
        return digits
    if _LOCAL.fullmatch(digits):
        return default_area_code + digits
    raise InvalidPhone(f"phone {raw!r}: not a mobile (11 digits from 1) nor a landline with area code")
