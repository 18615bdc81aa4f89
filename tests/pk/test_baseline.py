"""The endogenous baseline: Stricker 2006 cycle curve mapped onto any cycle length, and the
fixed levels of programmed FET cycles, menopause, men and early pregnancy."""

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lutea.errors import InputError
from lutea.pk.baseline import (
    BaselineContext,
    baseline_band,
    baseline_curve,
    baseline_for_subjects,
    baseline_sources,
    days_from_lh_peak,
)

NMOL_PER_NG = 3.180  # 1 ng/mL = 3.180 nmol/L (MW 314.46)
T0 = datetime(2026, 3, 1, tzinfo=UTC)


def _at_cycle_day(day: float, length: float = 28.0, quantile: float = 0.5) -> float:
    ctx = BaselineContext("natural-cycle", cycle_length_days=length, cycle_start=T0)
    return float(baseline_curve(ctx, [(day - 1.0) * 24.0], T0, quantile)[0])


def test_28_day_cycle_puts_the_lh_peak_on_day_14_and_keeps_the_luteal_days():
    from lutea.cycle import lh_peak_cycle_day

    for length in (24, 28, 35):  # the PK baseline and the interpretation agree on the LH peak
        assert days_from_lh_peak(lh_peak_cycle_day(length), length) == 0
    d = days_from_lh_peak(np.arange(1, 29), 28)
    assert d[13] == 0  # cycle day 14
    assert list(d[14:27]) == list(range(1, 14))
    assert d[0] == -15


def test_mid_luteal_median_is_stricker_lh_plus_7():
    # Stricker 2006 (shared/data CSV): LH+7 median 42.45 nmol/L, 5th 25.98, 95th 54.17.
    assert _at_cycle_day(21) == pytest.approx(42.45 / NMOL_PER_NG, rel=1e-4)
    assert _at_cycle_day(21, quantile=0.05) == pytest.approx(25.98 / NMOL_PER_NG, rel=1e-4)
    assert _at_cycle_day(21, quantile=0.95) == pytest.approx(54.17 / NMOL_PER_NG, rel=1e-4)


def test_a_35_day_cycle_stretches_only_the_follicular_phase():
    # Same LH+7 level on day 28 of a 35-day cycle as on day 21 of a 28-day cycle.
    assert _at_cycle_day(28, 35) == pytest.approx(_at_cycle_day(21, 28), rel=1e-9)
    assert _at_cycle_day(1, 35) == pytest.approx(_at_cycle_day(1, 28), rel=1e-9)  # both LH-15


def test_lh_peak_anchor_matches_the_cycle_start_anchor():
    lh = T0 + timedelta(days=13)  # cycle day 14 of a 28-day cycle
    ctx = BaselineContext("natural-cycle", lh_peak=lh)
    value = baseline_curve(ctx, [7 * 24.0], lh)[0]
    assert value == pytest.approx(42.45 / NMOL_PER_NG, rel=1e-4)


def test_the_cycle_repeats():
    assert _at_cycle_day(3) == pytest.approx(_at_cycle_day(31), rel=1e-9)


@settings(deadline=None)
@given(st.integers(21, 45))
def test_mapping_is_monotone_and_keeps_14_luteal_days(length):
    c = np.linspace(1, length, 400)
    d = days_from_lh_peak(c, length)
    assert np.all(np.diff(d) >= -1e-12)
    peak = length - 14
    assert days_from_lh_peak(peak + 5, length) == pytest.approx(5)


@settings(deadline=None)
@given(st.sampled_from(["natural-cycle", "hrt-fet", "postmenopausal", "male"]), st.floats(0, 24 * 60))
def test_band_is_ordered(kind, h):
    low, mid, high = baseline_band(kind, [h])
    assert 0 < low[0] <= mid[0] <= high[0]


def test_fixed_levels():
    # Programmed FET: Stricker follicular median 0.64 nmol/L -> 0.20 ng/mL.
    assert baseline_curve("hrt-fet", [0.0, 100.0]) == pytest.approx([0.20, 0.20])
    # Postmenopausal and male upper limits by HPLC-MS/MS (ARUP: <= 0.10 and <= 0.11 ng/mL).
    assert baseline_curve("postmenopausal", [0.0], quantile=0.95)[0] == pytest.approx(0.10)
    assert baseline_curve("male", [0.0], quantile=0.95)[0] == pytest.approx(0.11)
    assert baseline_curve(None, [0.0, 1.0]) == pytest.approx([0.0, 0.0])


def test_early_pregnancy_rises_by_gestational_week():
    # Ku 2021: median 57.5 nmol/L at 5 weeks, 80.8 nmol/L at 13 weeks, linear in between.
    ctx = BaselineContext("pregnancy", gestational_weeks=5)
    weeks = np.array([0.0, 4.0, 8.0, 12.0])
    values = baseline_curve(ctx, weeks * 168.0)
    assert values[0] == pytest.approx(57.5 / NMOL_PER_NG, rel=1e-3)
    assert values[2] == pytest.approx(80.8 / NMOL_PER_NG, rel=1e-3)
    assert values[3] == pytest.approx(values[2])  # held after week 13


def test_subjects_keep_their_percentile():
    z = np.array([-1.6448536269514722, 0.0, 1.6448536269514722])
    levels = baseline_for_subjects("natural-cycle", [20 * 24.0], None, z)
    low, mid, high = baseline_band("natural-cycle", [20 * 24.0])
    assert levels[:, 0] == pytest.approx([low[0], mid[0], high[0]], rel=1e-9)


def test_sources_are_stated():
    assert baseline_sources("natural-cycle")[0] == "stricker2006"
    assert baseline_sources("postmenopausal") == ["arup-progesterone-lcms"]


@pytest.mark.parametrize(
    "make",
    [
        lambda: BaselineContext("luteal"),  # type: ignore[arg-type]
        lambda: BaselineContext("pregnancy"),
        lambda: BaselineContext("natural-cycle", cycle_length_days=70),
        lambda: BaselineContext("natural-cycle", cycle_start=datetime(2026, 3, 1)),
        lambda: baseline_curve("hrt-fet", [0.0], quantile=1.0),
        lambda: baseline_curve(BaselineContext("natural-cycle", lh_peak=T0), [0.0]),
    ],
)
def test_bad_context_input_names_the_field(make):
    with pytest.raises(InputError):
        make()
