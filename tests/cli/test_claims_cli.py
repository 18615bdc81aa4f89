"""`lutea claims [ID] --json`: the graded claims, one claim, and refusals (exit 2, one line)."""

import json

from typer.testing import CliRunner

from lutea.command import app

runner = CliRunner()


def test_claims_lists_every_claim_with_verdict_summary_and_sources():
    result = runner.invoke(app, ["claims", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["knowledge_version"]
    by_id = {c["id"]: c for c in payload["claims"]}
    # NICE NG126 1.5.2 and PRISM: vaginal progesterone for bleeding after a previous miscarriage
    assert by_id["vaginal-progesterone-bleeding-after-miscarriage"]["verdict"] == "supported"
    # Cochrane CD003415 (Ford 2012): no trial shows progesterone helps PMS
    assert by_id["progesterone-for-pms"]["verdict"] == "unsupported"
    for claim in payload["claims"]:
        assert set(claim) == {"id", "claim", "verdict", "summary", "evidence", "sources", "related"}
        assert claim["sources"]


def test_claims_shows_one_claim_and_where_lutea_links_it():
    result = runner.invoke(app, ["claims", "saliva-urine-tissue-level", "--json"])
    assert result.exit_code == 0, result.output
    claim = json.loads(result.stdout)["claim"]
    assert "nams-2017-ht" in claim["sources"]  # NAMS 2017: salivary testing to determine dosing is unreliable
    assert "specimen.low_validity" in claim["related"]["findings"]


def test_claims_in_words_prints_the_verdict_and_summary():
    result = runner.invoke(app, ["claims", "threatened-miscarriage-low-progesterone-cause"])
    assert result.exit_code == 0, result.output
    assert "verdict: contradicted" in result.stdout
    assert "chromosomes" in result.stdout


def test_an_unknown_claim_exits_2_naming_it():
    result = runner.invoke(app, ["claims", "leg-cramps"])
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: claim: unknown claim id 'leg-cramps'; run `lutea claims` for the list"


def test_odd_ids_exit_2_with_a_short_line():
    for odd in ("\x00\x1b[31m", "x" * 1_000_000, "../../etc/passwd"):
        result = runner.invoke(app, ["claims", odd])
        assert result.exit_code == 2, odd[:20]
        assert len(result.stderr) < 200 and result.stderr.count("\n") == 1
        assert "\x1b" not in result.stderr  # a control character is shown escaped, never sent to the terminal


def test_plan_and_interpret_name_the_claims_they_touch():
    # NICE NG126 1.5.2: bleeding, a scan-confirmed intrauterine pregnancy and a previous miscarriage
    answers = ["--answer", "gestational_weeks=8", "--answer", "symptoms=bleeding", "--answer", "previous_miscarriages=1",
               "--answer", "pregnancy_location=intrauterine"]
    result = runner.invoke(app, ["plan", "--scenario", "threatened-miscarriage", *answers, "--json"])
    assert result.exit_code == 0, result.output
    assert "vaginal-progesterone-bleeding-after-miscarriage" in json.loads(result.stdout)["claims"]
    result = runner.invoke(app, ["interpret", "--value", "150", "--unit", "pg/mL", "--specimen", "saliva"])
    assert result.exit_code == 0, result.output
    assert "claims checked (lutea claims ID): saliva-urine-tissue-level" in result.stdout


def test_claim_summary_names_the_service_of_the_clinics_region():
    """A patient summary that sends her somewhere names the service of her clinic's region
    (regions.yaml), in the table and in JSON alike."""
    uk = runner.invoke(app, ["claims", "diet-yoga-prevent-miscarriage", "--json", "--region", "uk"])
    us = runner.invoke(app, ["claims", "diet-yoga-prevent-miscarriage", "--region", "us"])
    assert uk.exit_code == 0 and us.exit_code == 0
    assert "contact your early pregnancy unit" in uk.stdout
    assert "contact your OB-GYN" in us.stdout and "{" not in us.stdout
