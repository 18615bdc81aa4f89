"""Elapsed time across a daylight-saving change: Python subtracts datetimes sharing a ZoneInfo
by wall clock, so every PK time difference goes through lutea.timeline (UTC)."""

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from lutea.individualise.balance import _schedule
from lutea.individualise.individualiser import hours, target_times
from lutea.individualise.target import Target
from lutea.pk import DoseEvent
from lutea.pk.simulate import simulate
from lutea.errors import InputError
from lutea.timeline import after_hours, elapsed_hours, parse_date, parse_datetime

PARIS = ZoneInfo("Europe/Paris")  # clocks go forward at 02:00 on 2026-03-29 (CET -> CEST)
BEFORE = datetime(2026, 3, 28, 20, 0, tzinfo=PARIS)
AFTER = datetime(2026, 3, 29, 20, 0, tzinfo=PARIS)


def test_wall_clock_subtraction_is_the_pitfall():
    assert (AFTER - BEFORE).total_seconds() / 3600 == 24.0  # what Python gives: wall clock
    assert elapsed_hours(AFTER, BEFORE) == 23.0  # what a body experiences
    assert elapsed_hours(BEFORE, AFTER) == -23.0


def test_after_hours_counts_elapsed_time_and_keeps_the_zone():
    t = after_hours(BEFORE, 23.0)
    assert t == AFTER and t.tzinfo is PARIS and t.hour == 20
    assert after_hours(BEFORE, 24.0).hour == 21


def test_individualisation_hours_are_elapsed():
    np.testing.assert_allclose(hours([BEFORE, AFTER], BEFORE), [0.0, 23.0])


def test_target_period_grid_steps_in_elapsed_hours():
    target = Target(low_ng_ml=10.0, high_ng_ml=None, start=BEFORE, end=AFTER)
    grid = target_times(target)
    steps = np.diff([elapsed_hours(t, BEFORE) for t in grid])
    assert grid[-1] == AFTER
    assert np.all(steps <= 1.0 + 1e-9) and len(grid) == 24  # 0..22 h and the 23 h end


def test_candidate_schedule_keeps_a_12_hour_interval_across_the_change():
    events = _schedule(400.0, 12.0, "vaginal", "capsule", None, datetime(2026, 3, 28, 8, 0, tzinfo=PARIS), AFTER)
    gaps = np.diff([elapsed_hours(e.time, events[0].time) for e in events])
    np.testing.assert_allclose(gaps, 12.0)
    assert events[2].time.hour == 9  # 08:00 CET + 24 h elapsed = 09:00 CEST


def test_simulated_days_are_elapsed_days():
    start = datetime(2026, 3, 28, 0, 0, tzinfo=PARIS)
    late = DoseEvent(datetime(2026, 3, 30, 0, 30, tzinfo=PARIS), 50.0, "im", "oil depot", None)  # 47.5 h elapsed
    first = DoseEvent(start, 50.0, "im", "oil depot", None)
    result = simulate([first, late], days=2, start=start, acknowledge_off_label=True)  # 50 mg IM: off-label
    assert late in result.events
    assert result.times_h[-1] == pytest.approx(48.0)



def test_naive_text_means_utc_and_offsets_are_kept():
    assert parse_datetime("2026-03-06T10:00", "at") == datetime(2026, 3, 6, 10, tzinfo=UTC)
    assert parse_datetime("2026-03-06T10:00Z", "at") == datetime(2026, 3, 6, 10, tzinfo=UTC)
    plus_one = parse_datetime("2026-03-06T10:00+01:00", "at")
    assert plus_one.utcoffset() == timedelta(hours=1)
    assert plus_one == datetime(2026, 3, 6, 9, tzinfo=UTC)


@pytest.mark.parametrize("text", ["2026-03-06T25:00", "yesterday", "", "2026-13-01"])
def test_bad_datetime_names_the_field(text):
    with pytest.raises(InputError, match=r"^sampled: .* is not a date-time; use ISO 8601"):
        parse_datetime(text, "sampled")


def test_dates():
    assert parse_date("2026-02-28", "lmp") == date(2026, 2, 28)
    with pytest.raises(InputError, match=r"^lmp: '2026-02-30' is not a date; use YYYY-MM-DD"):
        parse_date("2026-02-30", "lmp")


def test_elapsed_hours_across_a_daylight_saving_change():
    paris = ZoneInfo("Europe/Paris")
    before = datetime(2026, 3, 28, 20, tzinfo=paris)
    after = datetime(2026, 3, 29, 20, tzinfo=paris)  # clocks go forward on 29 March 2026
    assert elapsed_hours(after, before) == 23.0
    assert after_hours(before, 23.0) == after
    assert elapsed_hours(before, after.astimezone(timezone.utc)) == -23.0
