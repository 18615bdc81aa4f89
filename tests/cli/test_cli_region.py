"""`--region` (else LUTEA_REGION, else uk) on the commands that tell a patient where to get help:
the emergency number of the clinic's region, and an unknown region is exit 2 naming the accepted."""

import json

import pytest
from typer.testing import CliRunner

from lutea.command import app

runner = CliRunner()
# Official emergency numbers (sources in regions.yaml): nhs-wmas-999-or-111, fcc-911, ec-112, healthdirect-triple-zero.
EMERGENCY = {"uk": "999", "us": "911", "eu": "112", "au": "000"}
PLAN = ["plan", "--scenario", "threatened-miscarriage", "--gestational-weeks", "8", "--symptoms", "chest pain",
        "--previous-miscarriages", "1", "--pregnancy-location", "intrauterine", "--role", "patient", "--json"]
INTERPRET = ["interpret", "--value", "20", "--unit", "ng/mL", "--pregnant", "--gestational-weeks", "7",
             "--symptoms", "heavy bleeding,pain", "--json"]


@pytest.mark.parametrize("region", EMERGENCY)
def test_plan_tells_a_patient_with_chest_pain_the_regions_number(region: str) -> None:
    result = runner.invoke(app, [*PLAN, "--region", region])
    assert result.exit_code == 0, result.output
    urgent = json.loads(result.stdout)["findings"][0]
    assert urgent["code"] == "triage.urgent" and f"Call {EMERGENCY[region]}" in urgent["message"]
    if region != "uk":
        assert "999" not in result.stdout and "A&E" not in result.stdout and "NHS" not in result.stdout


@pytest.mark.parametrize("region", EMERGENCY)
def test_interpret_heavy_bleeding_with_pain_in_pregnancy_calls_the_regions_number(region: str) -> None:
    result = runner.invoke(app, [*INTERPRET, "--region", region])
    assert result.exit_code == 0, result.output
    urgent = [f for f in json.loads(result.stdout)["findings"] if f["code"] == "triage.urgent"]
    assert urgent and f"call {EMERGENCY[region]}" in urgent[0]["patient_message"]
    human = runner.invoke(app, [*INTERPRET[:-1], "--region", region])
    assert f"call {EMERGENCY[region]}" in " ".join(human.stdout.split())
    assert "{emergency" not in human.stdout


def test_the_setting_is_the_default_and_the_option_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LUTEA_REGION", "au")
    assert "Call 000" in json.loads(runner.invoke(app, PLAN).stdout)["findings"][0]["message"]
    assert "Call 112" in json.loads(runner.invoke(app, [*PLAN, "--region", "eu"]).stdout)["findings"][0]["message"]
    monkeypatch.delenv("LUTEA_REGION")
    assert "Call 999" in json.loads(runner.invoke(app, PLAN).stdout)["findings"][0]["message"]


def test_an_unknown_region_is_exit_2_naming_the_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    result = runner.invoke(app, [*PLAN, "--region", "mars"])
    assert result.exit_code == 2
    assert "region: unknown region 'mars'; use uk, us, eu, au" in result.stderr
    monkeypatch.setenv("LUTEA_REGION", "atlantis")
    result = runner.invoke(app, INTERPRET)
    assert result.exit_code == 2 and "LUTEA_REGION: unknown region 'atlantis'; accepted: uk, us, eu, au" in result.stderr


def test_a_plan_lists_the_regions_guideline_bodies_first_and_hides_none() -> None:
    workup = ["plan", "--scenario", "ovulation-workup", "--answer", "cycle_length_days=28", "--answer",
              "cycle_regular=true", "--json"]
    uk = json.loads(runner.invoke(app, [*workup, "--region", "uk"]).stdout)["sources"]
    us = json.loads(runner.invoke(app, [*workup, "--region", "us"]).stdout)["sources"]
    assert sorted(uk) == sorted(us)  # nothing hidden
    assert uk.index("nice-cg156") < uk.index("asrm-lpd-2021")  # NICE first in the UK
    assert us.index("asrm-lpd-2021") < us.index("nice-cg156")  # ASRM first in the US
