"""Calibration on published study arms: the committed report regenerates, the written route
models reproduce each arm as documented, and the goals are met or the shortfall is documented."""

import math
import re
from pathlib import Path

import numpy as np
import pytest
import yaml

from lutea.errors import InputError
from lutea.knowledge import load_knowledge
from lutea.knowledge.schema import PKArm
from lutea.pk.calibration import (
    GOAL_FRACTION,
    GOAL_HIGH,
    GOAL_LOW,
    GOAL_MAX_FOLD,
    ModelFit,
    _statistic,
    apply_fits,
    arm_model,
    cavg_repeats_auc,
    fit_model,
    free_parameters,
    goals_met,
    predict_arm,
    predictions,
    residuals,
    summarise,
    virtual_trial_size,
)
from lutea.pk.models import route_model, route_models
from lutea.pk.validation import render_report

ROOT = Path(__file__).resolve().parents[2]
REPORT = ROOT / "docs" / "validation.md"


@pytest.fixture(scope="module")
def preds():
    return predictions()


def _version_free(text: str) -> str:
    return re.sub(r"knowledge base \d{4}\.\d+\.\d+", "knowledge base X", text)


def test_committed_report_regenerates_from_the_knowledge_base(preds):
    text = render_report(preds, route_models(), load_knowledge().version)
    committed = REPORT.read_text(encoding="utf-8")
    assert _version_free(text) == _version_free(committed), "run `lutea calibrate --write --report docs/validation.md`"


def test_goals_met_or_every_miss_is_documented(preds):
    summary = summarise(preds)
    committed = REPORT.read_text(encoding="utf-8")
    assert f"Cmax within 0.80–1.25 in **{summary.within_cmax:.0%}**" in committed
    assert f"AUC in **{summary.within_auc:.0%}**" in committed
    if goals_met(preds):
        assert "- Goals met: **yes**" in committed
    assert "- Goals met: **no**" in committed
    shortfall = committed.split("## Where the model falls short", 1)[1]
    for p in preds:
        for metric in ("cmax", "auc"):
            r = p.ratio(metric)
            if p.arm.use != "exclude" and r is not None and not GOAL_LOW <= r <= GOAL_HIGH:
                assert f"`{p.arm.id}`" in shortfall, p.arm.id


def test_goal_or_regression_floor(preds):
    """The goal (>= 80% of arms within 0.80-1.25 on Cmax and AUC, none beyond 2x) once met;
    until then the committed figures as a floor (docs/validation.md explains the shortfall)."""
    overall = summarise(preds)
    fitted = summarise([p for p in preds if p.arm.use == "fit"])
    if goals_met(preds):
        assert overall.within_cmax >= GOAL_FRACTION and overall.within_auc >= GOAL_FRACTION
        assert fitted.max_fold <= GOAL_MAX_FOLD
        return
    # floor: 20 of 24 arms on Cmax (the goal) and 15 of 20 on AUC; fitted arms at most 1.63x off
    # (the goal); beyond 2x only Pickar 2015 (compared). AUC was 17 of 20 with fitted oral arms
    # 2.10x off, before Lobo 2019 (a capsule labelled to be taken with food) was simulated with
    # Simon 1993's twofold food effect (December 2026): the fasting curve then follows the LC-MS
    # arms' width, and the label's wider immunoassay curves (200, 300 mg) fall below the band on
    # AUC. 15 before the insert's absorption took a gradual onset (lag and transit); 18 on Cmax
    # before the gel and the inserts took saturable uptake; 17 and 12 before vaginal capsules and
    # pessaries were separated.
    assert (overall.n_cmax, overall.n_auc) == (24, 20)
    assert overall.within_cmax >= 20 / 24 - 1e-9
    assert overall.within_auc >= 15 / 20 - 1e-9
    assert fitted.max_fold <= 1.63
    assert set(overall.over_2x) <= {"pickar2015-prometrium-200mg"}

def test_report_counts_fitted_and_compared_arms(preds):
    committed = REPORT.read_text(encoding="utf-8")
    n = {u: sum(p.arm.use == u for p in preds) for u in ("fit", "compare", "exclude")}
    assert f"- Arms: {n['fit']} fitted, {n['compare']} compared only" in committed
    assert f"The {n['fit']} arms the parameters were fitted to" in committed
    assert f"The {n['compare']} arms compared only" in committed


def test_arms_are_compared_as_the_statistic_they_report():
    # Pickar 2015: arithmetic mean 72.7 +/- 101.9 ng/mL; the same virtual population summarised
    # by its geometric mean or median must give less than its arithmetic mean (skewed data)
    arm = next(a for a in load_knowledge().entries("pk_arms") if a.id == "pickar2015-prometrium-200mg")
    mean = predict_arm(arm).predicted["cmax"]
    geo = predict_arm(arm.model_copy(update={"statistic": "geometric mean"})).predicted["cmax"]
    median = predict_arm(arm.model_copy(update={"statistic": "median"})).predicted["cmax"]
    assert mean > geo and mean > median
    assert predict_arm(arm).predicted == predict_arm(arm).predicted  # fixed seed: reproducible
    assert virtual_trial_size(arm) == (62, 4)
    x = np.exp(np.random.default_rng(0).normal(0.0, 1.0, 6000))
    assert _statistic(x, "mean", 6, 1000) == pytest.approx(math.exp(0.5), rel=0.05)
    assert _statistic(x, "median", 1000, 6) == pytest.approx(1.0, rel=0.05)  # large trials: the population median
    assert _statistic(x, "geometric mean", 1000, 6) == pytest.approx(1.0, rel=0.05)
    assert 1.05 < _statistic(x, "median", 6, 1000) < math.exp(0.5)  # the median of a study of 6 is biased up


def test_vaginal_exposure_is_less_than_dose_proportional():
    # Crinone label Table 1: AUC0-96 288.6 (45 mg) vs 296.8 ng*h/mL (90 mg); Levy 1999: Cmax 20.4
    # vs 31.6 nmol/L after 50 vs 100 mg (ratio 1.55 for twice the dose); ESHRE 2017 abstract
    # (eshre2017-cyclogest-pk): single pessary doses rose with the dose only up to 200 mg
    gel, insert, capsule, pessary = (route_model("vaginal", f) for f in ("gel", "insert", "capsule", "pessary"))
    for m in (gel, insert, capsule, pessary):
        assert m.dose_dependent
        assert m.effective_dose_mg(m.dose_ref_mg) == pytest.approx(m.dose_ref_mg)
        for dose in (25.0, 50.0, 100.0, 200.0, 400.0):
            assert m.effective_dose_mg(dose) <= m.effective_dose_mg(2 * dose) < 2 * m.effective_dose_mg(dose)
    assert gel.effective_dose_mg(45.0) / gel.effective_dose_mg(90.0) > 0.9
    ratio = insert.effective_dose_mg(100.0) / insert.effective_dose_mg(50.0)
    assert 1.2 < ratio < 1.8
    # saturable pessary uptake rises at small doses and levels off at large ones
    steps = [pessary.effective_dose_mg(2 * d) / pessary.effective_dose_mg(d) for d in (50.0, 100.0, 200.0, 400.0)]
    assert steps == sorted(steps, reverse=True) and steps[0] > 1.3 and steps[-1] < 1.2
    assert not route_model("im", "oil depot").dose_dependent


def test_saturable_uptake_is_the_stated_formula_and_one_form_only():
    from lutea.knowledge.schema import PkDoseProportionality

    m = route_model("vaginal", "pessary").with_dose_saturation(50.0)
    assert m.effective_dose_mg(300.0) == pytest.approx(300.0 * (100.0 + 50.0) / (300.0 + 50.0))
    assert m.with_dose_saturation(1e9).effective_dose_mg(300.0) == pytest.approx(300.0, rel=1e-6)  # K >> dose: linear
    with pytest.raises(ValueError):
        PkDoseProportionality(reference_dose_mg=100, exponent=0.5, half_saturation_mg=50)
    assert free_parameters(route_model("vaginal", "gel"), 12)[:2] == ("f_bio", "dose_saturation_mg")


def test_vaginal_capsule_has_an_absorption_lag(preds):
    # Norman 1991 (400 mg pessary) Tmax 3.1 h, Erny 1989 (100 mg capsule) 2.8 h: no longer 1 h
    capsule = route_model("vaginal", "capsule")
    assert capsule.typical["lag_h"] > 0.5
    for p in preds:
        if p.arm.id in ("norman1991-pessary-400mg", "erny1989-capsule-vaginal-100mg"):
            assert p.predicted["tmax"] >= 2.0, p.arm.id


def test_fitted_models_name_their_arms_and_those_arms_exist():
    arm_ids = {a.id: a for a in load_knowledge().entries("pk_arms")}
    fitted = [e for e in load_knowledge().entries("pk_models") if not e.provisional]
    assert {e.id for e in fitted} >= {"oral-capsule", "vaginal-gel", "vaginal-insert", "im-oil", "sc-aqueous"}
    for e in fitted:
        assert e.fitted_from, e.id
        for arm_id in e.fitted_from:
            assert arm_ids[arm_id].use == "fit"
            assert arm_model(arm_ids[arm_id]).id == e.id


def test_at_least_15_arms_across_routes():
    arms = load_knowledge().entries("pk_arms")
    assert len(arms) >= 15
    assert {a.route for a in arms} >= {"oral", "vaginal", "im", "sc", "transdermal"}


def test_fitted_sc_model_reproduces_the_prolutex_label():
    # Prolutex SmPC: 25 mg SC single dose Cmax 50.7 ng/mL at 1 h; 25 mg/day AUC(tau) 346.9 ng*h/mL.
    arms = {a.id: a for a in load_knowledge().entries("pk_arms")}
    single = predict_arm(arms["prolutex-sc-25mg-single"])
    steady = predict_arm(arms["prolutex-sc-25mg-steady-state"])
    assert GOAL_LOW <= single.ratio("cmax") <= GOAL_HIGH
    assert GOAL_LOW <= steady.ratio("auc") <= GOAL_HIGH


def test_oral_immunoassay_arms_match_through_the_assay_factor(preds):
    # Prometrium label (immunoassay era): Cmax 17.3, 38.1, 60.6 ng/mL after 100, 200, 300 mg.
    label = [p for p in preds if p.arm.id.startswith("prometrium-label")]
    assert len(label) == 3
    for p in label:
        assert 0.8 <= p.ratio("cmax") <= 1.25, p.arm.id


def test_a_one_parameter_fit_is_exact():
    # Vashisht 2005: 40 mg cream daily, median 2.5 nmol/L (0.786 ng/mL): one datum, one parameter.
    arm = next(a for a in load_knowledge().entries("pk_arms") if a.id == "vashisht2005-cream-40mg")
    model = route_model("transdermal", "cream")
    fit = fit_model(model, [arm])
    assert fit.free == ("f_bio",)
    refit = predict_arm(arm, model.with_typical(**fit.values))
    assert refit.ratio("cavg") == pytest.approx(1.0, abs=1e-6)


def test_an_auc_and_a_cavg_over_one_window_count_once_in_the_fit():
    # Endometrin label day 5 (bid): AUC0-24 and Cavg0-24 are the same samples reported twice.
    arm = next(a for a in load_knowledge().entries("pk_arms") if a.id == "endometrin-label-100mg-bid-day5")
    assert cavg_repeats_auc(arm)
    pred = predict_arm(arm)
    logs = {m: math.log(pred.ratio(m)) for m in ("cmax", "auc", "cavg", "cmin")}
    res = residuals(pred)[1:]  # Tmax comes first
    assert len(res) == len(pred.observed) - 2
    assert sorted(res) == pytest.approx(sorted([logs["cmax"], (logs["auc"] + logs["cavg"]) / 2, logs["cmin"]]))
    # Crinone label: AUC0-96 and Cavg0-24 are different windows, so two observations.
    crinone = next(a for a in load_knowledge().entries("pk_arms") if a.id == "crinone-label-90mg")
    assert not cavg_repeats_auc(crinone)
    crinone_pred = predict_arm(crinone)
    assert len(residuals(crinone_pred)) == len(crinone_pred.observed) == 4


def test_the_fit_does_not_depend_on_the_written_values():
    arms = [a for a in load_knowledge().entries("pk_arms") if arm_model(a).id == "im-oil"]
    model = route_model("im", "oil depot")
    a = fit_model(model, arms)
    b = fit_model(model.with_typical(ka_per_h=model.typical["ka_per_h"] * 3), arms)
    for name in a.values:
        assert a.values[name] == pytest.approx(b.values[name], rel=1e-6)
        assert a.values[name] == pytest.approx(model.typical[name], rel=1e-3)  # as written


def test_apply_fits_edits_values_and_keeps_comments():
    text = (ROOT / "src/lutea/knowledge/data/pk_models.yaml").read_text(encoding="utf-8")
    fit = ModelFit("transdermal-cream", ("f_bio",), {"f_bio": 1.234e-5}, {"f_bio": 0.5}, ("vashisht2005-cream-40mg",), 0.0, 1)
    out = apply_fits(text, [fit])
    assert out.splitlines()[0] == text.splitlines()[0]  # header comment survives
    entry = next(e for e in yaml.safe_load(out)["entries"] if e["id"] == "transdermal-cream")
    assert entry["parameters"]["f_bio"]["value"] == pytest.approx(1.234e-5)
    assert isinstance(entry["parameters"]["f_bio"]["value"], float)
    assert entry["parameters"]["f_bio"]["omega"] == 0.5
    assert entry["provisional"] is False
    assert entry["fitted_from"] == ["vashisht2005-cream-40mg"]


def test_apply_fits_writes_the_dose_exponent_and_the_half_saturation_dose():
    text = (ROOT / "src/lutea/knowledge/data/pk_models.yaml").read_text(encoding="utf-8")
    fit = ModelFit("vaginal-capsule", ("f_bio", "dose_exponent"), {"f_bio": 0.2, "dose_exponent": 0.4321}, {}, ("erny1989-capsule-vaginal-100mg",), 0.0, 4)
    entry = next(e for e in yaml.safe_load(apply_fits(text, [fit]))["entries"] if e["id"] == "vaginal-capsule")
    assert entry["dose_proportionality"]["exponent"] == pytest.approx(0.4321)
    assert entry["dose_proportionality"]["reference_dose_mg"] == 100
    fit = ModelFit("vaginal-gel", ("f_bio", "dose_saturation_mg"), {"f_bio": 0.2, "dose_saturation_mg": 12.5}, {}, ("crinone-label-90mg",), 0.0, 4)
    entry = next(e for e in yaml.safe_load(apply_fits(text, [fit]))["entries"] if e["id"] == "vaginal-gel")
    assert entry["dose_proportionality"]["half_saturation_mg"] == pytest.approx(12.5)
    assert entry["dose_proportionality"]["reference_dose_mg"] == 90


def test_arm_schema_rejects_incomplete_regimens():
    base = dict(id="x", study="s", route="oral", formulation="capsule", dose_mg=100, window_h=24,
                population="healthy", assay="lcms", assay_method="LC-MS/MS", cmax_ng_ml=1.0, sources=["levine2000"])
    PKArm.model_validate(base)
    with pytest.raises(ValueError):
        PKArm.model_validate(base | {"n_doses": 3})
    with pytest.raises(ValueError):
        PKArm.model_validate(base | {"use": "exclude"})
    with pytest.raises(ValueError):
        PKArm.model_validate({k: v for k, v in base.items() if k != "cmax_ng_ml"})


def test_ratios_are_finite(preds):
    for p in preds:
        for metric in p.observed:
            r = p.ratio(metric)
            assert r is not None and math.isfinite(r) and r > 0, (p.arm.id, metric)


def test_apply_fits_writes_the_diurnal_variation_as_amplitude_and_peak():
    text = (ROOT / "src/lutea/knowledge/data/pk_models.yaml").read_text(encoding="utf-8")
    # cos and sin coefficients of an amplitude 0.2 peaking at 06:00 (a quarter of the day)
    fit = ModelFit("vaginal-capsule", ("f_bio", "diurnal_cos", "diurnal_sin"),
                   {"f_bio": 0.09, "diurnal_cos": 0.0, "diurnal_sin": 0.2}, {}, ("vub2024-vaginal-400mg-q12h-day6",), 0.0, 4)
    entry = next(e for e in yaml.safe_load(apply_fits(text, [fit]))["entries"] if e["id"] == "vaginal-capsule")
    assert entry["diurnal"]["amplitude"] == pytest.approx(0.2)
    assert entry["diurnal"]["peak_clock_h"] == pytest.approx(6.0)
    assert entry["diurnal"]["sources"]  # the rest of the block survives


def test_time_of_day_is_fitted_only_where_an_arm_states_its_clock():
    capsule, gel = route_model("vaginal", "capsule"), route_model("vaginal", "gel")
    assert {"diurnal_cos", "diurnal_sin"} <= set(free_parameters(capsule, 12, clocked=True))
    assert not {"diurnal_cos", "diurnal_sin"} & set(free_parameters(capsule, 12, clocked=False))
    assert not {"diurnal_cos", "diurnal_sin"} & set(free_parameters(gel, 12, clocked=True))  # no `diurnal` block


def test_dose_response_table_reads_the_models_single_doses():
    # the report's table: one dose of the typical person; the saturable pessary rises x1.3 or
    # more from 50 to 100 mg and less than x1.2 from 400 to 800 mg (ESHRE 2017 abstract: single
    # doses rose only up to 200 mg); Cmax and AUC0-24 agree with the typical curve read by numpy
    from lutea.pk.engine import simulate_hours
    from lutea.pk.validation import dose_response

    pessary = route_model("vaginal", "pessary")
    rows = {dose: (cmax, auc) for dose, cmax, auc in dose_response(pessary, (50.0, 100.0, 400.0, 800.0))}
    assert rows[100.0][1] / rows[50.0][1] > 1.3 and rows[800.0][1] / rows[400.0][1] < 1.2
    t = np.linspace(0.0, 24.0, 481)
    conc = simulate_hours([(pessary, np.array([0.0]), np.array([100.0]), None)], t)[0]
    assert rows[100.0][0] == pytest.approx(conc.max(), rel=1e-9)
    assert rows[100.0][1] == pytest.approx(np.trapezoid(conc, t), rel=1e-9)


def test_a_dose_taken_with_food_is_simulated_with_the_food_effect():
    # Simon 1993: "absorption of micronized P was enhanced twofold in the presence of food"; the
    # oral model's typical values are those of a fasting dose, and Lobo 2019's capsule (Bijuva,
    # labelled "each evening with food") is simulated fed
    lobo = next(a for a in load_knowledge().entries("pk_arms") if a.id == "lobo2019-oral-100mg-day7")
    assert lobo.with_food
    oral = route_model("oral", "capsule")
    assert oral.food_factor == 2.0 and oral.fasting_equivalent_mg(100.0, True) == 200.0
    assert oral.fasting_equivalent_mg(100.0, False) == 100.0
    fed = predict_arm(lobo.model_copy(update={"baseline_subtracted": True})).predicted["cavg"]
    fasting = predict_arm(lobo.model_copy(update={"baseline_subtracted": True, "with_food": False})).predicted["cavg"]
    assert fed / fasting == pytest.approx(2.0, rel=1e-9)
    with pytest.raises(InputError, match="no food effect is known"):
        route_model("vaginal", "gel").fasting_equivalent_mg(90.0, True)
    for arm in load_knowledge().entries("pk_arms"):
        if arm.with_food:
            assert arm_model(arm).food_factor is not None, arm.id
