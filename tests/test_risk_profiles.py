"""Risk profiles of progestogens with oestrogen: each number is the one its source's abstract gives
(sources.yaml notes), substances without their own estimate say so, and comparisons are side by side."""

import pytest
from hypothesis import given, strategies as st

from lutea.errors import InputError
from lutea.knowledge import load_knowledge
from lutea.knowledge.schema import RiskEstimate
from lutea.risk_profiles import compare, profile_json, risk_profile, substances

SIX = ["progesterone", "dydrogesterone", "medroxyprogesterone-acetate", "norethisterone", "dienogest", "levonorgestrel"]


def _own(substance: str, outcome: str) -> list[RiskEstimate]:
    return [e for e in risk_profile(substance).estimates if e.outcome == outcome and e.scope == "substance"]


def test_exactly_the_six_substances_have_profiles():
    assert substances() == SIX


@pytest.mark.parametrize("substance, outcome, measure, value, ci95, source", [
    # E3N (Fournier 2008): versus never use of HRT
    ("progesterone", "breast-cancer", "RR", 1.00, (0.83, 1.22), "fournier2008-e3n"),
    ("dydrogesterone", "breast-cancer", "RR", 1.16, (0.94, 1.43), "fournier2008-e3n"),
    # ESTHER (Canonico 2007): micronised progesterone OR 0.7 (0.3-1.9)
    ("progesterone", "venous-thromboembolism", "OR", 0.7, (0.3, 1.9), "canonico2007-esther"),
    # Vinogradova 2019: oestradiol with dydrogesterone 1.18 (0.98-1.42); CEE with MPA 2.10 (1.92-2.31)
    ("dydrogesterone", "venous-thromboembolism", "OR", 1.18, (0.98, 1.42), "vinogradova2019-vte"),
    ("medroxyprogesterone-acetate", "venous-thromboembolism", "OR", 2.10, (1.92, 2.31), "vinogradova2019-vte"),
])
def test_substance_estimates_are_the_published_ones(substance, outcome, measure, value, ci95, source):
    estimate = next(e for e in _own(substance, outcome) if source in e.sources)
    assert (estimate.measure, estimate.value, estimate.ci95) == (measure, value, ci95)


def test_mpa_breast_cancer_is_the_whi_stop_and_its_hazard_ratio_without_an_invented_interval():
    """WHI 2002: stopped because the invasive breast cancer statistic crossed its boundary (no ratio read);
    Chlebowski 2003: invasive breast cancer HR 1.24 (199 vs 150 cases), no CI in the abstract."""
    stop, ratio = _own("medroxyprogesterone-acetate", "breast-cancer")
    assert stop.value is None and stop.measure is None and "whi2002" in stop.sources
    assert "stopping boundary" in stop.finding
    assert (ratio.measure, ratio.value, ratio.ci95) == ("HR", 1.24, None)
    assert ratio.sources == ["chlebowski2003-whi-breast"]


@pytest.mark.parametrize("substance", ["norethisterone", "dienogest", "levonorgestrel"])
def test_substances_without_their_own_estimate_say_so(substance):
    assert _own(substance, "breast-cancer") == [] and _own(substance, "venous-thromboembolism") == []
    for outcome in profile_json(substance)["outcomes"].values():
        assert outcome["estimates"] == [] and "No estimate specific" in outcome["note"]


def test_pooled_estimates_are_shown_once_apart_from_the_columns():
    table = compare(SIX)
    assert [s["substance"] for s in table["substances"]] == SIX
    assert [r["outcome"] for r in table["rows"]] == ["breast-cancer", "venous-thromboembolism"]
    pooled = {p["outcome"]: p for p in table["pooled"]}
    # Collaborative Group 2019: oestrogen-progestagen, current use years 5-14, RR 2.08 (2.02-2.15)
    assert (pooled["breast-cancer"]["value"], pooled["breast-cancer"]["ci95"]) == (2.08, [2.02, 2.15])
    assert len(table["pooled"]) == 2
    for row in table["rows"]:
        assert all(e["scope"] == "substance" for cell in row["cells"].values() for e in cell["estimates"])


@given(st.lists(st.sampled_from(SIX), min_size=1, max_size=8))
def test_compare_keeps_first_mention_order_without_repeats(chosen):
    table = compare(chosen)
    assert [s["substance"] for s in table["substances"]] == list(dict.fromkeys(chosen))
    assert set(table["sources"]) <= set(load_knowledge().sources)


def test_patient_view_has_messages_not_numbers():
    table = compare(["progesterone", "medroxyprogesterone-acetate"], role="patient")
    for row in table["rows"]:
        for cell in row["cells"].values():
            for estimate in cell["estimates"]:
                assert set(estimate) == {"message", "scope", "sources"}
    assert "hormone replacement therapy" in table["context"]


def test_unknown_substance_names_the_known_ones():
    with pytest.raises(InputError) as err:
        risk_profile("estradiol")
    assert err.value.field == "substance" and "dydrogesterone" in str(err.value)


def test_products_name_their_substance_and_unknown_products_fall_back_to_progesterone():
    assert load_knowledge().substance_of("duphaston") == "dydrogesterone"
    assert load_knowledge().substance_of("provera") == "medroxyprogesterone-acetate"
    assert load_knowledge().substance_of("mirena") == "levonorgestrel"
    assert load_knowledge().substance_of("utrogestan") == "progesterone"
    assert load_knowledge().substance_of("no-such-product") == "progesterone"
    assert {p.substance for p in load_knowledge().entries("products")} <= set(SIX)


@pytest.mark.parametrize("bad", [
    {"value": 1.5, "ci95": [0.5, 1.2], "measure": "RR"},   # interval does not surround the value
    {"value": 1.5},                                         # a value without its measure
    {"ci95": [0.5, 1.2], "measure": "RR"},                  # an interval without a value
])
def test_schema_refuses_an_inconsistent_estimate(bad):
    base = {"outcome": "breast-cancer", "exposure": "x", "finding": "x", "patient_message": "x", "sources": ["whi2002"]}
    with pytest.raises(ValueError):
        RiskEstimate.model_validate({**base, **bad})
