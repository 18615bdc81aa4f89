"""Exposure statistics over virtual subjects' individual values (lutea.pk.exposure): exact on
a deterministic population, ordered as statistics must be, and hostile windows refused."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import gmean

from lutea.errors import InputError
from lutea.pk import simulate as simulate_module
from lutea.pk.exposure import (
    EXPOSURE_METRICS,
    STATISTICS,
    check_window,
    individual_exposure,
    statistics,
    window_grid,
)
from lutea.pk.simulate import simulate

START = datetime(2026, 3, 1, 8, tzinfo=UTC)
GEL = "90 mg vaginal gel q24h x 5d"


def test_typical_person_equals_the_typical_curve_read_independently() -> None:
    # no population: the statistics are of the typical person, so every statistic equals her value,
    # and her value is the typical curve's Cmax / AUC / Cavg / minimum in the window, read with numpy
    curve = simulate(GEL, days=6, start=START, step_h=0.05)
    result = simulate(GEL, days=6, start=START, step_h=0.5, window_h=(96.0, 120.0))
    t, c = curve.times_h, curve.concentration_ng_ml
    inside = (t >= 96 - 1e-9) & (t <= 120 + 1e-9)
    expected = {
        "cmax": c[inside].max(),
        "tmax": t[inside][np.argmax(c[inside])] - 96.0,
        "auc": np.trapezoid(c[inside], t[inside]),
        "cavg": np.trapezoid(c[inside], t[inside]) / 24.0,
        "ctrough": c[inside].min(),
    }
    exposure = result.exposure
    assert exposure is not None and exposure.subjects == 1
    for metric, value in expected.items():
        for stat in ("mean", "median", "geomean", "p5", "p95"):
            assert exposure.statistics[metric][stat] == pytest.approx(value, rel=1e-9, abs=1e-9), (metric, stat)
        assert exposure.statistics[metric]["cv"] == 0.0
    assert expected["cmax"] > expected["cavg"] > expected["ctrough"] > 0


def test_a_population_without_variability_is_the_typical_person(monkeypatch) -> None:
    # every BSV set to 0: N identical subjects, so mean = median = geometric mean = p5 = p95 = the typical value
    real = simulate_module.route_models_of
    monkeypatch.setattr(simulate_module, "route_models_of",
                        lambda events: [m.with_omega(**dict.fromkeys(m.omega, 0.0)) for m in real(events)])
    typical = simulate(GEL, days=6, start=START, window_h=(96.0, 120.0)).exposure
    population = simulate(GEL, days=6, start=START, population=50, seed=3, window_h=(96.0, 120.0)).exposure
    assert population.subjects == 50
    for metric in EXPOSURE_METRICS:
        value = typical.statistics[metric]["mean"]
        for stat in ("mean", "median", "geomean", "p5", "p95"):
            assert population.statistics[metric][stat] == pytest.approx(value, rel=1e-9), (metric, stat)
        assert population.statistics[metric]["cv"] == pytest.approx(0.0, abs=1e-12)


def test_population_statistics_are_of_individual_values_not_of_the_median_curve() -> None:
    result = simulate(GEL, days=6, start=START, population=400, seed=1, window_h=(96.0, 120.0), step_h=0.05)
    cmax = result.exposure.statistics["cmax"]
    median_curve = result.concentration_ng_ml[(result.times_h >= 96) & (result.times_h <= 120)].max()
    # the mean of individual peaks lies above the peak of the median curve (peaks at different times)
    assert cmax["mean"] > median_curve
    for metric in EXPOSURE_METRICS:
        s = result.exposure.statistics[metric]
        assert s["p5"] <= s["median"] <= s["p95"]
        assert 0 < s["geomean"] <= s["mean"]
        assert s["cv"] > 0.05, metric


def test_the_endogenous_level_is_included_unless_subtracted() -> None:
    total = simulate(GEL, days=6, start=START, context="postmenopausal", window_h=(96.0, 120.0)).exposure
    alone = simulate(GEL, days=6, start=START, context="postmenopausal", window_h=(96.0, 120.0),
                     exposure_baseline="subtracted").exposure
    none = simulate(GEL, days=6, start=START, window_h=(96.0, 120.0)).exposure
    assert total.baseline == "total" and alone.baseline == "subtracted"
    assert total.statistics["auc"]["mean"] > alone.statistics["auc"]["mean"]
    assert alone.statistics["auc"]["mean"] == pytest.approx(none.statistics["auc"]["mean"], rel=1e-9)


def test_json_shape_has_every_metric_and_statistic() -> None:
    out = simulate(GEL, days=6, start=START, population=20, window_h=(0, 24)).as_dict()["exposure"]
    assert out["window_h"] == [0.0, 24.0] and out["subjects"] == 20 and out["baseline"] == "total"
    assert set(out) >= set(EXPOSURE_METRICS)
    for metric in EXPOSURE_METRICS:
        assert set(out[metric]) == set(STATISTICS)
    assert "exposure" not in simulate(GEL, days=6, start=START).as_dict()


def test_window_counts_from_the_first_dose_not_from_the_start() -> None:
    # a start 24 h before the first dose: the same window after the first dose gives the same exposure
    late = simulate(f"{GEL} from 2026-03-02T08:00+00:00", days=7, start=START, window_h=(0, 24)).exposure
    early = simulate(GEL, days=6, start=START, window_h=(0, 24)).exposure
    assert late.statistics["auc"]["mean"] == pytest.approx(early.statistics["auc"]["mean"], rel=1e-9)


@pytest.mark.parametrize(
    ("window", "words"),
    [((120, 96), "not after"), ((5, 5), "not after"), ((-1, 5), "before the first dose"),
     ((math.nan, 5), "finite"), ((0, math.inf), "finite"), ((0, 200), "beyond")],
)
def test_hostile_windows_are_refused_naming_the_field(window, words) -> None:
    with pytest.raises(InputError) as err:
        simulate(GEL, days=6, start=START, window_h=window)
    assert err.value.field == "window_h" and words in err.value.problem


def test_unknown_baseline_is_refused() -> None:
    with pytest.raises(InputError) as err:
        simulate(GEL, days=6, start=START, window_h=(0, 24), exposure_baseline="corrected")
    assert err.value.field == "exposure_baseline"


finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)
any_float = st.one_of(finite, st.just(math.nan), st.just(math.inf), st.just(-math.inf))


@settings(max_examples=200, deadline=None)
@given(any_float, any_float, st.floats(min_value=1, max_value=2880))
def test_a_window_is_accepted_exactly_when_it_is_finite_ordered_and_inside(a, b, horizon) -> None:
    ok = math.isfinite(a) and math.isfinite(b) and 0 <= a < b <= horizon
    if ok:
        assert check_window(a, b, horizon) == (a, b)
    else:
        with pytest.raises(InputError) as err:
            check_window(a, b, horizon)
        assert err.value.field == "window_h"


@settings(max_examples=100, deadline=None)
@given(st.floats(min_value=0, max_value=47.9), st.floats(min_value=0.01, max_value=48))
def test_individual_exposure_is_consistent_in_any_window(a, length) -> None:
    b = min(a + length, 48.0)
    if b <= a:
        return
    t = np.linspace(0, 48, 97)
    rng = np.random.default_rng(0)
    conc = np.abs(rng.normal(10, 4, size=(5, t.size)))
    e = individual_exposure(t, conc, a, b)
    assert np.all(e["ctrough"] <= e["cavg"] + 1e-9) and np.all(e["cavg"] <= e["cmax"] + 1e-9)
    assert np.allclose(e["auc"], e["cavg"] * (b - a))
    assert np.all((0 <= e["tmax"]) & (e["tmax"] <= b - a + 1e-9))


def test_individual_exposure_reads_a_known_curve_exactly() -> None:
    # a straight line c = 2 t: AUC over [1, 3] is t^2 = 8 exactly under the trapezoid, with interpolated edges
    t = np.array([0.0, 2.0, 4.0])
    e = individual_exposure(t, 2 * t[None, :], 1.0, 3.0)
    assert e["auc"][0] == pytest.approx(8.0) and e["cmax"][0] == pytest.approx(6.0)
    assert e["ctrough"][0] == pytest.approx(2.0) and e["tmax"][0] == pytest.approx(2.0) and e["cavg"][0] == pytest.approx(4.0)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(min_value=1e-3, max_value=1e4), min_size=1, max_size=60))
def test_statistics_are_ordered_and_the_geometric_mean_is_scipys(values) -> None:
    s = statistics(np.array(values))
    assert s["p5"] <= s["median"] <= s["p95"]
    assert s["geomean"] <= s["mean"] * (1 + 1e-12)
    assert s["geomean"] == pytest.approx(gmean(values), rel=1e-9)
    assert s["cv"] == pytest.approx(np.std(values) / np.mean(values), rel=1e-9, abs=1e-12)


def test_window_grid_includes_both_edges_and_caps_its_points() -> None:
    g = window_grid(96.0, 120.0)
    assert g[0] == 96.0 and g[-1] == 120.0 and np.allclose(np.diff(g), 0.05)
    assert window_grid(0.0, 2880.0).size == 4001


def test_a_window_on_a_progestogen_only_regimen_is_refused_naming_the_window() -> None:
    """Dydrogesterone is not serum progesterone (the assay does not see it), so there is no
    progesterone exposure to summarise: a 4xx-style InputError naming window_h, not a crash."""
    from lutea.errors import InputError
    from lutea.pk.simulate import simulate

    with pytest.raises(InputError) as err:
        simulate("Duphaston 10 mg oral q8h x 3d from 2026-03-01T08:00+00:00", days=4, window_h=(0.0, 24.0))
    assert err.value.field == "window_h"
