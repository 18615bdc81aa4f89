"""Elapsed time between timezone-aware datetimes, safe across daylight-saving changes.

Python subtracts (and adds timedeltas to) datetimes that share a tzinfo by wall-clock time:
with ZoneInfo("Europe/Paris"), 2026-03-28 20:00 -> 2026-03-29 20:00 is 24 h of wall clock but
23 h elapsed. Pharmacokinetics needs elapsed time, so every difference goes through UTC here.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from lutea.errors import InputError


def elapsed_hours(t: datetime, t0: datetime) -> float:
    """Elapsed hours from t0 to t (negative if t is earlier), computed in UTC."""
    return (t.astimezone(UTC) - t0.astimezone(UTC)).total_seconds() / 3600.0


def after_hours(t0: datetime, hours: float) -> datetime:
    """The moment `hours` elapsed hours after t0, expressed in t0's timezone."""
    return (t0.astimezone(UTC) + timedelta(hours=float(hours))).astimezone(t0.tzinfo)


def start_of_day(day: date) -> datetime:
    """00:00 UTC of a calendar date (record dates are UTC days)."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


ISO_DATETIME = "ISO 8601, e.g. 2026-03-06T10:00 or 2026-03-06T10:00+01:00 (no offset means UTC)"
ISO_DATE = "YYYY-MM-DD"


def clock_hour(t: datetime) -> float:
    """Wall-clock hour of a datetime in its own timezone (08:30 -> 8.5).

    Times after it are taken as this clock plus elapsed hours: a daylight-saving change within
    a regimen shifts the time of day by an hour, a small error for a diurnal variation."""
    return t.hour + t.minute / 60.0 + t.second / 3600.0


def parse_datetime(text: str, field: str) -> datetime:
    """An ISO 8601 date-time from a person or a file; without an offset it is read as UTC.

    One rule for every text input (CLI, API forms, regimen 'from', levels, targets), so the
    same clock time means the same moment everywhere.
    """
    cleaned = str(text).strip().replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(cleaned)
    except ValueError:
        raise InputError(field, f"{str(text)[:40]!r} is not a date-time", ISO_DATETIME) from None
    return in_calendar(moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC), field)


EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
"""The moments lutea reads from text: [EARLIEST, LATEST). Year 1 or 9999 overflowed as soon as
a time zone was applied or a day added; no progesterone level or dose lies outside this range."""


def in_calendar(moment: datetime, field: str) -> datetime:
    """The moment, if it lies from EARLIEST to LATEST (in UTC); else an InputError naming the field."""
    try:
        utc = moment.astimezone(UTC)
    except OverflowError:
        utc = EARLIEST - timedelta(days=1)
    if not EARLIEST <= utc < LATEST:
        raise InputError(field, f"{moment.isoformat()[:40]} is out of range", f"a date-time from {EARLIEST.year} to {LATEST.year - 1}")
    return moment


def parse_date(text: str, field: str) -> date:
    """An ISO 8601 calendar date (YYYY-MM-DD)."""
    try:
        day = date.fromisoformat(str(text).strip())
    except ValueError:
        raise InputError(field, f"{str(text)[:40]!r} is not a date", ISO_DATE) from None
    if not EARLIEST.date() <= day < LATEST.date():
        raise InputError(field, f"{day.isoformat()} is out of range", f"a date from {EARLIEST.year} to {LATEST.year - 1}")
    return day
