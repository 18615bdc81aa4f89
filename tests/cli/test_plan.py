import json
import re

from typer.testing import CliRunner

from lutea.command import app

runner = CliRunner()
BASE = ["plan", "--scenario", "threatened-miscarriage", "--gestational-weeks", "8", "--symptoms", "bleeding",
        "--previous-miscarriages", "1", "--intrauterine-confirmed"]


def test_issue_example_as_json():
    result = runner.invoke(app, [*BASE, "--allergies", "peanut", "--conditions", "vte-history",
                                 "--medications", "carbamazepine", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert {"scenario", "eligible", "reasons", "regimens", "contraindications", "interactions", "findings",
            "sources"} <= set(payload)
    assert payload["eligible"] is False  # every product is contraindicated after a VTE (labels)
    assert {c["id"] for c in payload["contraindications"]} >= {"peanut-allergy", "venous-thromboembolism"}
    assert [i["id"] for i in payload["interactions"]] == ["carbamazepine"]


def test_eligible_plan_lists_the_nice_regimen():
    result = runner.invoke(app, [*BASE, "--json"])
    payload = json.loads(result.stdout)
    assert payload["eligible"] is True
    # NICE NG126 1.5.2: vaginal micronised progesterone 400 mg twice daily.
    assert {"product": "utrogestan", "route": "vaginal", "dose_mg": 400.0, "interval_h": 12.0}.items() <= payload["regimens"][0].items()


def test_patient_role_shows_no_dose_and_red_flags_first():
    result = runner.invoke(app, ["plan", "--scenario", "threatened-miscarriage", "--gestational-weeks", "8",
                                 "--symptoms", "bleeding", "--symptoms", "shoulder tip pain",
                                 "--previous-miscarriages", "1", "--intrauterine-confirmed", "--role", "patient", "--json"])
    assert result.exit_code == 0, result.output
    assert "dose_mg" not in result.stdout and not re.search(r"\d+\s*mg", result.stdout)
    payload = json.loads(result.stdout)
    assert payload["findings"][0]["code"] == "triage.urgent"
    assert "999" in payload["findings"][0]["message"]


def test_generic_answer_option_reaches_any_question():
    result = runner.invoke(app, ["plan", "--scenario", "preterm-birth-short-cervix", "--gestational-weeks", "20",
                                 "--answer", "cervical_length_mm=18", "--answer", "previous-preterm-birth=no", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["eligible"] is True


def test_every_scenario_runs_from_the_cli():
    runs = {
        "threatened-miscarriage": BASE[1:],
        "recurrent-miscarriage": ["--scenario", "recurrent-miscarriage", "--previous-miscarriages", "3",
                                  "--answer", "pregnant_now=yes", "--symptoms", "bleeding", "--intrauterine-confirmed"],
        "ivf-luteal-support": ["--scenario", "ivf-luteal-support", "--answer", "protocol=hrt-fet",
                               "--answer", "serum_progesterone_ng_ml=7"],
        "preterm-birth-short-cervix": ["--scenario", "preterm-birth-short-cervix", "--gestational-weeks", "21",
                                       "--answer", "cervical_length_mm=20", "--answer", "previous_preterm_birth=yes"],
        "menopause-endometrial-protection": ["--scenario", "menopause-endometrial-protection",
                                             "--answer", "uterus_present=yes", "--answer", "hrt_regimen=sequential",
                                             "--answer", "oestrogen_dose=high"],
        "ovulation-workup": ["--scenario", "ovulation-workup", "--answer", "cycle_length_days=30",
                             "--answer", "cycle_regular=yes"],
    }
    for scenario, args in runs.items():
        for extra in ([], ["--json"], ["--role", "patient", "--json"]):
            result = runner.invoke(app, ["plan", *args, *extra])
            assert result.exit_code == 0, (scenario, extra, result.output)
        assert json.loads(runner.invoke(app, ["plan", *args, "--json"]).stdout)["eligible"] is True, scenario


def test_list_names_scenarios_and_questions():
    result = runner.invoke(app, ["plan", "--list", "--json"])
    assert result.exit_code == 0
    scenarios = json.loads(result.stdout)["scenarios"]
    assert len(scenarios) == 10
    text = runner.invoke(app, ["plan", "--list"]).stdout
    assert "cervical_length_mm" in text and "ovulation-workup" in text


def test_unknown_scenario_exits_2_with_one_line_listing_scenarios():
    result = runner.invoke(app, ["plan", "--scenario", "nope", "--json"])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "threatened-miscarriage" in result.stderr


def test_missing_answers_exit_2_naming_them():
    result = runner.invoke(app, ["plan", "--scenario", "threatened-miscarriage", "--gestational-weeks", "8"])
    assert result.exit_code == 2
    assert "previous_miscarriages" in result.stderr and result.stderr.count("\n") == 1


def test_bad_answer_pair_and_unknown_question_exit_2():
    for bad in (["--answer", "cervical_length_mm"], ["--answer", "colour=blue"], ["--answer", "cervical_length_mm=short"]):
        result = runner.invoke(app, ["plan", "--scenario", "preterm-birth-short-cervix", "--gestational-weeks", "20", *bad])
        assert result.exit_code == 2, bad
        assert result.stderr.startswith("error: ")


def test_plain_text_output_puts_urgent_first():
    result = runner.invoke(app, [*BASE[:6], "bleeding,pain", *BASE[7:]])
    assert result.exit_code == 0, result.output
    assert result.stdout.lstrip().startswith("URGENT")


ISSUE_14_6 = ["plan", "--scenario", "threatened-miscarriage", "--gestational-weeks", "8", "--symptoms", "bleeding",
              "--previous-miscarriages", "2"]


def test_pregnancy_of_unknown_location_exits_0_with_its_plan():
    """Issue 14 item 6, the exact command: location unknown is a plan, not a missing answer."""
    result = runner.invoke(app, [*ISSUE_14_6, "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["eligible"] is False and payload["regimens"] == []
    assert any(r.startswith("Not eligible yet") for r in payload["reasons"])
    codes = [f["code"] for f in payload["findings"]]
    assert codes[0] == "plan.note.pul-ectopic-warning-signs"  # red flags of the situation first
    assert {"plan.note.pul-scan-and-hcg", "plan.note.pul-progesterone-not-diagnostic"} <= set(codes)
    text = json.dumps(payload)
    assert "transvaginal" in text and "48 hours apart" in text and "Shoulder tip pain" in text
    plain = runner.invoke(app, ISSUE_14_6)
    assert plain.exit_code == 0 and "not eligible" in plain.stdout
    assert plain.stdout.index("pul-ectopic-warning-signs") < plain.stdout.index("pul-scan-and-hcg")


def test_pregnancy_of_unknown_location_for_a_patient_has_no_dose():
    result = runner.invoke(app, [*ISSUE_14_6, "--role", "patient", "--json"])
    assert result.exit_code == 0, result.output
    assert "dose_mg" not in result.stdout and not re.search(r"\d+\s*mg", result.stdout)
    payload = json.loads(result.stdout)
    assert payload["findings"][0]["code"] == "plan.note.pul-ectopic-warning-signs"
    assert "pregnancy of unknown location" in result.stdout


def test_location_flags_old_and_new():
    for flags in (["--pregnancy-location", "intrauterine"], ["--intrauterine-confirmed"],
                  ["--answer", "intrauterine_confirmed=yes"], ["--answer", "pregnancy-location=intrauterine"]):
        payload = json.loads(runner.invoke(app, [*ISSUE_14_6, *flags, "--json"]).stdout)
        assert payload["eligible"] is True, flags
    for flags in (["--pregnancy-location", "unknown"], ["--intrauterine-not-confirmed"],
                  ["--pregnancy-location", "ectopic"]):
        result = runner.invoke(app, [*ISSUE_14_6, *flags, "--json"])
        assert result.exit_code == 0 and json.loads(result.stdout)["eligible"] is False, flags
    bad = runner.invoke(app, [*ISSUE_14_6, "--pregnancy-location", "tubal"])
    assert bad.exit_code == 2 and "intrauterine, unknown, ectopic" in bad.stderr
    clash = runner.invoke(app, [*ISSUE_14_6, "--pregnancy-location", "unknown", "--intrauterine-confirmed"])
    assert clash.exit_code == 2 and "contradicts" in clash.stderr


def test_list_shows_the_location_question_with_its_default_and_former_id():
    scenarios = json.loads(runner.invoke(app, ["plan", "--list", "--json"]).stdout)["scenarios"]
    questions = {q["id"]: q for q in scenarios[0]["questions"]}
    location = questions["pregnancy_location"]
    assert location["options"] == ["intrauterine", "unknown", "ectopic"] and location["default"] == "unknown"
    assert location["aliases"] == ["intrauterine_confirmed"] and location["required"] is False
    assert "aliases" not in questions["symptoms"]  # only set where used
    text = runner.invoke(app, ["plan", "--list"]).stdout
    assert "hrt-fet" in text  # enum options are printed, not eaten as markup


# --- the progestogen pathways (issue 17): each from the CLI, with its risk profiles ----------------

NEW = {
    "endometriosis": ["--answer", "endometriosis_pain=yes", "--answer", "trying_to_conceive=no"],
    "pcos-endometrial-protection": ["--answer", "infrequent_periods=yes"],
    "premenstrual-syndrome": ["--answer", "symptom_diary_cycles=2", "--answer", "symptoms_luteal_only=yes"],
    "perimenopause": ["--answer", "age_years=49", "--answer", "irregular_periods=yes",
                      "--answer", "vasomotor_symptoms=yes", "--answer", "uterus_present=yes"],
}


def test_plan_list_names_the_new_pathways():
    text = runner.invoke(app, ["plan", "--list"]).stdout
    for scenario in NEW:
        assert scenario in text
    assert "progestogen_preference" in text and "symptom_diary_cycles" in text


def test_endometriosis_from_the_cli_offers_dienogest_and_norethisterone():
    """Visanne SmPC: 2 mg daily; Primolut N: 5 mg twice daily for endometriosis (labels)."""
    payload = json.loads(runner.invoke(app, ["plan", "--scenario", "endometriosis", *NEW["endometriosis"], "--json"]).stdout)
    assert [(r["product"], r["substance"], r["dose_mg"]) for r in payload["regimens"]] == [
        ("visanne", "dienogest", 2.0), ("primolut-n", "norethisterone", 5.0)]
    assert [s["substance"] for s in payload["risk_profiles"]["substances"]] == ["dienogest", "norethisterone"]
    trying = runner.invoke(app, ["plan", "--scenario", "endometriosis", "--answer", "endometriosis_pain=yes",
                                 "--answer", "trying_to_conceive=yes", "--json"])
    assert json.loads(trying.stdout)["eligible"] is False


def test_pcos_from_the_cli_offers_cyclic_mpa_and_the_lng_ius():
    payload = json.loads(runner.invoke(app, ["plan", "--scenario", "pcos-endometrial-protection",
                                             *NEW["pcos-endometrial-protection"], "--json"]).stdout)
    assert {r["product"] for r in payload["regimens"]} == {"provera", "mirena"}
    assert "plan.note.pcos-combined-pill" in [f["code"] for f in payload["findings"]]


def test_pms_from_the_cli_offers_no_regimen_and_says_why():
    """Cochrane CD003415 (ford2012-cochrane-pms): progesterone not shown to work; RCOG GTG48 diary first."""
    args = ["plan", "--scenario", "premenstrual-syndrome", *NEW["premenstrual-syndrome"]]
    payload = json.loads(runner.invoke(app, [*args, "--json"]).stdout)
    assert payload["eligible"] is True and payload["regimens"] == [] and payload["risk_profiles"] is None
    assert "plan.do-not.progesterone-for-pms" in [f["code"] for f in payload["findings"]]
    plain = runner.invoke(app, args).stdout
    assert "regimens" not in plain and "Do not prescribe progesterone for PMS" in plain


def test_perimenopause_from_the_cli_prints_the_profiles_side_by_side():
    args = ["plan", "--scenario", "perimenopause", *NEW["perimenopause"]]
    payload = json.loads(runner.invoke(app, [*args, "--json"]).stdout)
    assert len(payload["risk_profiles"]["substances"]) == 6
    result = runner.invoke(app, args, env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    # E3N (fournier2008-e3n): dydrogesterone RR 1.16 (0.94-1.43); Vinogradova 2019: CEE+MPA VTE OR 2.10 (1.92-2.31)
    assert "RR 1.16 (0.94-1.43)" in result.stdout and "OR 2.1 (1.92-2.31)" in result.stdout
    assert "risk profiles with oestrogen" in result.stdout
    patient = runner.invoke(app, [*args, "--role", "patient", "--json"])
    assert "dose_mg" not in patient.stdout and not re.search(r"\d+\s*mg", patient.stdout)


def test_a_bad_answer_to_a_new_pathway_exits_2_naming_the_question():
    result = runner.invoke(app, ["plan", "--scenario", "perimenopause", "--answer", "age_years=fifty",
                                 "--answer", "irregular_periods=yes", "--answer", "vasomotor_symptoms=yes",
                                 "--answer", "uterus_present=yes"])
    assert result.exit_code == 2 and "age_years" in result.stderr and result.stderr.count("\n") == 1
    wrong = runner.invoke(app, ["plan", "--scenario", "endometriosis", "--answer", "endometriosis_pain=yes",
                                "--answer", "trying_to_conceive=no", "--answer", "progestogen_preference=danazol"])
    assert wrong.exit_code == 2 and "dienogest" in wrong.stderr
