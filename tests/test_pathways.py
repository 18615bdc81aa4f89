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
from lutea.regions import for_region

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
                             "interactions", "findings", "sources", "claims", "knowledge_version", "role"]
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


def test_list_scenarios_names_ten_pathways_with_questions():
    scenarios = list_scenarios()
    assert [s["id"] for s in scenarios] == ["threatened-miscarriage", "recurrent-miscarriage", "ivf-luteal-support",
                                            "preterm-birth-short-cervix", "menopause-endometrial-protection",
                                            "ovulation-workup", "perimenopause", "endometriosis",
                                            "pcos-endometrial-protection", "premenstrual-syndrome"]
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
    # the core names services by placeholder; each shell fills them for the clinic's region
    assert "outside the womb" in first["message"] and "{emergency_number}" in first["message"]
    assert "999" in for_region(first, "uk")["message"] and "911" in for_region(first, "us")["message"]
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


# --- progestogens: the new pathways and the risk profiles of a plan ----------------------------

PMS = {"symptom_diary_cycles": 2, "symptoms_luteal_only": True}
PERI = {"age_years": 49, "irregular_periods": True, "vasomotor_symptoms": True, "uterus_present": True}
ALL_SUBSTANCES = {"progesterone", "dydrogesterone", "medroxyprogesterone-acetate", "norethisterone", "dienogest",
                  "levonorgestrel"}


@given(cycles=st.integers(min_value=0, max_value=24), luteal=st.booleans(),
       tried=st.sampled_from([None, True, False]), role=st.sampled_from(["clinician", "patient"]))
def test_pms_never_offers_a_progesterone_or_progestogen_regimen(cycles, luteal, tried, role):
    """RCOG GTG48 and Cochrane (ford2012-cochrane-pms: two trials, 280 women, do not show progesterone works)."""
    answers = {"symptom_diary_cycles": cycles, "symptoms_luteal_only": luteal, "simple_measures_tried": tried}
    result = plan("premenstrual-syndrome", answers, role=role)
    assert result.regimens == () and result.risk_profiles is None
    assert "plan.do-not.progesterone-for-pms" in _codes(result)
    assert result.eligible is (cycles >= 2 and luteal)


def test_pms_plan_says_progesterone_is_not_recommended_in_both_views():
    clinician = plan("premenstrual-syndrome", PMS)
    do_not = next(f for f in clinician.findings if f.code == "plan.do-not.progesterone-for-pms")
    # Cochrane CD003415 (Ford 2012): two eligible trials, 280 participants, 115 with analysable results
    assert "280 women" in do_not.message and "115" in do_not.message
    assert do_not.sources == ("ford2012-cochrane-pms",)
    patient = plan("premenstrual-syndrome", PMS, role="patient").to_json()
    _assert_no_dose(patient)
    text = " ".join(f["message"] for f in patient["findings"])
    assert "Progesterone has not been shown to help premenstrual syndrome" in text
    assert patient["regimens"] == []


def test_endometriosis_offers_the_licensed_progestogens_and_their_profiles():
    result = plan("endometriosis", {"endometriosis_pain": True, "trying_to_conceive": False})
    # Visanne SmPC: 2 mg daily without a break; Primolut N (Bayer): 5 mg twice daily from day 5
    assert [(r.product, r.substance, r.dose_mg, r.interval_h) for r in result.regimens] == [
        ("visanne", "dienogest", 2, 24), ("primolut-n", "norethisterone", 5, 12)]
    risks = result.to_json()["risk_profiles"]
    assert [s["substance"] for s in risks["substances"]] == ["dienogest", "norethisterone"]
    only = plan("endometriosis", {"endometriosis_pain": True, "trying_to_conceive": False,
                                  "progestogen_preference": "dienogest"})
    assert [r.product for r in only.regimens] == ["visanne"]


def test_pcos_combined_pill_is_a_note_not_a_regimen():
    result = plan("pcos-endometrial-protection", {"infrequent_periods": True, "protection_preference": "combined-pill"})
    assert result.eligible is True and result.regimens == ()
    assert "plan.note.pcos-combined-pill" in _codes(result)


def test_perimenopause_and_menopause_set_all_six_progestogens_side_by_side():
    for scenario, answers in (("perimenopause", PERI),
                              ("menopause-endometrial-protection", {"uterus_present": True, "hrt_regimen": "continuous",
                                                                    "oestrogen_dose": "standard"})):
        risks = plan(scenario, answers).to_json()["risk_profiles"]
        assert {s["substance"] for s in risks["substances"]} == ALL_SUBSTANCES
        breast = next(r for r in risks["rows"] if r["outcome"] == "breast-cancer")["cells"]
        # E3N (fournier2008-e3n): oestrogen-progesterone RR 1.00 (0.83-1.22), -dydrogesterone 1.16 (0.94-1.43)
        assert breast["progesterone"]["estimates"][0]["value"] == 1.00
        assert breast["progesterone"]["estimates"][0]["ci95"] == [0.83, 1.22]
        assert breast["dydrogesterone"]["estimates"][0]["ci95"] == [0.94, 1.43]
        assert breast["norethisterone"]["estimates"] == [] and breast["norethisterone"]["note"]
        vte = next(r for r in risks["rows"] if r["outcome"] == "venous-thromboembolism")["cells"]
        # Vinogradova 2019: CEE with MPA OR 2.10 (1.92-2.31), the highest; oestradiol with dydrogesterone 1.18
        assert vte["medroxyprogesterone-acetate"]["estimates"][0]["value"] == 2.10
        assert vte["dydrogesterone"]["estimates"][0]["value"] == 1.18
        assert {"fournier2008-e3n", "canonico2007-esther", "vinogradova2019-vte"} <= set(plan(scenario, answers).sources)


def test_a_plan_shows_the_profile_of_the_progestogen_chosen_and_patients_get_plain_words():
    only_dydrogesterone = plan("perimenopause", {**PERI, "progestogen_preference": "dydrogesterone"}, role="patient")
    payload = only_dydrogesterone.to_json()
    _assert_no_dose(payload)
    assert payload["regimens"][0]["substance"] == "dydrogesterone"
    first = payload["risk_profiles"]["substances"][0]
    assert first["substance"] == "dydrogesterone" and "blood clots" in first["summary"]
    cell = payload["risk_profiles"]["rows"][0]["cells"]["dydrogesterone"]["estimates"][0]
    assert set(cell) == {"message", "scope", "sources"}  # no measure, interval or exposure for a patient
    assert "do not describe" in payload["risk_profiles"]["context"]


def test_a_progesterone_plan_in_pregnancy_shows_the_oestrogen_context():
    result = plan("threatened-miscarriage", {**TM, "pregnancy_location": "intrauterine"})
    risks = result.to_json()["risk_profiles"]
    assert [s["substance"] for s in risks["substances"]] == ["progesterone"]
    assert "in pregnancy" in risks["context"]


def test_dydrogesterone_is_evidence_not_a_regimen_in_threatened_miscarriage_and_ivf():
    tm = plan("threatened-miscarriage", {**TM, "pregnancy_location": "intrauterine"})
    note = next(f for f in tm.findings if f.code == "plan.note.dydrogesterone-evidence")
    # Devall 2021 (CD013792) summary of findings: dydrogesterone vs placebo live birth RR 0.98 (0.89-1.07)
    assert "0.98 (95% CI 0.89-1.07" in note.message and "devall2021-cochrane" in note.sources
    assert "duphaston" not in {r.product for r in tm.regimens}
    assert "plan.note.dydrogesterone-evidence" not in _codes(plan("threatened-miscarriage", TM))  # location unknown
    ivf = plan("ivf-luteal-support", {"protocol": "fresh"})
    lps = next(f for f in ivf.findings if f.code == "plan.note.dydrogesterone-luteal-support")
    # Griesinger 2020 IPD meta-analysis: ongoing pregnancy OR 1.32 (1.08-1.61), live birth OR 1.28 (1.04-1.57)
    assert "OR 1.32 (95% CI 1.08-1.61)" in lps.message and "1.28 (1.04-1.57)" in lps.message
    assert "duphaston" not in {r.product for r in ivf.regimens}
    assert "plan.note.dydrogesterone-luteal-support" not in _codes(plan("ivf-luteal-support", {"protocol": "hrt-fet"}))


@pytest.mark.parametrize("age, eligible", [(45, False), (45.5, True), (60, True)])
def test_perimenopause_is_diagnosed_clinically_over_45(age, eligible):
    """NICE NG23 1.2.1: without laboratory tests in otherwise healthy women aged over 45; 1.2.5: an FSH
    test only at 40 to 45 with symptoms including a change in the menstrual cycle (or under 40)."""
    result = plan("perimenopause", {**PERI, "age_years": age})
    assert result.eligible is eligible
    assert any("FSH test" in r and "40 to 45" in r for r in result.reasons) is not eligible
