"""A serum progesterone result taken on a synthetic progestogen: what the assay sees (her own
progesterone only) and which readings lutea must not make of it.

Sources: eggersmann2022-dyd-assays (dydrogesterone and DHD spiked into plasma: no relevant
interference in six routine progesterone immunoassays or LC-MS/MS); krasowski2014-steroid-immunoassays
(table 4: medroxyprogesterone 0.67% in the Roche Elecsys progesterone assay)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from lutea.context import make_context, resolve_progestogens, resolve_treatment
from lutea.errors import InputError
from lutea.interpret import interpret
from lutea.knowledge import load_knowledge
from lutea.measurement import Measurement

CODE = "treatment.progestogen_not_measured"
PROGESTOGENS = ("duphaston", "provera", "primolut-n", "visanne", "mirena")


def serum(ng_ml: float, specimen: str = "serum") -> Measurement:
    return Measurement(value=ng_ml, unit="ng/mL", specimen=specimen)  # type: ignore[arg-type]


def codes(result) -> list[str]:
    return [f.code for f in result.findings]


def finding(result, code: str):
    return next(f for f in result.findings if f.code == code)


@pytest.mark.parametrize("product", PROGESTOGENS)
def test_every_progestogen_gets_the_finding_in_both_voices(product):
    result = interpret(serum(0.4), make_context(treatment=resolve_treatment(product)))
    f = finding(result, CODE)
    assert f.severity.value == "advise"
    # cited to the assay studies, as the knowledge base says
    assert set(f.sources) == {"eggersmann2022-dyd-assays", "krasowski2014-steroid-immunoassays"}
    assert "her own progesterone only" in f.message and "transfer-day cut-offs" in f.message
    name = load_knowledge().get("products", product).names[0]
    assert name in f.patient_message and "your own progesterone" in f.patient_message
    # patient words: no finding codes, no product ids unless the id is the product's name
    assert CODE not in f.patient_message and "_" not in f.patient_message
    if product.lower() != name.lower():
        assert product not in f.patient_message
    assert f.detail["products"] == [product] and f.detail["progesterone_given"] is False


def test_progesterone_itself_gets_no_such_finding():
    result = interpret(serum(12), make_context(treatment=resolve_treatment("cyclogest", "vaginal")))
    assert CODE not in codes(result)


def test_the_finding_is_about_serum_only():
    saliva = Measurement(value=80, unit="pg/mL", specimen="saliva")  # type: ignore[arg-type]
    assert CODE not in codes(interpret(saliva, make_context(treatment=resolve_treatment("duphaston"))))
    assert CODE in codes(interpret(serum(1.0, "plasma"), make_context(treatment=resolve_treatment("duphaston"))))


def test_a_progestogen_only_fet_is_not_read_against_transfer_day_cut_offs():
    # 3.1 ng/mL in a programmed FET: on vaginal progesterone it is below the 8.8 ng/mL default
    # cut-off (the control); on dydrogesterone alone it is her own progesterone, and the cut-off
    # set on progesterone-supported cycles does not apply (no art.* reading at all)
    on_progesterone = interpret(serum(3.1), make_context(protocol="hrt-fet", treatment=resolve_treatment("cyclogest", "vaginal")))
    assert "art.et_day_low" in codes(on_progesterone)
    on_dydrogesterone = interpret(serum(3.1), make_context(
        protocol="hrt-fet", treatment=resolve_treatment("duphaston", dose_mg=10, interval_h=8)))
    assert not [c for c in codes(on_dydrogesterone) if c.startswith("art.")]
    assert CODE in codes(on_dydrogesterone)


def test_with_progesterone_as_well_the_cut_off_judges_the_progesterone_part():
    ctx = make_context(protocol="hrt-fet", treatment=resolve_treatment("cyclogest", "vaginal"),
                       progestogens=resolve_progestogens(["Duphaston"]))
    result = interpret(serum(3.1), ctx)
    assert "art.et_day_low" in codes(result) and CODE in codes(result)
    assert finding(result, CODE).detail["progesterone_given"] is True


def test_a_progestogen_is_not_read_as_a_failing_progesterone_regimen():
    start = datetime(2026, 3, 1, 8, tzinfo=UTC)
    sampled = start + timedelta(days=5, hours=4)
    # control: 0.5 ng/mL on Cyclogest 400 mg twice daily is far below what it gives
    low_on_cyclogest = interpret(serum(0.5), make_context(
        sampled_at=sampled, treatment=resolve_treatment("cyclogest", "vaginal", 400, 12, start + timedelta(days=5),
                                                        started_at=start)))
    assert "treatment.level_unexpectedly_low" in codes(low_on_cyclogest)
    on_duphaston = interpret(serum(0.5), make_context(
        sampled_at=sampled, treatment=resolve_treatment("duphaston", None, 10, 8, start + timedelta(days=5, hours=0),
                                                        started_at=start)))
    assert "treatment.level_unexpectedly_low" not in codes(on_duphaston)
    assert CODE in codes(on_duphaston)


def test_oral_progesterone_caveat_is_not_attached_to_an_oral_progestogen():
    # the oral-immunoassay caveat (nahoul1987) is about metabolites of oral progesterone
    assert "treatment.route_caveat" in codes(interpret(serum(5), make_context(treatment=resolve_treatment("utrogestan", "oral"))))
    assert "treatment.route_caveat" not in codes(interpret(serum(5), make_context(treatment=resolve_treatment("provera"))))


def test_early_pregnancy_cut_offs_are_not_applied_on_a_progestogen():
    ctx = make_context(pregnant=True, gestational_weeks=7.0, pregnancy_location="intrauterine",
                       treatment=resolve_treatment("duphaston", dose_mg=10, interval_h=8), sampled_at=date(2026, 3, 1))
    result = interpret(serum(4.0), ctx)
    assert "pregnancy.nonviable_risk" not in codes(result)
    assert finding(result, "pregnancy.rule_not_applicable").detail == {"progestogen_only": True}
    assert CODE in codes(result)


def test_a_named_progestogen_must_be_one():
    with pytest.raises(InputError) as err:
        resolve_progestogens(["utrogestan"])
    assert err.value.field == "progestogens"
    with pytest.raises(InputError) as err:
        interpret(serum(3), make_context(progestogens=("snake-oil",)))
    assert err.value.field == "progestogens" and "duphaston" in str(err.value.accepted)


from hypothesis import given, settings
from hypothesis import strategies as st

_PROGESTOGEN_IDS = {p.id for p in load_knowledge().entries("products") if p.substance != "progesterone"}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=40), max_size=4))
def test_resolving_progestogen_names_gives_ids_or_an_input_error(names):
    try:
        ids = resolve_progestogens(names)
    except InputError as exc:
        assert exc.field == "progestogens"
        return
    assert set(ids) <= _PROGESTOGEN_IDS and len(ids) == len(set(ids))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(max_size=30), max_size=3))
def test_any_progestogens_in_a_context_is_read_or_refused_by_field(values):
    try:
        interpret(serum(3.0), make_context(progestogens=tuple(values)))
    except InputError as exc:
        assert exc.field == "progestogens"
