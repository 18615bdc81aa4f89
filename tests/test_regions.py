"""The clinic's region: every patient message names the emergency number and services of the
region (regions.yaml), nowhere a UK service outside the UK, and a plan lists the region's
guideline bodies first without dropping a source."""

from __future__ import annotations

import re
import shutil
from importlib import resources
from itertools import combinations
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from lutea.config import Settings
from lutea.errors import InputError, KnowledgeError
from lutea.knowledge import load_knowledge
from lutea.knowledge.loader import PLACEHOLDER, load_from
from lutea.knowledge.schema import CUTOFF_PLACEHOLDERS, SUBSTANCE_PLACEHOLDERS
from lutea.pathways import plan
from lutea.regions import (
    fill_contacts,
    for_region,
    names_a_contact,
    order_sources,
    region,
    region_ids,
    regional_order,
)
from lutea.triage import triage

KB = load_knowledge()
REGIONS = region_ids()
# What a patient outside the UK must never be told to use: the UK's number and services.
UK_ONLY = re.compile(r"\b999\b|\bA&E\b|\bNHS\b|\b111\b")  # (Australia has GPs too: healthdirect-what-care)
# The emergency number of each region, as its official source gives it (regions.yaml notes):
# nhs-wmas-999-or-111 (dial 999), fcc-911 (9-1-1 is the official emergency number of the US),
# ec-112 (112, the single European emergency number), healthdirect-triple-zero (triple zero (000)).
EMERGENCY = {"uk": "999", "us": "911", "eu": "112", "au": "000"}
# Patient-facing fields of knowledge entries (the clinician's own text may name its guideline).
PATIENT_FIELDS = {"patient_message", "action", "patient_unmet", "patient_summary", "meaning"}
# a claim's `summary` is written for patients (claims.yaml); a pathway's `summary` is the clinician's
PATIENT_FIELDS_OF = {"claims": PATIENT_FIELDS | {"summary"}}


def _texts(value: object, field: str = "") -> list[tuple[str, str]]:
    """(field name, text) of every string inside an entry."""
    if isinstance(value, str):
        return [(field, value)]
    if isinstance(value, BaseModel):
        return [t for name in type(value).model_fields for t in _texts(getattr(value, name), name)]
    if isinstance(value, (list, tuple)):
        return [t for item in value for t in _texts(item, field)]
    if isinstance(value, dict):
        return [t for item in value.values() for t in _texts(item, field)]
    return []


def _patient_texts() -> list[str]:
    return [text for name, entries in KB.sections.items() if name not in ("sources", "regions")
            for entry in entries for field, text in _texts(entry) if field in PATIENT_FIELDS_OF.get(name, PATIENT_FIELDS)]


def test_the_four_regions_and_their_emergency_numbers() -> None:
    assert REGIONS == ["uk", "us", "eu", "au"]
    for region_id, number in EMERGENCY.items():
        assert region(region_id).contacts["emergency_number"].startswith(number)
    assert region("au").contacts["urgent_advice_line"] == "healthdirect on 1800 022 222"  # healthdirect-what-care
    assert region(" US ").id == "us"


def test_an_unknown_region_names_the_accepted_ones() -> None:
    with pytest.raises(InputError) as refused:
        region("mars")
    assert refused.value.field == "region" and refused.value.accepted == "uk, us, eu, au"
    with pytest.raises(InputError):
        for_region({"text": "no placeholder here"}, "mars")


def test_the_setting_accepts_a_region_and_refuses_an_unknown_one_naming_the_accepted(monkeypatch) -> None:
    monkeypatch.setenv("LUTEA_REGION", "AU")
    assert Settings().region == "au"
    monkeypatch.delenv("LUTEA_REGION")
    assert Settings().region == "uk"  # the default keeps the behaviour before regions
    with pytest.raises(ValidationError, match=r"LUTEA_REGION: unknown region 'mars'; accepted: uk, us, eu, au"):
        Settings(region="mars")


@pytest.mark.parametrize("region_id", REGIONS)
def test_every_patient_text_of_the_knowledge_base_reads_for_the_region(region_id: str) -> None:
    texts = _patient_texts()
    assert sum("{emergency_number}" in t for t in texts) >= 6  # the red flags' actions use it
    for text in texts:
        filled = fill_contacts(text, region_id)
        left = set(PLACEHOLDER.findall(filled))  # a pathway's cut-off or a caveat's substance is filled later
        assert left <= {p.strip("{}") for p in (*CUTOFF_PLACEHOLDERS, *SUBSTANCE_PLACEHOLDERS)}, filled
        if region_id != "uk":
            assert UK_ONLY.search(filled) is None, filled


def test_placeholders_live_only_in_patient_texts() -> None:
    """The clinician's text (FHIR DetectedIssue, CDS cards) names no service through a placeholder."""
    contacts = set(region("uk").contacts)
    placed = {(name, field) for name, entries in KB.sections.items() if name != "regions" for entry in entries
              for field, text in _texts(entry) if set(PLACEHOLDER.findall(text)) & contacts}
    assert placed and all(field in PATIENT_FIELDS_OF.get(name, PATIENT_FIELDS) for name, field in placed)


def test_uk_wording_is_what_lutea_said_before_regions() -> None:
    flag = KB.get("red_flags", "pregnancy-severe-or-one-sided-pain")
    assert fill_contacts(flag.action, "uk") == ("Contact your early pregnancy unit, your GP or NHS 111 now; go to A&E or "
                                                "call 999 if the pain is sudden and severe or you feel faint.")
    assert fill_contacts(KB.get("red_flags", "vte-chest").action, "uk") == "Call 999 now."


SITUATIONS = st.sampled_from(["assisted_reproduction", "preterm_birth_risk"])
SYMPTOMS = sorted({s for f in KB.entries("red_flags") for s in (*f.any_symptoms, *f.all_symptoms)})


@settings(max_examples=60, deadline=None)
@given(symptoms=st.lists(st.sampled_from(SYMPTOMS), min_size=1, max_size=4, unique=True), pregnant=st.booleans(),
       treated=st.booleans(), situations=st.lists(SITUATIONS, max_size=2, unique=True), region_id=st.sampled_from(REGIONS))
def test_no_red_flag_outside_the_uk_names_a_uk_service(symptoms, pregnant, treated, situations, region_id) -> None:
    findings = for_region([f.to_json() for f in triage(symptoms, pregnant=pregnant, on_hormone_treatment=treated,
                                                       situations=situations)], region_id)
    for f in findings:
        text = f["patient_message"] + " " + f["detail"]["action"]
        assert "{" not in text
        if region_id != "uk":
            assert UK_ONLY.search(text) is None, text
        if "emergency_number" in KB.get("red_flags", f["detail"]["red_flag"]).action:
            assert EMERGENCY[region_id] in text


@pytest.mark.parametrize("region_id", REGIONS)
@pytest.mark.parametrize("symptoms", [["chest pain"], ["heavy bleeding", "pain"]])
def test_chest_pain_or_heavy_bleeding_in_pregnancy_calls_the_regions_number(region_id, symptoms) -> None:
    (first, *_) = for_region([f.to_json() for f in triage(symptoms, pregnant=True, on_hormone_treatment=False)],
                             region_id)
    assert f"call {EMERGENCY[region_id]}" in first["patient_message"].lower()


@pytest.mark.parametrize("region_id", REGIONS)
def test_every_patient_plan_reads_for_the_region(region_id: str) -> None:
    """Each scenario with its red-flag symptoms, for a patient: no placeholder, no UK service elsewhere."""
    for pathway in KB.entries("pathways"):
        answers = {q.id: (q.options[0] if q.options else q.minimum or 1) for q in pathway.questions
                   if q.required and q.type in ("enum", "number")}
        answers |= {q.id: True for q in pathway.questions if q.required and q.type == "bool"}
        if any(q.id == "symptoms" for q in pathway.questions):
            answers["symptoms"] = ["bleeding", "pain", "chest pain"]
        payload = plan(pathway.id, answers, role="patient").to_json()
        text = str(for_region(payload, region_id))
        assert PLACEHOLDER.search(text.replace("{cutoff}", "").replace("{alternatives}", "")) is None
        if region_id != "uk":
            assert UK_ONLY.search(text) is None, (pathway.id, text)


def test_a_plan_lists_the_regions_guideline_bodies_first_and_drops_none() -> None:
    mixed = ["label-prometrium-us", "eshre-rpl-2022", "nice-ng126", "acog-co700", "asrm-lpd-2021"]
    assert order_sources(mixed, "uk")[:2] == ["nice-ng126", "eshre-rpl-2022"]
    assert order_sources(mixed, "us")[:2] == ["acog-co700", "asrm-lpd-2021"]
    assert order_sources(mixed, "eu")[0] == "eshre-rpl-2022"
    for region_id in REGIONS:
        ordered = order_sources(mixed, region_id)
        assert sorted(ordered) == sorted(mixed) and ordered[-1] == "label-prometrium-us"  # a label is no guideline body
    for pair in combinations(["label-prometrium-us", "label-crinone-us"], 2):  # stable among the unranked
        assert order_sources(list(pair), "us") == list(pair)
    shown = regional_order({"sources": mixed, "regimens": [{"sources": mixed}]}, "us")
    assert shown["sources"][0] == shown["regimens"][0]["sources"][0] == "acog-co700"


def _copy_kb(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(Path(str(resources.files("lutea.knowledge.data"))), target)
    return target


def test_the_loader_refuses_a_region_without_a_contact_the_others_give(tmp_path: Path) -> None:
    data = _copy_kb(tmp_path)
    doc = yaml.safe_load((data / "regions.yaml").read_text(encoding="utf-8"))
    del doc["entries"][2]["contacts"]["urgent_advice_line"]
    (data / "regions.yaml").write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    with pytest.raises(KnowledgeError, match="regions.yaml entry eu: contacts"):
        load_from(data)


def test_the_loader_refuses_a_placeholder_no_region_gives(tmp_path: Path) -> None:
    data = _copy_kb(tmp_path)
    path = data / "red_flags.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("{emergency_number}", "{poison_line}", 1), encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"red_flags.yaml entry .*\['poison_line'\].*accepted: early_pregnancy_service"):
        load_from(data)


@settings(max_examples=200, deadline=None)
@given(raw=st.one_of(st.text(max_size=12), st.sampled_from(["uk", "US", " eu ", "Au", "gb", "usa", "112", ""])))
def test_any_region_text_is_a_region_or_an_input_error_naming_the_accepted(raw: str) -> None:
    try:
        chosen = region(raw)
    except InputError as refused:
        assert refused.field == "region" and refused.accepted == "uk, us, eu, au"
        assert raw.strip().lower() not in REGIONS
    else:
        assert chosen.id == raw.strip().lower()


def test_the_scenario_list_shows_the_regions_guideline_bodies_first() -> None:
    from lutea.pathways import list_scenarios

    workup = next(s for s in list_scenarios() if s["id"] == "ovulation-workup")
    assert regional_order(workup, "uk")["sources"] == ["nice-cg156", "asrm-lpd-2021"]
    assert regional_order(workup, "us")["sources"] == ["asrm-lpd-2021", "nice-cg156"]


_JSON_TEXT = st.lists(st.sampled_from(["{", "}", "_", '"', "\\", "\n", "a", "Z", "é", "\u2028", "emergency_number",
                                         "urgent_advice_line"]), max_size=12).map("".join)
_JSON = st.recursive(st.one_of(st.none(), st.booleans(), st.floats(allow_nan=False, allow_infinity=False), _JSON_TEXT),
                     lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_JSON_TEXT, inner, max_size=4),
                     max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(value=_JSON)
def test_an_answer_that_names_no_contact_in_its_rendering_is_one_the_region_leaves_unchanged(value: object) -> None:
    """The API renders an answer first and walks it for the region only if the rendering holds a
    placeholder (names_a_contact): sound only if no rendering without one could change."""
    from fastapi.responses import JSONResponse

    rendered = JSONResponse(value).body
    if not names_a_contact(rendered):
        assert for_region(value, "us") == value
    assert names_a_contact(JSONResponse({"action": "Call {emergency_number} now."}).body)
    assert not names_a_contact(JSONResponse({"a": {}, "b": [{"c": "{}"}]}).body)
