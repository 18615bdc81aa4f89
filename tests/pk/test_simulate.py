"""simulate(): regimen -> dose events -> engine + population + baseline + assay, and its summary."""

from datetime import UTC, datetime

import numpy as np
import pytest

from lutea.errors import InputError
from lutea.pk.baseline import BaselineContext
from lutea.pk.simulate import simulate

FET = "400 mg vaginal q12h x 14d from 2026-03-01T08:00+00:00"


def test_typical_curve_shape_and_summary():
    r = simulate(FET, days=14, context="hrt-fet")
    assert r.times_h[0] == 0 and r.times_h[-1] == 14 * 24
    assert r.concentration_ng_ml.shape == r.times_h.shape
    assert r.p5 is None and r.p95 is None and r.population is None
    s = r.summary
    assert s.cmin_ss <= s.cavg_ss <= s.cmax
    assert s.fraction_below_threshold is None
    assert r.assay == "lcms"
    assert "stricker2006" in r.sources


def test_baseline_is_added_on_top_of_the_exogenous_level():
    # Programmed FET baseline: Stricker follicular median 0.20 ng/mL.
    none = simulate(FET, days=3)
    fet = simulate(FET, days=3, context="hrt-fet")
    assert fet.concentration_ng_ml - none.concentration_ng_ml == pytest.approx(0.20, abs=1e-9)


def test_population_band_and_threshold_are_reproducible():
    a = simulate(FET, days=6, context="hrt-fet", population=500, seed=7, threshold=10)
    b = simulate(FET, days=6, context="hrt-fet", population=500, seed=7, threshold=10)
    c = simulate(FET, days=6, context="hrt-fet", population=500, seed=8, threshold=10)
    assert np.array_equal(a.concentration_ng_ml, b.concentration_ng_ml)
    assert a.summary.fraction_below_threshold == b.summary.fraction_below_threshold
    assert not np.array_equal(a.p95, c.p95)
    assert np.all(a.p5 <= a.concentration_ng_ml) and np.all(a.concentration_ng_ml <= a.p95)
    assert 0.0 <= a.summary.fraction_below_threshold <= 1.0
    assert a.fraction_below[int(np.argmin(np.abs(a.times_h - a.summary.threshold_at_h)))] == a.summary.fraction_below_threshold


def test_fraction_below_follows_the_threshold():
    low = simulate(FET, days=6, population=400, seed=1, threshold=2)
    high = simulate(FET, days=6, population=400, seed=1, threshold=200)
    assert low.summary.fraction_below_threshold < high.summary.fraction_below_threshold == 1.0


def test_sc_25mg_single_dose_matches_the_label_peak():
    # Prolutex SmPC: 25 mg SC single dose, Cmax 50.7 ng/mL at about 1 h (baseline-corrected).
    r = simulate("25 mg sc once from 2026-03-01T08:00+00:00", days=1, step_h=0.1)
    assert 0.8 <= r.summary.cmax / 50.7 <= 1.25
    assert r.summary.tmax_h == pytest.approx(1.0, abs=0.6)


def test_explicit_events_and_natural_cycle_context():
    t = datetime(2026, 3, 15, 8, tzinfo=UTC)
    from lutea.pk.regimen import DoseEvent

    events = [DoseEvent(t, 50.0, "im", "oil depot")]
    ctx = BaselineContext("natural-cycle", cycle_length_days=28, cycle_start=datetime(2026, 3, 1, tzinfo=UTC))
    r = simulate(events, days=2, context=ctx, acknowledge_off_label=True)  # 50 mg IM: above the IM labels
    assert r.t0 == t and len(r.events) == 1
    assert r.summary.cmax > r.reference_median.max()


def test_weight_changes_levels_where_the_model_uses_weight():
    # 50 mg IM daily (the usual IVF dose) is above every IM label in products.yaml: acknowledged
    light = simulate("50 mg im daily from 2026-03-01T08:00+00:00", days=3, weight_kg=50, acknowledge_off_label=True)
    heavy = simulate("50 mg im daily from 2026-03-01T08:00+00:00", days=3, weight_kg=110, acknowledge_off_label=True)
    assert light.summary.auc_ng_h_ml > heavy.summary.auc_ng_h_ml


def test_json_shape():
    d = simulate(FET, days=2, population=50, seed=1, threshold=10).as_dict()
    assert list(d) == ["times_h", "concentration_ng_ml", "p5", "p95", "summary", "assay", "caveats", "progestogens",
                       "knowledge_version"]
    assert d["progestogens"] == {}  # no progestogen in the regimen
    assert set(d["summary"]) == {"cmax", "tmax_h", "auc_ng_h_ml", "cmin_ss", "cavg_ss", "fraction_below_threshold"}
    assert "p5" not in simulate(FET, days=2).as_dict()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"days": 0},
        {"days": 500},
        {"population": 0},
        {"threshold": -1},
        {"weight_kg": 5},
        {"assay": "bioassay"},
        {"step_h": 0},
        {"threshold": 10, "threshold_at_h": 1e6},
    ],
)
def test_bad_input_names_the_field(kwargs):
    with pytest.raises(InputError):
        simulate(FET, **({"days": 2} | kwargs))


def test_regimen_outside_the_window_is_an_error():
    with pytest.raises(InputError, match="regimen"):
        simulate("25 mg sc once from 2026-03-01T08:00+00:00", days=1, start=datetime(2026, 4, 1, tzinfo=UTC))


def test_a_regimen_without_a_start_starts_at_default_start():
    r = simulate("25 mg sc daily", days=2, default_start=datetime(2026, 3, 1, 8, tzinfo=UTC))
    assert r.t0 == datetime(2026, 3, 1, 8, tzinfo=UTC) and len(r.events) == 2


@pytest.mark.parametrize(("regimen", "limit"), [
    ("99999 mg vaginal q12h", "800 mg a day"),          # no product: the highest vaginal label (Cyclogest)
    ("Crinone 90 mg vaginal-gel q8h", "180 mg a day"),  # the product's own label
    ("5000 mg transdermal once", "800 mg a day"),       # no transdermal label: the highest label of any product
])
def test_a_regimen_above_the_labelled_daily_maximum_is_refused_unless_acknowledged(regimen, limit):
    text = f"{regimen} from 2026-03-01T08:00+00:00"
    with pytest.raises(InputError) as refused:
        simulate(text, days=2)
    assert refused.value.field == "regimen" and limit in refused.value.problem
    assert simulate(text, days=2, acknowledge_off_label=True).events


def test_a_dose_outside_the_fitted_range_is_a_caveat_whatever_the_model():
    big = simulate("800 mg vaginal capsule q12h x 2d from 2026-03-01T08:00+00:00", days=2, acknowledge_off_label=True)
    assert any("800 mg at once is outside the doses it was fitted to" in c for c in big.caveats)
    assert not any("outside the doses" in c for c in simulate(FET, days=2).caveats)


def test_an_oral_regimen_says_how_uncertain_oral_exposure_is_with_its_sources():
    # the curve is a fasting dose's; food 2-fold (Simon 1993), a high-fat meal 7-fold on AUC (Qin
    # 2022); the studies span up to 20-fold (validation report): every oral curve carries this, no
    # vaginal one does
    from lutea.knowledge import load_knowledge
    from lutea.pk.models import route_model

    oral = simulate("100 mg oral q24h x 7d from 2026-03-01T22:00+00:00", days=7)
    (text,) = [c for c in oral.caveats if c.startswith("PK model oral-capsule:")]
    assert "20-fold" in text and "Simon 1993" in text and "Qin 2022" in text and "fasting" in text
    model = route_model("oral", "capsule")
    kb = load_knowledge()
    assert {"simon1993", "qin2022", "levine2000", "lobo2019", "pickar2015", "label-bijuva-us"} <= set(model.sources)
    assert set(model.sources) <= set(kb.sources)
    assert not any("oral-capsule" in c for c in simulate(FET, days=2).caveats)


def test_a_dose_taken_with_food_doubles_the_oral_curve():
    # Simon 1993: "absorption of micronized P was enhanced twofold in the presence of food"; the
    # oral capsule model is a fasting dose's, and "with food" gives each dose its food effect
    fasting = simulate("200 mg oral at bedtime x 3d from 2026-03-01T08:00+00:00", days=3, context="none")
    fed = simulate("200 mg oral at bedtime with food x 3d from 2026-03-01T08:00+00:00", days=3, context="none")
    assert np.allclose(np.asarray(fed.concentration_ng_ml), 2.0 * np.asarray(fasting.concentration_ng_ml))
    assert fed.summary.cmax == pytest.approx(2.0 * fasting.summary.cmax)
