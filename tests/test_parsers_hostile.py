"""Property tests of the core's text parsers with hostile input (issue 15): units, the regimen
language, the target and level languages, and ISO times. Each returns a value within its limits
or raises InputError naming its field; no other exception escapes."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from hostile_values import EDGE_TIMES, HOSTILE, ODD_TEXT, TEXT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lutea.errors import InputError
from lutea.fields import parse_gestational_days, parse_number
from lutea.individualise import parse_target
from lutea.individualise.target import parse_level
from lutea.pk.regimen import parse_regimen
from lutea.timeline import EARLIEST, LATEST, parse_datetime
from lutea.units import Specimen, to_canonical

FAST = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example])
UNITS = st.one_of(st.sampled_from(["ng/mL", "nmol/L", "pg/mL", "pmol/L", "ug/mL", "µg/mL"]), ODD_TEXT, TEXT,
                  st.sampled_from(["ng/mL", "nmol/L"]).flatmap(lambda u: st.sampled_from([u + "\n", " " + u, u + "🙂", u + "\x00"])))


@FAST
@given(value=HOSTILE, unit=UNITS, specimen=st.sampled_from(list(Specimen)))
def test_a_unit_is_read_strictly_and_a_value_is_finite(value, unit, specimen) -> None:
    try:
        canonical = to_canonical(value, unit, specimen)
    except InputError as exc:
        assert exc.field in ("value", "unit")
        return
    assert math.isfinite(canonical) and canonical >= 0
    assert unit.strip() == unit and unit.isprintable() and all(c.isascii() or c in "µμ" for c in unit)


REGIMEN_PIECES = st.one_of(
    st.sampled_from(["400 mg vaginal q12h", "Cyclogest 400 mg vaginal q12h x 14d", "50 mg im daily", "200 mg oral at bedtime"]),
    st.builds(lambda t: f"400 mg vaginal q12h from {t}", EDGE_TIMES),
    st.builds(lambda n: f"{n} mg oral daily", st.sampled_from(["NaN", "inf", "1e309", "-5", "0", "1e400", "99999"])),
    st.builds(lambda d: f'[{{"time": "2026-01-05T08:00:00Z", "dose_mg": {d}, "route": "oral"}}]',
              st.sampled_from(["NaN", "Infinity", "-1", "1e309", '"x"', "null"])),
    ODD_TEXT, TEXT,
)


@FAST
@given(text=REGIMEN_PIECES)
def test_a_regimen_reads_or_names_its_problem(text) -> None:
    start = datetime(2026, 1, 5, 8, tzinfo=UTC)
    try:
        events = parse_regimen(text, default_start=start).dose_events(start, start + timedelta(days=2))
    except InputError:
        return
    for e in events:
        assert math.isfinite(e.dose_mg) and e.dose_mg > 0
        assert EARLIEST <= e.time < LATEST


@FAST
@given(text=st.one_of(
    st.builds(lambda t, n: f"trough >= {n} ng/mL at {t}", EDGE_TIMES, st.sampled_from(["10", "nan", "inf", "1e309", "-1"])),
    st.builds(lambda t: f">= 10 ng/mL at {t}", EDGE_TIMES),
    st.builds(lambda a, b: f"between 8 and 20 ng/mL from {a} to {b}", EDGE_TIMES, EDGE_TIMES),
    st.builds(lambda t, u: f"{t}={u}", EDGE_TIMES, st.sampled_from(["7 ng/mL", "nan ng/mL", "1e309 ng/mL", "7 ng/mL🙂"])),
    ODD_TEXT, TEXT,
))
def test_targets_and_levels_read_or_name_their_problem(text) -> None:
    for parse in (parse_target, parse_level):
        try:
            parsed = parse(text)
        except InputError as exc:
            assert exc.field in ("target", "level")
            continue
        times = [parsed.start, parsed.end] if hasattr(parsed, "start") else [parsed.time]
        assert all(EARLIEST <= t < LATEST for t in times)


@FAST
@given(text=st.one_of(EDGE_TIMES, ODD_TEXT, TEXT))
def test_an_iso_time_from_text_lies_within_the_calendar(text) -> None:
    try:
        moment = parse_datetime(text, "start")
    except InputError as exc:
        assert exc.field == "start"
        return
    assert moment.tzinfo is not None and EARLIEST <= moment < LATEST


@FAST
@given(text=st.one_of(st.sampled_from(["nan", "inf", "-inf", "1e309", "NaN", "Infinity", "9" * 5000]), ODD_TEXT, TEXT))
def test_a_number_or_gestational_age_from_text_is_finite(text) -> None:
    for parse in (lambda t: parse_number(t, "dose_mg"), lambda t: parse_gestational_days(t, "gestational_weeks")):
        try:
            number = parse(text)
        except InputError as exc:
            assert exc.field in ("dose_mg", "gestational_weeks")
            continue
        assert number is None or math.isfinite(number)
