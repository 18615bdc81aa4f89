"""The exported Observation flags its value as an EHR reads it: `interpretation` (v3 code and lutea's
verdict) and `referenceRange` from the one interval or cut-off lutea's interpretation used; a
lab bundle imported, exported and imported again changes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir_examples import load
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from lutea import _interpret_rules as rules
from lutea.config import Settings
from lutea.context import Treatment, derive, make_context
from lutea.cutoffs import transfer_day_cutoff
from lutea.fhir import cds, codes
from lutea.fhir.importer import export_patient, import_bundle
from lutea.fhir.mapping_out import MeasurementOut, observation_resource
from lutea.findings import Finding, Severity
from lutea.interpret import interpret
from lutea.knowledge import load_knowledge
from lutea.measurement import Measurement
from lutea.records.access import operator_access
from lutea.result_flag import result_flag
from lutea.store import models
from lutea.units import convert

SAMPLED = datetime(2026, 10, 21, 8, 30, tzinfo=UTC)


def _counts(session: Session) -> dict[str, int]:
    return {m.__tablename__: session.scalar(select(func.count()).select_from(m)) or 0
            for m in (models.Patient, models.Measurement, models.Interpretation, models.Episode, models.SourceLink,
                      models.RedFlag)}


def _resources(bundle: dict[str, Any], rtype: str) -> dict[str, dict[str, Any]]:
    return {e["resource"]["id"]: e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == rtype}


def _observation(value: float, unit: str, **context: Any) -> dict[str, Any]:
    """The exported Observation of one serum result interpreted in `context`."""
    result = interpret(Measurement(value, unit, "serum", None, SAMPLED), make_context(**context))
    m = MeasurementOut(1, "serum", value, unit, "any", SAMPLED, None, result.to_json(), SAMPLED)
    return observation_resource(m, 1, load_knowledge())[0]


def _code(obs: dict[str, Any]) -> str | None:
    coding = obs["interpretation"][0].get("coding") or [{}]
    assert all(c.get("system", codes.OBSERVATION_INTERPRETATION) == codes.OBSERVATION_INTERPRETATION for c in coding)
    return coding[0].get("code")


def test_a_lab_bundle_round_trips_with_flags_and_a_second_import_changes_nothing(sessions: sessionmaker[Session]) -> None:
    kb = load_knowledge()
    with sessions.begin() as session:
        first = import_bundle(session, load("cycle_lab"))
    with sessions.begin() as session:
        exported = export_patient(operator_access(session, first.patient_id, Settings()))
    Bundle.model_validate(exported)
    observations = _resources(exported, "Observation")
    # 12 ng/mL on LH+7: the mid-luteal interval (Stricker 2006, 5th-95th percentile LH+5..LH+9)
    mid = kb.get("reference_intervals", "serum-midluteal-stricker2006")
    assert _code(observations["m-1"]) == "N"
    (range1,) = observations["m-1"]["referenceRange"]
    assert (range1["low"]["value"], range1["high"]["value"], range1["low"]["unit"]) == (mid.low, mid.high, "ng/mL")
    assert range1["type"]["coding"][0] == {"system": codes.REFERENCE_RANGE_MEANING, "code": "luteal"}
    assert range1["appliesTo"][0]["text"] == "women, mid-luteal phase" and mid.id in range1["text"]
    # 90 nmol/L on LH+11: above the luteal interval (Mayo, 1.8-24 ng/mL), the range given in nmol/L
    luteal = kb.get("reference_intervals", "serum-luteal-mayo")
    assert _code(observations["m-2"]) == "H"
    (range2,) = observations["m-2"]["referenceRange"]
    assert range2["high"]["unit"] == "nmol/L"
    assert range2["high"]["value"] == pytest.approx(convert(luteal.high, luteal.unit, "nmol/L", "serum"), rel=1e-6)
    assert all(kb.version in o["interpretation"][0]["text"] for o in observations.values() if o.get("interpretation"))
    issues = _resources(exported, "DetectedIssue")
    full_urls = {e["resource"]["id"]: e["fullUrl"] for e in exported["entry"]}
    assert issues and all(i["implicated"][0]["reference"] in (full_urls["m-1"], full_urls["m-2"]) for i in issues.values())

    with sessions.begin() as session:
        before = _counts(session)
        again = import_bundle(session, exported)
        assert _counts(session) == before
    assert again.patient_id == first.patient_id and again.created == {}
    assert sorted(again.unchanged) == ["EpisodeOfCare/e-1", "Observation/m-1", "Observation/m-2"]
    with sessions.begin() as session:
        second = export_patient(operator_access(session, first.patient_id, Settings()))
    assert {k: (v["code"], v["implicated"]) for k, v in _resources(second, "DetectedIssue").items()} == {
        k: (v["code"], v["implicated"]) for k, v in issues.items()}


def test_a_transfer_day_result_under_the_cut_off_is_low_against_that_cut_off() -> None:
    cutoff = transfer_day_cutoff("hrt-fet", "vaginal")
    assert cutoff is not None and cutoff.unit == "ng/mL"
    treatment = Treatment(product="utrogestan", route="vaginal", dose_mg=400, interval_h=12)
    obs = _observation(cutoff.value - 2.6, "ng/mL", protocol="hrt-fet", treatment=treatment, et_date=SAMPLED.date())
    assert _code(obs) == "L"
    (rng,) = obs["referenceRange"]
    assert rng["low"]["value"] == cutoff.value and "high" not in rng
    assert rng["type"]["coding"][0]["code"] == "therapeutic"
    assert "transfer day" in rng["appliesTo"][0]["text"] and cutoff.id in rng["text"]
    Bundle.model_validate({"resourceType": "Bundle", "type": "collection", "entry": [{"resource": obs}]})


def test_a_transfer_day_result_in_nmol_l_gets_the_cut_off_in_nmol_l() -> None:
    cutoff = transfer_day_cutoff("hrt-fet", "vaginal")
    assert cutoff is not None
    treatment = Treatment(product="utrogestan", route="vaginal", dose_mg=400, interval_h=12)
    obs = _observation(40.0, "nmol/L", protocol="hrt-fet", treatment=treatment, et_date=SAMPLED.date())
    assert _code(obs) == "N"  # 40 nmol/L is 12.6 ng/mL, not under 8.8 ng/mL
    assert obs["referenceRange"][0]["low"]["value"] == pytest.approx(convert(cutoff.value, "ng/mL", "nmol/L", "serum"))


def test_an_im_transfer_day_result_above_the_upper_cut_off_is_high() -> None:
    high = next(t for t in load_knowledge().entries("thresholds") if t.id == "et-high-hrt-im-kofinas2015")
    treatment = Treatment(product="pio", route="im", dose_mg=50, interval_h=24)
    obs = _observation(high.value + 5, "ng/mL", protocol="hrt-fet", treatment=treatment, et_date=SAMPLED.date())
    assert _code(obs) == "H" and obs["referenceRange"][0]["high"]["value"] == high.value


@pytest.mark.parametrize(("value", "context", "reason"), [
    (3.0, {}, "cycle phase is not known"),
    (20.0, {"pregnant": True}, "gestational age is not known"),  # above every early-pregnancy cut-off
    (3.0, {"protocol": "fresh"}, "treatment cycle"),
])
def test_a_result_without_an_applicable_interval_says_so_and_invents_no_range(value: float, context: dict[str, Any],
                                                                               reason: str) -> None:
    obs = _observation(value, "ng/mL", **context)
    assert "referenceRange" not in obs
    (concept,) = obs["interpretation"]
    assert "coding" not in concept
    assert "No reference interval or decision cut-off applies" in concept["text"] and reason in concept["text"]
    Bundle.model_validate({"resourceType": "Bundle", "type": "collection", "entry": [{"resource": obs}]})


def test_an_early_pregnancy_result_of_unknown_age_is_low_against_the_non_viability_cut_off() -> None:
    kb = load_knowledge()
    default = next(t for t in kb.entries("thresholds") if t.kind == "early_pregnancy_risk" and t.default)
    obs = _observation(default.value - 1, "ng/mL", pregnant=True)
    assert _code(obs) == "L" and obs["referenceRange"][0]["low"]["value"] == default.value
    assert obs["referenceRange"][0]["appliesTo"][0]["coding"][0]["code"] == codes.SNOMED_PREGNANCY


def test_an_implausible_value_is_not_flagged() -> None:
    obs = _observation(5000, "ng/mL", lh_peak_on=date(2026, 10, 14))
    assert "referenceRange" not in obs and "implausible" in obs["interpretation"][0]["text"]


def test_an_urgent_finding_on_the_cut_off_makes_the_flag_critical() -> None:
    """The knowledge base marks no interval or cut-off urgent today; the mechanism is checked with one."""
    kb = load_knowledge()
    cutoff = transfer_day_cutoff("hrt-fet", "vaginal", kb)
    assert cutoff is not None
    ctx = make_context(protocol="hrt-fet", sampled_at=SAMPLED)
    case = rules.Case(Measurement(2.0, "ng/mL", "serum"), 2.0, ctx, derive(ctx, kb), kb)
    urgent = Finding("art.et_day_low", Severity.URGENT, "m", "p", tuple(cutoff.sources), {"thresholds": [cutoff.id]})
    flag = result_flag(case, None, [urgent], implausible=False)
    assert (flag.code, flag.critical, flag.low) == ("LL", True, cutoff.value)
    m = MeasurementOut(1, "serum", 2.0, "ng/mL", "any", SAMPLED, None,
                       {"flag": flag.to_json(), "knowledge_version": kb.version, "findings": []})
    obs = observation_resource(m, 1, kb)[0]
    assert obs["interpretation"][0]["coding"][0] == {"system": codes.OBSERVATION_INTERPRETATION, "code": "LL",
                                                     "display": "Critical low"}


def test_cds_cards_take_their_indicator_and_flag_from_the_result_flag() -> None:
    kb = load_knowledge()
    # 1 ng/mL after the menopause: above the postmenopausal interval (Mayo, <= 0.20 ng/mL), an info finding
    high = interpret(Measurement(1.0, "ng/mL", "serum", None, SAMPLED), make_context(postmenopausal=True)).to_json()
    assert high["flag"]["code"] == "H"
    assert not [f for f in high["findings"] if f["severity"] in cds.CARD_SEVERITIES]
    (card,) = cds.patient_view_cards([{"label": "Progesterone 1 ng/mL", **high}], kb)
    assert card["indicator"] == "info" and card["source"]["topic"]["code"] == "H"
    assert card["source"]["topic"]["system"] == codes.OBSERVATION_INTERPRETATION
    assert card["detail"].startswith(f"Progesterone 1 ng/mL: High (H) against {high['flag']['label']}.")
    # a critical flag makes the card of the finding stating it critical
    cutoff = transfer_day_cutoff("hrt-fet", "vaginal", kb)
    assert cutoff is not None
    finding = {"code": "art.et_day_low", "severity": "advise", "message": "Low on transfer day.", "sources": list(cutoff.sources)}
    flag = {"code": "LL", "critical": True, "finding": "art.et_day_low", "label": "the cut-off", "sources": []}
    (critical,) = cds.patient_view_cards([{"label": "Progesterone 2 ng/mL", "flag": flag, "findings": [finding]}], kb)
    assert critical["indicator"] == "critical" and "Critical low (LL)" in critical["detail"]
