"""The API of a clinic in each region (LUTEA_REGION): a red flag, a plan and an interpretation
name the region's emergency number and services, and outside the UK never 999, A&E or NHS."""

from __future__ import annotations

import json
import re

import pytest
from api_examples import SECRET, TREATMENT, iso
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from lutea.command import app as cli_app
from lutea.config import Settings

API = "/api/v1"
# Official emergency numbers (sources in regions.yaml): nhs-wmas-999-or-111, fcc-911, ec-112, healthdirect-triple-zero.
EMERGENCY = {"uk": "999", "us": "911", "eu": "112", "au": "000"}
UK_ONLY = re.compile(r"\b999\b|\bA&E\b|\bNHS\b|\b111\b")


@pytest.fixture(params=list(EMERGENCY))
def region(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings(database_url: str, tmp_path, region: str) -> Settings:
    return Settings(database_url=database_url, secret_key=SECRET, secret_file=tmp_path / "secret", region=region)


def _words(value: object) -> list[str]:
    """Every text of a JSON answer (numbers such as 111.0 h on a curve are not words)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [w for item in value.values() for w in _words(item)]
    if isinstance(value, list):
        return [w for item in value for w in _words(item)]
    return []


def _no_uk_service_elsewhere(region: str, text: str) -> None:
    for words in _words(json.loads(text)):
        assert "{emergency" not in words and "{urgent" not in words
        if region != "uk":
            assert UK_ONLY.search(words) is None, words


def test_a_red_flag_the_patient_reports_names_the_regions_number(client: TestClient, world, region: str) -> None:
    headers = world.headers("doctor")
    assert client.post(f"{API}/patients/{world.patient_id}/treatments", json={**TREATMENT, "start": iso(5)},
                       headers=headers).status_code == 201
    client.post(f"{API}/patients/{world.patient_id}/symptoms", headers=world.headers("patient"),
                json={"symptom": "chest pain", "severity": 3, "noted_at": iso(0.01)})
    (flag,) = next(p for p in client.get(f"{API}/patients", headers=headers).json() if p["id"] == world.patient_id)["urgent"]
    assert flag["action"] == f"Call {region == 'au' and '000 (triple zero)' or EMERGENCY[region]} now."
    mine = client.get(f"{API}/patients/{world.patient_id}/red-flags", headers=world.headers("patient"))
    timeline = client.get(f"{API}/patients/{world.patient_id}/timeline", headers=world.headers("patient"))
    cards = client.post(f"{API}/cds-services/lutea-patient-view", headers=headers, json={
        "hook": "patient-view", "hookInstance": "x", "context": {"patientId": str(world.patient_id)}})
    bundle = client.get(f"{API}/fhir/Patient/{world.patient_id}/$everything", headers=headers)
    for response in (mine, timeline, cards, bundle):
        assert response.status_code == 200, response.text
        _no_uk_service_elsewhere(region, response.text)
    assert f"Call {EMERGENCY[region]}" in mine.text


def test_a_patients_plan_and_interpretation_name_the_regions_services(client: TestClient, world, region: str) -> None:
    answers = {"gestational_weeks": 7, "symptoms": ["heavy bleeding", "pain"], "previous_miscarriages": 1,
               "pregnancy_location": "unknown"}
    planned = client.post(f"{API}/plan", json={"scenario": "threatened-miscarriage", "answers": answers},
                          headers=world.headers("patient"))
    assert planned.status_code == 200, planned.text
    assert f"call {EMERGENCY[region]}" in planned.json()["findings"][0]["message"]
    _no_uk_service_elsewhere(region, planned.text)
    # the same JSON as the CLI with --region (one path for every shell)
    cli = CliRunner().invoke(cli_app, ["plan", "--scenario", "threatened-miscarriage", "--gestational-weeks", "7",
                                       "--symptoms", "heavy bleeding,pain", "--previous-miscarriages", "1",
                                       "--pregnancy-location", "unknown", "--role", "patient", "--region", region, "--json"])
    assert planned.json() == json.loads(cli.stdout)
    read = client.post(f"{API}/interpret", headers=world.headers("patient"), json={
        "measurement": {"value": 20, "unit": "ng/mL"},
        "context": {"pregnant": True, "gestational_weeks": 7, "symptoms": ["heavy bleeding", "pain"]}})
    assert read.status_code == 200, read.text
    assert any(f"call {EMERGENCY[region]}" in f["patient_message"] for f in read.json()["findings"])
    _no_uk_service_elsewhere(region, read.text)
