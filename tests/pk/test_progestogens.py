"""Dydrogesterone and its metabolite DHD in serum, apart from the progesterone curve.

Published figures (sources.yaml): label-dydrogesterone-pk = SmPC 5.2 of dydrogesterone (Tmax
0.5-2.5 h; absolute bioavailability 28%; total plasma clearance 6.4 L/min; DHD/dydrogesterone AUC
and Cmax ratios of the order of 40 and 25; terminal half-lives 5-7 h and 14-17 h; linear over
2.5-10 mg; steady state after 3 days; the 2.5 mg steady-state table); label-duphaston-ch = Swiss
SmPC 'Pharmakokinetik' (Cmax about 2.1 ng/mL, DHD 53.0 ng/mL)."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from lutea.knowledge import load_knowledge
from lutea.pk.progestogens import analyte_models, engine_model, exposure, fit, validation_rows
from lutea.pk.simulate import simulate

START = "from 2026-03-01T08:00+00:00"
T0 = datetime(2026, 3, 1, 8, tzinfo=UTC)


def model(model_id: str):
    return next(m for m in analyte_models() if m.id == model_id).engine_model


def test_fitted_figures_are_reproduced():
    dyd, dhd = model("dydrogesterone-oral"), model("dhd-oral")
    # Swiss SmPC: Cmax about 2.1 ng/mL (dydrogesterone) and 53.0 ng/mL (DHD) after the 10 mg tablet
    assert exposure(dyd, "cmax", 10, None) == pytest.approx(2.1, rel=0.05)
    assert exposure(dhd, "cmax", 10, None) == pytest.approx(53.0, rel=0.05)
    # SmPC 5.2: terminal half-lives 5-7 h and 14-17 h
    assert 5 <= exposure(dyd, "t_half", 10, None) <= 7
    assert 14 <= exposure(dhd, "t_half", 10, None) <= 17
    # SmPC 5.2: F 28% and CL 6.4 L/min give AUC = 0.28 x 10 mg / 6.4 L/min = 7.29 ng.h/mL
    assert exposure(dyd, "auc_inf", 10, None) == pytest.approx(0.28 * 10e6 / (6.4 * 60 * 1000), rel=0.02)
    # SmPC 5.2: DHD/dydrogesterone AUC ratio of the order of 40, Cmax ratio of the order of 25
    assert exposure(dhd, "auc_ratio", 10, None, dyd) == pytest.approx(40, rel=0.05)
    assert exposure(dhd, "cmax_ratio", 10, None, dyd) == pytest.approx(25, rel=0.1)
    # SmPC 5.2: Tmax between 0.5 and 2.5 h; DHD peaks about 1.5 h after the dose
    assert 0.5 <= exposure(dyd, "tmax", 10, None) <= 2.5
    assert exposure(dhd, "tmax", 10, None) == pytest.approx(1.5, abs=0.25)


def test_the_written_parameters_are_what_the_fit_gives():
    entries = {e.id: e for e in load_knowledge().entries("progestogen_models")}
    parent = fit(entries["dydrogesterone-oral"], fixed={"f_bio": 0.28}, vss_prior_l=1400)
    dhd = fit(entries["dhd-oral"], parent=engine_model(entries["dydrogesterone-oral"], **parent),
              fixed={"f_bio": 1.0, "ka_per_h": parent["ka_per_h"]})
    for entry, values in ((entries["dydrogesterone-oral"], parent), (entries["dhd-oral"], dhd)):
        for name, p in entry.parameters.items():
            assert values[name] == pytest.approx(p.value, rel=0.01), (entry.id, name)


def test_held_out_steady_state_figures_are_within_the_fold_the_report_states():
    rows = {r.observation.id: r for r in validation_rows()}
    # the 2.5 mg once-daily steady-state table (label-dydrogesterone-pk, held out of the fit)
    for held_out in ("dyd-2.5mg-ss-cmax", "dyd-2.5mg-ss-cavg", "dyd-2.5mg-ss-auc", "dhd-2.5mg-ss-cmax", "dhd-2.5mg-ss-auc"):
        assert rows[held_out].within, (held_out, rows[held_out].ratio)
    # the trough of the parent is the one miss: its long terminal phase carries little exposure in
    # the fitted model (docs/validation.md says so); the test pins the miss so a change is noticed
    assert rows["dyd-2.5mg-ss-cmin"].ratio < 0.5
    # steady state after 3 days (SmPC 5.2), read as the DHD trough within 10% of steady state
    assert rows["dhd-steady-state-days"].predicted == pytest.approx(3, abs=1)


def test_simulate_keeps_progesterone_as_the_laboratory_reports_it():
    r = simulate(f"Duphaston 10 mg oral q8h x 4d {START}", days=5)
    d = r.as_dict()
    # the assay does not measure dydrogesterone (eggersmann2022-dyd-assays): no endogenous context,
    # so the progesterone curve is flat zero
    assert max(d["concentration_ng_ml"]) == 0.0
    assert set(d["progestogens"]) == {"dydrogesterone", "dihydrodydrogesterone"}
    dyd, dhd = d["progestogens"]["dydrogesterone"], d["progestogens"]["dihydrodydrogesterone"]
    assert len(dyd["concentration_ng_ml"]) == len(d["times_h"])
    assert dyd["measured_by_progesterone_assay"] is False and dyd["products"] == ["duphaston"]
    assert dhd["summary"]["cmax"] > 15 * dyd["summary"]["cmax"]  # DHD far above the parent (ratio of the order of 25)
    assert any("does not measure dydrogesterone" in c and "dihydrodydrogesterone (DHD)" in c for c in d["caveats"])


def test_progesterone_given_with_dydrogesterone_is_simulated_alone_on_the_progesterone_curve():
    both = simulate(f"Cyclogest 400 mg vaginal q12h x 3d {START}; Duphaston 10 mg oral q8h x 3d {START}", days=3)
    alone = simulate(f"Cyclogest 400 mg vaginal q12h x 3d {START}", days=3)
    assert np.allclose(both.concentration_ng_ml, alone.concentration_ng_ml)
    assert set(both.as_dict()["progestogens"]) == {"dydrogesterone", "dihydrodydrogesterone"}


def test_exposure_is_dose_proportional_as_the_label_says():
    # SmPC 5.2: single- and multiple-dose pharmacokinetics linear over 2.5-10 mg
    low = simulate(f"Duphaston 5 mg oral q12h x 3d {START}", days=3).as_dict()["progestogens"]["dihydrodydrogesterone"]
    high = simulate(f"Duphaston 10 mg oral q12h x 3d {START}", days=3).as_dict()["progestogens"]["dihydrodydrogesterone"]
    assert np.allclose(np.array(high["concentration_ng_ml"]), 2 * np.array(low["concentration_ng_ml"]), atol=2e-4)


def test_a_progestogen_without_data_is_not_simulated_and_says_so():
    d = simulate(f"Provera 10 mg oral q8h x 3d {START}", days=3).as_dict()
    mpa = d["progestogens"]["medroxyprogesterone-acetate"]
    assert mpa["concentration_ng_ml"] is None and mpa["validated"] is False
    assert "is not simulated" in mpa["message"]
    assert max(d["concentration_ng_ml"]) == 0.0


def test_the_levonorgestrel_system_reads_as_a_regimen():
    d = simulate(f"Mirena 52 mg intrauterine once {START}", days=2).as_dict()
    assert d["progestogens"]["levonorgestrel"]["concentration_ng_ml"] is None
