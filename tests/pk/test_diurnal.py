"""Time-of-day variation of the vaginal capsule model (fitted to VUB 2024: Reprod Biomed Online
2024;48:103601, 400 mg twice daily at 08:00 and 20:00; transfer-day levels 11.72, 13.59, 10.23
and 9.28 ng/mL at 08:00, 12:00, 16:00 and 20:00, the first and last just before a dose)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from lutea.pk import DoseEvent, route_model, simulate_events, simulate_hours
from lutea.timeline import clock_hour

TZ = ZoneInfo("Europe/Brussels")


def test_the_factor_averages_to_one_over_a_day():
    capsule = route_model("vaginal", "capsule")
    assert capsule.diurnal_amplitude > 0
    hours = np.arange(0.0, 24.0, 0.01)
    assert np.mean(capsule.diurnal_factor(hours)) == pytest.approx(1.0, abs=1e-4)
    assert np.argmax(capsule.diurnal_factor(hours)) * 0.01 == pytest.approx(capsule.diurnal_peak_clock_h, abs=0.01)


def test_the_factor_multiplies_the_capsule_contribution_at_each_clock_hour():
    capsule = route_model("vaginal", "capsule")
    dose_t = np.arange(10) * 12.0
    times = np.linspace(100.0, 130.0, 31)
    group = [(capsule, dose_t, np.full(10, 400.0), None)]
    daily_mean = simulate_hours(group, times)
    at_eight = simulate_hours(group, times, clock0_h=8.0)
    np.testing.assert_allclose(at_eight, daily_mean * capsule.diurnal_factor(8.0 + times), rtol=1e-12)


def test_models_without_a_time_of_day_variation_ignore_the_clock():
    gel, im = route_model("vaginal", "gel"), route_model("im")
    assert gel.diurnal_amplitude == 0 and im.diurnal_amplitude == 0
    groups = [(gel, np.array([0.0, 24.0]), np.array([90.0, 90.0]), None), (im, np.array([0.0]), np.array([50.0]), None)]
    times = np.linspace(0.0, 48.0, 25)
    np.testing.assert_array_equal(simulate_hours(groups, times), simulate_hours(groups, times, clock0_h=20.0))


def test_the_morning_trough_is_above_the_evening_trough_on_twice_daily_dosing():
    # VUB 2024: 11.72 ng/mL at 08:00 against 9.28 at 20:00 on the 6th day, both just before a dose.
    start = datetime(2026, 3, 1, 8, 0, tzinfo=TZ)
    events = [DoseEvent(start + timedelta(hours=12 * i), 400.0, "vaginal", "capsule") for i in range(11)]
    morning, evening = start + timedelta(hours=120), start + timedelta(hours=132)
    conc = simulate_events(events, [morning, evening], t0=start)[0]
    assert 1.1 < conc[0] / conc[1] < 1.6  # reported 1.26
    # the same regimen started in the evening swaps them: the variation follows the clock
    late = start + timedelta(hours=12)
    shifted = [DoseEvent(e.time + timedelta(hours=12), e.dose_mg, e.route, e.formulation) for e in events]
    conc_late = simulate_events(shifted, [morning + timedelta(hours=12), evening + timedelta(hours=12)], t0=late)[0]
    assert conc_late[0] < conc_late[1]


def test_clock_hour_reads_the_wall_clock_of_the_timezone():
    assert clock_hour(datetime(2026, 3, 1, 8, 30, tzinfo=TZ)) == 8.5
    assert clock_hour(datetime(2026, 3, 1, 7, 30, tzinfo=ZoneInfo("UTC")).astimezone(TZ)) == 8.5


def test_doses_at_unstudied_times_of_day_are_named_as_an_extrapolation():
    from lutea.pk import parse_regimen
    from lutea.pk.models import studied_dose_clock_hours
    from lutea.pk.simulate import evidence_caveats

    assert studied_dose_clock_hours(route_model("vaginal", "capsule")) == (8.0, 20.0)  # VUB 2024's schedule

    def caveats(regimen: str) -> tuple[str, ...]:
        return evidence_caveats(parse_regimen(regimen).dose_events())

    assert not caveats("400 mg vaginal q12h from 2026-03-01T08:00 x 6 doses")
    assert not caveats("400 mg vaginal q12h from 2026-03-01T09:30 x 6 doses")  # within 2 h of the studied times
    (text,) = caveats("200 mg vaginal q8h from 2026-03-01T08:00 x 6 doses")
    assert "vaginal-capsule" in text and "08:00, 20:00" in text and "00:00, 16:00" in text
    assert not caveats("90 mg vaginal gel q24h from 2026-03-01T22:00 x 3 doses")  # no time-of-day variation
