from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lutea.errors import InputError
from lutea.individualise import parse_level, parse_target

T = datetime(2026, 3, 6, 10, 0, tzinfo=UTC)


def test_point_target_at_least():
    target = parse_target("ge 10 ng/mL at 2026-03-06T10:00")
    assert target.low_ng_ml == 10 and target.high_ng_ml is None
    assert target.start == target.end == T
    assert target.met(np.array([[9.99], [10.0]])).tolist() == [False, True]


def test_strict_and_upper_comparisons():
    assert parse_target("gt 10 ng/mL at 2026-03-06T10:00").met(np.array([[10.0]])).tolist() == [False]
    upper = parse_target("< 20 ng/mL at 2026-03-06T10:00")
    assert upper.high_ng_ml == 20 and upper.strict_high
    assert upper.met(np.array([[19.9], [20.0]])).tolist() == [True, False]


def test_window_over_a_period_must_hold_throughout():
    target = parse_target("between 10 and 30 ng/mL from 2026-03-06 to 2026-03-20")
    assert (target.low_ng_ml, target.high_ng_ml) == (10, 30)
    assert target.end - target.start == timedelta(days=14)
    assert target.met(np.array([[12.0, 25.0], [12.0, 31.0], [9.0, 20.0]])).tolist() == [True, False, False]


def test_nmol_per_litre_is_converted():
    target = parse_target("ge 31.8 nmol/L at 2026-03-06T10:00")
    assert target.low_ng_ml == pytest.approx(10.0, rel=1e-3)


def test_within_luteal_reference_uses_the_knowledge_base():
    target = parse_target("within luteal reference from 2026-03-06 to 2026-03-20")
    assert target.low_ng_ml > 0 and target.high_ng_ml > target.low_ng_ml
    assert target.sources


def test_offsets_are_kept_and_naive_times_are_utc():
    target = parse_target("ge 10 ng/mL at 2026-03-06T11:00+01:00")
    assert target.start == T


@pytest.mark.parametrize(
    "text, needle",
    [
        ("at least 10", "cannot read"),
        ("ge 10 furlongs at 2026-03-06T10:00", "furlongs"),
        ("ge 10 ng/mL at tomorrow", "not a date-time"),
        ("between 30 and 10 ng/mL at 2026-03-06T10:00", "not below"),
        ("ge 10 ng/mL from 2026-03-07 to 2026-03-06", "before it starts"),
        ("within nosuch reference at 2026-03-06T10:00", "no serum progesterone reference"),
    ],
)
def test_bad_targets_name_the_field(text, needle):
    with pytest.raises(InputError) as info:
        parse_target(text)
    assert info.value.field == "target"
    assert needle in str(info.value)


def test_level_parsing_and_units():
    level = parse_level("2026-03-05T09:00=22.6 nmol/L", assay="immunoassay")
    assert level.conc_ng_ml == pytest.approx(7.107, rel=1e-3)
    assert level.assay == "immunoassay"
    assert level.time == datetime(2026, 3, 5, 9, tzinfo=UTC)


@pytest.mark.parametrize("text", ["2026-03-05T09:00", "2026-03-05T09:00=ng/mL", "yesterday=7 ng/mL", "2026-03-05T09:00=-1 ng/mL"])
def test_bad_levels_name_the_field(text):
    with pytest.raises(InputError) as info:
        parse_level(text)
    assert info.value.field == "level"


@given(value=st.floats(min_value=0.01, max_value=500, allow_nan=False), hours=st.integers(0, 24 * 60))
def test_point_targets_round_trip_their_value_and_time(value, hours):
    when = T + timedelta(hours=hours)
    target = parse_target(f"ge {value!r} ng/mL at {when.isoformat()}")
    assert target.low_ng_ml == pytest.approx(value) and target.start == when
    described = parse_target(f"ge {target.low_ng_ml!r} ng/mL at {target.start.isoformat()}")
    assert described == target
