"""Text forms of measurement and context fields, as typed on the command line or read from a
file, parsed with errors that name the field. The CLI and the batch path read rows the same way
through these functions; a missing field (None) stays None.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime

from lutea.errors import InputError
from lutea.timeline import parse_date, parse_datetime


def parse_number(text: str | None, field: str, *, integer: bool = False) -> float | int | None:
    """A number (or a whole number with integer=True)."""
    if text is None:
        return None
    kind = "a whole number" if integer else "a number"
    try:
        number = int(text) if integer else float(text)
    except ValueError:
        raise InputError(field, f"{text[:40]!r} is not {kind}", kind) from None
    if not math.isfinite(number):  # 'nan', 'inf', '1e309'
        raise InputError(field, f"{text[:40]!r} is not a finite number", kind)
    return number


def parse_day(text: str | None, field: str) -> date | None:
    """A calendar date (YYYY-MM-DD)."""
    return None if text is None else parse_date(text, field)


def parse_moment(text: str | None, field: str) -> date | datetime | None:
    """A date, or a date-time (no offset means UTC)."""
    if text is None:
        return None
    if "T" not in text and " " not in text.strip():
        return parse_day(text, field)
    return parse_datetime(text, field)


def parse_gestational_days(text: str | None, field: str) -> int | None:
    """Gestational age in days, from W+D (7+2) or weeks (7.3)."""
    if text is None:
        return None
    match = re.fullmatch(r"\s*(\d+)\s*\+\s*(\d)\s*", text)
    if match:
        return int(match[1]) * 7 + int(match[2])
    return round(parse_number(text, field) * 7)
