"""Pathway plans: vignettes as data (tests/vignettes/pathways), the condition language, errors,
and the two invariants of every plan: red flags first, and no dose for a patient."""

import json
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given, strategies as st

from lutea.errors import InputError
from lutea.findings import Severity
from lutea.knowledge import load_knowledge
from lutea.knowledge.schema import Condition
from lutea.pathways import holds, list_scenarios, parse_answer, plan

VIGNETTES = sorted((Path(__file__).parent / "vignettes" / "pathways").glob("*.yaml"))
DOSE = re.compile(r"\d+(\.\d+)?\s*(mg|milligram)", re.IGNORECASE)


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def _plan(case: dict, role: str = "clinician"):
    return plan(case["scenario"], case["answers"], role=role, allergies=case.get("allergies", []),
                conditions=case.get("conditions", []), medications=case.get("medications", []))


def _assert_red_flags_first(findings) -> None:
    severities = [f.severity for f in findings]
    urgent = [i for i, s in enumerate(severities) if s is Severity.URGENT]
    assert urgent == list(range(len(urgent))), f"urgent findings not first: {[f.code for f in findings]}"
    codes = [f.code for f in findings]
    triage = [i for i, c in enumerate(codes) if c == "triage.urgent"]
    assert triage == list(range(len(triage))), codes


def _assert_no_dose(payload: dict) -> None:
    text = json.dumps(payload)
    assert "dose_mg" not in text and "interval_h" not in text, text
    match = DOSE.search(text)
    assert match is None, f"dose in patient output: {text[max(0, match.start() - 80):match.end() + 20]}"


def test_at_least_thirty_vignettes_cover_every_scenario_and_case_kind():
    cases = [_load(p) for p in VIGNETTES]
    assert len(cases) >= 30
    assert {c["scenario"] for c in cases} == {s["id"] for s in list_scenarios()}
    kinds = {"eligible": 0, "ineligible": 0, "contraindicated": 0, "red_flag": 0}
    for c in cases:
        e = c["expect"]
        kinds["eligible"] += e.get("eligible") is True
        kinds["ineligible"] += e.get("eligible") is False
        kinds["contraindicated"] += bool(e.get("contraindications"))
        kinds["red_flag"] += bool(e.get("red_flags"))
    assert all(n >= 4 for n in kinds.values()), kinds


@pytest.mark.parametrize("path", VIGNETTES, ids=[p.stem for p in VIGNETTES])
def test_vignette(path: Path):
    case = _load(path)
    kb = load_knowledge()
    assert case["guideline"].strip(), "each vignette quotes the guideline text it checks"
    assert case["source"] in kb.sources, f"unknown source {case['source']}"
    result = _plan(case)
    payload = result.to_json()
    expect = case["expect"]
    codes = [f.code for f in result.findings]
    _assert_red_flags_first(result.findings)

    if "eligible" in expect:
        assert result.eligible is expect["eligible"], result.reasons
    if "regimens_count" in expect:
        assert len(result.regimens) == expect["regimens_count"], [r.id for r in result.regimens]
    for wanted in expect.get("regimens", []):
        assert any(all(r.get(k) == v for k, v in wanted.items()) for r in payload["regimens"]), (wanted, payload["regimens"])
    for product in expect.get("no_regimen_products", []):
        assert product not in {r.product for r in result.regimens}
    ids = {r.id for r in result.regimens}
    assert set(expect.get("regimen_ids_include", [])) <= ids, ids
    assert not set(expect.get("regimen_ids_exclude", [])) & ids, ids
    assert set(expect.get("contraindications", [])) <= {c.id for c in result.contraindications}
    assert set(expect.get("interactions", [])) <= {i.id for i in result.interactions}
    assert set(expect.get("findings_include", [])) <= set(codes), codes
    assert not set(expect.get("findings_exclude", [])) & set(codes), codes
    for text in expect.get("reasons_include", []):
        assert any(text in r for r in result.reasons), (text, result.reasons)
    if expect.get("red_flags"):
        fired = [f.detail["red_flag"] for f in result.findings if f.code == "triage.urgent"]
        assert set(expect["red_flags"]) <= set(fired), fired
        assert result.findings[0].code == "triage.urgent"
    if expect.get("no_urgent"):
        assert not any(f.severity is Severity.URGENT for f in result.findings)
    if "test_cycle_day" in expect:
        timing = next(f for f in result.findings if f.code == "plan.test_timing")
        assert timing.detail["test_cycle_day"] == expect["test_cycle_day"]
    for symptom, grade in expect.get("diary_grades", {}).items():
        diary = next(f for f in result.findings if f.code == "diary.symptom" and f.detail["symptom"] == symptom)
        assert diary.detail["evidence_grade"] == grade
    assert set(payload["sources"]) <= set(kb.sources)


@pytest.mark.parametrize("path", VIGNETTES, ids=[p.stem for p in VIGNETTES])
def test_vignette_as_patient_has_no_dose_and_says_when_to_seek_care(path: Path):
    case = _load(path)
    result = _plan(case, role="patient")
    payload = result.to_json()
    _assert_no_dose(payload)
    _assert_red_flags_first(result.findings)
    codes = [f["code"] for f in payload["findings"]]
    assert "plan.discuss" in codes and "plan.seek_care" in codes
    assert payload["role"] == "patient"
    assert result.eligible == _plan(case).eligible


def test_plan_json_has_the_published_shape():
    case = _load(VIGNETTES[0])
    payload = _plan(case).to_json()
    assert list(payload) == ["scenario", "eligible", "reasons", "regimens", "risk_profiles", "contraindications",
                             "interactions", "findings", "sources", "knowledge_version", "role"]
    assert set(payload["regimens"][0]) == {"product", "substance", "route", "dose_mg", "interval_h", "start", "stop",
                                           "sources"}


def test_unknown_scenario_lists_the_scenarios():
    with pytest.raises(InputError) as err:
        plan("luteal-magic", {})
    assert err.value.field == "scenario"
    assert "threatened-miscarriage" in str(err.value) and "ovulation-workup" in str(err.value)


def test_missing_required_answers_are_listed():
    with pytest.raises(InputError) as err:
        plan("threatened-miscarriage", {"gestational_weeks": 8})
    message = str(err.value)
    for needed in ("symptoms", "previous_miscarriages"):
        assert needed in message
    # an unanswered location is a pregnancy of unknown location, not a missing answer
    assert "pregnancy_location" not in message and "intrauterine_confirmed" not in message


@pytest.mark.parametrize("answers, field", [
    ({"gestational_weeks": "eight", "symptoms": [], "previous_miscarriages": 1, "intrauterine_confirmed": True}, "gestational_weeks"),
    ({"gestational_weeks": 8, "symptoms": ["glowing"], "previous_miscarriages": 1, "intrauterine_confirmed": True}, "symptoms"),
    ({"gestational_weeks": 80, "symptoms": [], "previous_miscarriages": 1, "intrauterine_confirmed": True}, "gestational_weeks"),
    ({"gestational_weeks": 8, "symptoms": [], "previous_miscarriages": 1, "intrauterine_confirmed": "maybe"}, "intrauterine_confirmed"),
    ({"gestational_weeks": 8, "symptoms": [], "previous_miscarriages": 1, "intrauterine_confirmed": True, "mood": 3}, "answers"),
])
def test_bad_answers_name_the_field(answers, field):
    with pytest.raises(InputError) as err:
        plan("threatened-miscarriage", answers)
    assert err.value.field == field


def test_unknown_role_is_rejected():
    with pytest.raises(InputError, match="role"):
        plan("ovulation-workup", {"cycle_length_days": 28, "cycle_regular": True}, role="pharmacist")


def test_enum_answer_is_checked_against_options():
    with pytest.raises(InputError) as err:
        plan("ivf-luteal-support", {"protocol": "icsi"})
    assert "fresh" in str(err.value)


def test_list_scenarios_names_six_pathways_with_questions():
    scenarios = list_scenarios()
    assert [s["id"] for s in scenarios] == ["threatened-miscarriage", "recurrent-miscarriage", "ivf-luteal-support",
                                            "preterm-birth-short-cervix", "menopause-endometrial-protection",
                                            "ovulation-workup"]
    assert all(s["questions"] for s in scenarios)


def test_parse_answer_converts_text_by_question_type():
    questions = {q.id: q for q in load_knowledge().get("pathways", "threatened-miscarriage").questions}
    assert parse_answer(questions["fetal_heartbeat"], "yes") is True
    assert parse_answer(questions["pregnancy_location"], "Unknown") == "unknown"
    assert parse_answer(questions["pregnancy_location"], "yes") == "intrauterine"  # the former yes/no answer
    with pytest.raises(InputError):
        parse_answer(questions["pregnancy_location"], "maybe")
    assert parse_answer(questions["gestational_weeks"], "8.5") == 8.5
    assert parse_answer(questions["symptoms"], "bleeding, pain") == ("bleeding", "pain")


def test_unknown_allergy_is_reported_as_not_screened():
    result = plan("ivf-luteal-support", {"protocol": "fresh"}, allergies=["penicillin"])
    unscreened = [f for f in result.findings if f.code == "safety.unscreened"]
    assert unscreened and "penicillin" in unscreened[0].message


# --- the condition language -----------------------------------------------------------------

def _c(**kw) -> Condition:
    return Condition.model_validate(kw)


def test_conditions_compose():
    cond = _c(all_of=[{"answer": "n", "op": "ge", "value": 1},
                      {"any_of": [{"answer": "s", "op": "any_of", "value": ["a", "b"]}, {"answer": "f", "op": "is_true"}]},
                      {"none_of": [{"answer": "e", "op": "eq", "value": "x"}]}])
    assert holds(cond, {"n": 2, "s": ("b",), "e": "y"})
    assert holds(cond, {"n": 1, "s": (), "f": True})
    assert not holds(cond, {"n": 0, "s": ("a",)})
    assert not holds(cond, {"n": 2, "s": ("a",), "e": "x"})


def test_a_test_on_a_missing_answer_is_false():
    assert not holds(_c(answer="x", op="is_false"), {})
    assert not holds(_c(answer="x", op="lt", value=3), {})
    assert holds(_c(none_of=[{"answer": "x", "op": "lt", "value": 3}]), {})


def test_condition_needs_exactly_one_form():
    with pytest.raises(ValueError):
        Condition.model_validate({"answer": "x", "op": "eq", "value": 1, "all_of": []})
    with pytest.raises(ValueError):
        Condition.model_validate({"answer": "x", "op": "lt"})


@given(st.floats(min_value=0, max_value=45, allow_nan=False))
def test_gestational_cut_off_is_exact(weeks):
    cond = _c(answer="gestational_weeks", op="lt", value=16)
    assert holds(cond, {"gestational_weeks": weeks}) is (weeks < 16)


@given(st.lists(st.sampled_from(["bleeding", "pain", "spotting", "headache", "nausea", "swollen leg",
                                 "chest pain", "fainting", "leg cramps", "shoulder tip pain"]), max_size=5))
def test_red_flags_always_come_first(symptoms):
    answers = {"gestational_weeks": 9, "symptoms": symptoms, "previous_miscarriages": 2, "intrauterine_confirmed": True}
    for role in ("clinician", "patient"):
        result = plan("threatened-miscarriage", answers, role=role, allergies=["soya"], medications=["rifampicin"])
        _assert_red_flags_first(result.findings)
        if role == "patient":
            _assert_no_dose(result.to_json())


# --- pregnancy of unknown location (NICE NG126) ------------------------------------------------

TM = {"gestational_weeks": 8, "symptoms": ["bleeding"], "previous_miscarriages": 2}


def _codes(result) -> list[str]:
    return [f.code for f in result.findings]


@pytest.mark.parametrize("location", [{}, {"pregnancy_location": "unknown"}, {"intrauterine_confirmed": False},
                                      {"pregnancy_location": None}])
def test_location_unknown_is_a_plan_not_an_error(location):
    """The issue's case: bleeding, two previous miscarriages, location unknown (or unanswered)."""
    result = plan("threatened-miscarriage", {**TM, **location})
    assert result.eligible is False and result.regimens == ()
    assert any(r.startswith("Not eligible yet") and "confirmed by a scan" in r for r in result.reasons)
    codes = _codes(result)
    # NG126: scan and serial hCG 48 hours apart; serum progesterone does not locate the pregnancy
    assert {"plan.note.pul-scan-and-hcg", "plan.note.pul-progesterone-not-diagnostic"} <= set(codes)
    scan = next(f for f in result.findings if f.code == "plan.note.pul-scan-and-hcg")
    assert "transvaginal" in scan.message and "48 hours apart" in scan.message
    caveat = next(f for f in result.findings if f.code == "plan.note.pul-progesterone-not-diagnostic")
    assert "do not use serum progesterone" in caveat.message and "ectopic" in caveat.message
    # the ectopic warning signs lead the plan (no red flag fired: only bleeding)
    assert codes[0] == "plan.note.pul-ectopic-warning-signs"
    signs = result.findings[0]
    assert set(signs.detail["red_flags"]) >= {"pregnancy-severe-or-one-sided-pain", "pregnancy-shoulder-tip-pain",
                                              "pregnancy-fainting", "pregnancy-heavy-bleeding"}
    assert "shoulder tip pain" in signs.message.lower() and "24 hours a day" in signs.message
    assert "plan.monitoring.heartbeat-scan" not in codes
    assert "nice-ng126" in result.sources


def test_location_unknown_red_flags_that_fire_still_come_first():
    result = plan("threatened-miscarriage", {**TM, "symptoms": ["bleeding", "shoulder tip pain"]})
    codes = _codes(result)
    assert codes[0] == "triage.urgent" and codes[1] == "plan.note.pul-ectopic-warning-signs"
    _assert_red_flags_first(result.findings)


def test_location_unknown_for_a_patient_is_plain_and_has_no_dose():
    result = plan("threatened-miscarriage", TM, role="patient")
    payload = result.to_json()
    _assert_no_dose(payload)
    assert payload["reasons"] == [("Not yet: a scan first needs to show that the pregnancy is in the womb before "
                                  "progesterone can be considered.")]
    first = payload["findings"][0]
    assert first["code"] == "plan.note.pul-ectopic-warning-signs"
    assert "outside the womb" in first["message"] and "999" in first["message"]
    texts = " ".join(f["message"] for f in payload["findings"])
    assert "hCG blood tests" in texts and "scan" in texts


def test_confirmed_intrauterine_pregnancy_still_offers_progesterone():
    for location in ({"pregnancy_location": "intrauterine"}, {"intrauterine_confirmed": True},
                     {"intrauterine_confirmed": "yes"}):
        for previous in (1, 2):
            result = plan("threatened-miscarriage", {**TM, "previous_miscarriages": previous, **location})
            assert result.eligible is True, (location, result.reasons)
            assert result.regimens[0].product == "utrogestan" and result.regimens[0].dose_mg == 400
            assert not {c for c in _codes(result) if c.startswith("plan.note.pul")}


def test_ectopic_location_is_not_eligible_and_points_to_ectopic_care():
    result = plan("threatened-miscarriage", {**TM, "pregnancy_location": "ectopic"})
    codes = _codes(result)
    assert result.eligible is False and not result.regimens
    assert codes[0] == "plan.note.pul-ectopic-warning-signs" and "plan.note.ectopic-location" in codes
    assert "plan.note.pul-scan-and-hcg" not in codes


def test_former_and_new_location_answers_must_agree():
    with pytest.raises(InputError) as err:
        plan("threatened-miscarriage", {**TM, "pregnancy_location": "unknown", "intrauterine_confirmed": True})
    assert err.value.field == "intrauterine_confirmed" and "contradicts" in str(err.value)
    agreed = plan("threatened-miscarriage", {**TM, "pregnancy_location": "intrauterine", "intrauterine_confirmed": True})
    assert agreed.eligible is True


def test_question_default_and_aliases_are_checked_by_the_schema():
    from lutea.knowledge.schema import PathwayQuestion
    with pytest.raises(ValueError, match="default"):
        PathwayQuestion.model_validate({"id": "x", "text": "x", "type": "enum", "options": ["a"], "required": False,
                                        "default": "b"})
    with pytest.raises(ValueError, match="not required"):
        PathwayQuestion.model_validate({"id": "x", "text": "x", "type": "enum", "options": ["a"], "default": "a"})
    with pytest.raises(ValueError, match="unknown options"):
        PathwayQuestion.model_validate({"id": "x", "text": "x", "type": "enum", "options": ["a"],
                                        "option_aliases": {"b": ["bee"]}})
