import math
from datetime import UTC, datetime

import pytest

from lutea.errors import InputError
from lutea.individualise import (
    Individualiser,
    balance_report,
    candidates,
    parse_target,
    rank,
)
from lutea.individualise.balance import change_time
from lutea.knowledge import load_knowledge

REGIMEN = "400 mg vaginal q12h from 2026-03-01T08:00"
TARGET = parse_target("ge 10 ng/mL at 2026-03-06T10:00")


@pytest.fixture(scope="module")
def low_fit():
    """A programmed-FET patient whose level on day 5 is low (7.1 ng/mL one hour after a dose)."""
    return Individualiser(context="hrt-fet", weight_kg=72).fit(REGIMEN, ["2026-03-05T09:00=7.1 ng/mL"])


def test_candidates_come_from_the_knowledge_base_with_sources(low_fit):
    kb = load_knowledge()
    options = candidates(low_fit, change_time(low_fit, None), TARGET.end, REGIMEN)
    ids = {c.id for c in options}
    assert "continue" in ids
    assert "sc-25mg-daily-rescue" in ids  # Labarta 2022 / PMID 39897956 rescue
    assert "double-current-rescue" in ids
    for c in options:
        if c.kind != "continue":
            assert c.sources and all(s in kb.sources for s in c.sources)
    # only ART labelled regimens are offered in a frozen-transfer cycle
    assert not any("endometrial protection" in c.label for c in options)
    # Cyclogest pessaries are a switch from micronised capsules (their own PK model), not a
    # repeat, and say that their repeated-dose levels are an extrapolation
    cyclogest = next(c for c in options if c.id.startswith("cyclogest-vaginal-400mg-q12h"))
    assert any("vaginal-pessary" in text and "extrapolation" in text for text in cyclogest.caveats)
    assert not next(c for c in options if c.id == "continue").caveats
    # doubling 400 mg capsules gives 800 mg at once, beyond the 100-400 mg the model was fitted to
    double = next(c for c in options if c.id == "double-current-rescue")
    assert any("800 mg at once" in text and "100-400 mg" in text for text in double.caveats)


def test_programmed_fet_offers_crinone_twice_daily_not_once(low_fit):
    # A programmed FET replaces progesterone: Crinone 8% 90 mg twice daily per its label
    # (partial or complete ovarian failure); once daily is the supplementation dose.
    options = candidates(low_fit, change_time(low_fit, None), TARGET.end, REGIMEN)
    crinone = {c.id for c in options if c.id.startswith("crinone-8-")}
    assert crinone == {"crinone-8-vaginal-90mg-q12h"}, crinone


def test_the_current_regimen_is_not_offered_twice():
    current = "Cyclogest 400 mg vaginal q12h from 2026-03-01T08:00"
    fit = Individualiser(context="hrt-fet", weight_kg=72).fit(current, ["2026-03-05T09:00=7.1 ng/mL"])
    options = candidates(fit, change_time(fit, None), TARGET.end, current)
    assert "continue" in {c.id for c in options}
    assert not any(c.id.startswith("cyclogest-vaginal-400mg-q12h") for c in options)


def test_rescue_candidates_raise_the_chance_of_meeting_the_target(low_fit):
    options = candidates(low_fit, change_time(low_fit, None), TARGET.end, REGIMEN)
    ranked = rank(low_fit, TARGET, options)
    by_id = {r.candidate.id: r for r in ranked}
    current = by_id["continue"]
    assert by_id["sc-25mg-daily-rescue"].p_target > current.p_target
    assert by_id["double-current-rescue"].p_target > current.p_target
    # ranked by bands of 5 percentage points, then by burden
    assert math.floor(ranked[0].p_target / 0.05) == math.floor(max(r.p_target for r in ranked) / 0.05)
    # the addition keeps the vaginal doses and adds one injection a day
    assert by_id["sc-25mg-daily-rescue"].candidate.administrations_per_day == pytest.approx(3.0)
    assert by_id["sc-25mg-daily-rescue"].candidate.dose_mg_per_day == pytest.approx(825.0)
    assert not by_id["sc-25mg-daily-rescue"].same_route


def test_ties_in_probability_rank_by_burden(low_fit):
    high = parse_target("ge 0.01 ng/mL at 2026-03-06T10:00")  # every candidate meets it
    ranked = rank(low_fit, high, candidates(low_fit, change_time(low_fit, None), high.end, REGIMEN))
    burdens = [(r.candidate.administrations_per_day, r.candidate.dose_mg_per_day) for r in ranked]
    assert burdens == sorted(burdens)


def test_a_period_target_must_hold_throughout(low_fit):
    period = parse_target("ge 10 ng/mL from 2026-03-06T00:00 to 2026-03-08T00:00")
    point = parse_target("ge 10 ng/mL at 2026-03-06T10:00")
    report_period = balance_report(low_fit, period)
    report_point = balance_report(low_fit, point)
    # the lowest level over two days is below the level 2 h after a dose
    assert report_period["prediction"]["at_target"] < report_point["prediction"]["at_target"]
    assert report_period["prediction"]["p_target"] <= report_point["prediction"]["p_target"]


def test_the_patient_role_gets_no_regimen_and_no_dose(low_fit):
    report = balance_report(low_fit, TARGET, role="patient", current_text=REGIMEN)
    assert "candidates" not in report and "parameters" not in report
    assert "clinician" in report["message"]
    text = str(report)
    assert " mg" not in text and "q12h" not in text


def test_the_clinician_report_has_the_agreed_shape(low_fit):
    report = balance_report(low_fit, TARGET, current_text=REGIMEN)
    assert set(report["prediction"]) >= {"at_target", "ci90", "p_target"}
    assert report["knowledge_version"] == load_knowledge().version
    for c in report["candidates"]:
        assert {"regimen", "predicted", "ci90", "p_target", "sources"} <= set(c)
        assert c["ci90"][0] <= c["predicted"] <= c["ci90"][1]
    for p in report["parameters"].values():
        assert p["ci90"][0] <= p["estimate"] <= p["ci90"][1]


def test_natural_cycle_offers_the_sc_rescue_only():
    fit = Individualiser(context="natural-cycle").fit("25 mg sc q24h from 2026-03-20T09:00", ["2026-03-21T08:00=9 ng/mL"])
    report = balance_report(fit, parse_target("ge 10 ng/mL at 2026-03-22T09:00"), change_at=datetime(2026, 3, 21, 10, tzinfo=UTC))
    kinds = {c["kind"] for c in report["candidates"]}
    assert kinds <= {"continue", "addition"}


def test_unknown_role_is_an_input_error(low_fit):
    with pytest.raises(InputError) as info:
        balance_report(low_fit, TARGET, role="nurse")
    assert info.value.field == "role"


def test_balancing_scenarios_refer_to_real_products_and_routes():
    kb = load_knowledge()
    products = {p.id: p for p in kb.entries("products")}
    for scenario in kb.entries("balancing_scenarios"):
        for add in scenario.additions:
            if add.product is not None:
                product = products[add.product]
                assert add.route in {product.route, *product.routes}, add.id
                assert add.dose_mg in product.strengths_mg or add.dose_mg % min(product.strengths_mg) == 0, add.id


def test_a_window_reports_the_level_that_breaks_it(low_fit):
    # A two-sided window: a candidate that overshoots the upper bound must show the overshoot,
    # not the lowest level it shares with the current regimen.
    window = parse_target("between 1 and 12 ng/mL from 2026-03-06T00:00 to 2026-03-08T00:00")
    ranked = rank(low_fit, window, candidates(low_fit, change_time(low_fit, None), window.end, REGIMEN))
    by_id = {r.candidate.id: r for r in ranked}
    doubled = by_id["double-current-rescue"]
    assert doubled.p_target < 0.5
    assert doubled.predicted_ng_ml > 12.0
    assert doubled.predicted_ng_ml > by_id["continue"].predicted_ng_ml


def test_menopause_balance_offers_no_progestogen_to_reach_a_progesterone_level():
    # Duphaston's label gives 10 mg daily for endometrial protection (label-duphaston-ie), but a
    # progesterone assay does not see dydrogesterone (eggersmann2022-dyd-assays): a balance of serum
    # progesterone offers the progesterone regimens for that indication only
    regimen = "200 mg oral at bedtime from 2026-03-01T08:00"
    fit = Individualiser(context="postmenopausal", weight_kg=70).fit(regimen, ["2026-03-05T09:00=1.2 ng/mL"])
    options = candidates(fit, change_time(fit, None), parse_target("ge 1 ng/mL at 2026-03-08T10:00").end, regimen)
    labelled = [c for c in options if c.kind == "labelled"]
    assert labelled and all(not c.id.startswith(("duphaston", "provera", "primolut-n", "visanne", "mirena")) for c in options)
    assert any("endometrial protection" in c.label for c in labelled)
