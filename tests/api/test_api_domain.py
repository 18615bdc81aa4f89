"""The domain routes give the same JSON as the CLI, and the core's InputError as 422 with its field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from api_examples import cli_json
from fastapi.testclient import TestClient

API = "/api/v1"


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """These routes touch no record: one database kind is enough."""
    return f"sqlite:///{tmp_path / 'lutea.db'}"


def test_interpret_matches_the_cli(client: TestClient, world) -> None:
    body = {
        "measurement": {"value": 8.2, "unit": "ng/mL", "sampled_at": "2026-11-20"},
        "context": {"protocol": "hrt-fet", "et_date": "2026-11-20", "embryo_age_days": 5,
                    "treatment": {"product": "Crinone", "dose_mg": 90, "interval_h": 12}},
    }
    response = client.post(f"{API}/interpret", json=body, headers=world.headers("doctor"))
    assert response.status_code == 200, response.text
    expected = cli_json("interpret", "--value", "8.2", "--sampled", "2026-11-20", "--protocol", "hrt-fet",
                        "--et-date", "2026-11-20", "--embryo-age-days", "5", "--product", "Crinone",
                        "--dose-mg", "90", "--interval-h", "12")
    assert response.json() == expected


def test_simulate_matches_the_cli(client: TestClient, world) -> None:
    body = {"regimen": "400 mg vaginal q12h x 3d from 2026-03-01T08:00+00:00", "days": 3, "step_h": 6}
    response = client.post(f"{API}/simulate", json=body, headers=world.headers("patient"))
    assert response.status_code == 200, response.text
    expected = cli_json("simulate", "--regimen", body["regimen"], "--days", "3", "--step-h", "6",
                        "--start", "2026-03-01T08:00+00:00")
    assert response.json() == expected


def test_simulate_reads_doses_taken_with_food(client: TestClient, world) -> None:
    # the oral capsule curve is a fasting dose's; "with food" doubles it (Simon 1993: absorption
    # "enhanced twofold in the presence of food"); food on a route without a known effect is a 422
    body = {"regimen": "200 mg oral at bedtime x 2d from 2026-03-01T08:00+00:00", "days": 2, "step_h": 2}
    fasting = client.post(f"{API}/simulate", json=body, headers=world.headers("patient"))
    fed = client.post(f"{API}/simulate", json={**body, "regimen": body["regimen"].replace("bedtime", "bedtime with food")},
                      headers=world.headers("patient"))
    assert fasting.status_code == fed.status_code == 200, fed.text
    base = fasting.json()["concentration_ng_ml"][0]  # before the first dose: the baseline alone
    for a, b in zip(fasting.json()["concentration_ng_ml"], fed.json()["concentration_ng_ml"], strict=True):
        assert b - base == pytest.approx(2 * (a - base), abs=0.011)  # values rounded to 0.01 ng/mL
    for regimen in ("400 mg vaginal daily with food x 2d", '[{"time": "2026-03-01T22:00", "dose_mg": 200, "route": "oral", "with_food": "yes"}]'):
        bad = client.post(f"{API}/simulate", json={**body, "regimen": regimen}, headers=world.headers("patient"))
        assert bad.status_code == 422 and "regimen" in bad.text and ("food" in bad.text), bad.text


def test_simulate_exposure_matches_the_cli(client: TestClient, world) -> None:
    body = {"regimen": "400 mg vaginal q12h x 3d from 2026-03-01T08:00+00:00", "days": 3, "step_h": 6,
            "population": 50, "seed": 4, "window_h": [48, 60], "exposure_baseline": "subtracted"}
    response = client.post(f"{API}/simulate", json=body, headers=world.headers("doctor"))
    assert response.status_code == 200, response.text
    expected = cli_json("simulate", "--regimen", body["regimen"], "--days", "3", "--step-h", "6", "--population", "50",
                        "--seed", "4", "--window-h", "48", "60", "--exposure-baseline", "subtracted",
                        "--start", "2026-03-01T08:00+00:00")
    assert response.json()["exposure"] == expected["exposure"] and expected["exposure"]["subjects"] == 50
    for window in ([0], [0, 1, 2], ["a", 5]):
        bad = client.post(f"{API}/simulate", json={**body, "window_h": window}, headers=world.headers("doctor"))
        assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][:2] == ["body", "window_h"], bad.text


def test_plan_matches_the_cli_and_patients_get_the_patient_view(client: TestClient, world) -> None:
    answers = {"gestational_weeks": 8, "symptoms": ["bleeding"], "previous_miscarriages": 1, "intrauterine_confirmed": True}
    body = {"scenario": "threatened-miscarriage", "answers": answers}
    args = ["plan", "--scenario", "threatened-miscarriage", "--gestational-weeks", "8", "--symptoms", "bleeding",
            "--previous-miscarriages", "1", "--intrauterine-confirmed"]
    clinician = client.post(f"{API}/plan", json=body, headers=world.headers("doctor"))
    assert clinician.status_code == 200, clinician.text
    assert clinician.json() == cli_json(*args)
    patient = client.post(f"{API}/plan", json=body, headers=world.headers("patient"))
    assert patient.json() == cli_json(*args, "--role", "patient")


NEW_PATHWAYS = [
    ("endometriosis", {"endometriosis_pain": True, "trying_to_conceive": False},
     ["--answer", "endometriosis_pain=yes", "--answer", "trying_to_conceive=no"]),
    ("pcos-endometrial-protection", {"infrequent_periods": True}, ["--answer", "infrequent_periods=yes"]),
    ("premenstrual-syndrome", {"symptom_diary_cycles": 2, "symptoms_luteal_only": True},
     ["--answer", "symptom_diary_cycles=2", "--answer", "symptoms_luteal_only=yes"]),
    ("perimenopause", {"age_years": 49, "irregular_periods": True, "vasomotor_symptoms": True, "uterus_present": True},
     ["--answer", "age_years=49", "--answer", "irregular_periods=yes", "--answer", "vasomotor_symptoms=yes",
      "--answer", "uterus_present=yes"]),
]


@pytest.mark.parametrize(("scenario", "answers", "args"), NEW_PATHWAYS, ids=[p[0] for p in NEW_PATHWAYS])
def test_new_pathway_plans_match_the_cli_with_their_risk_profiles(client: TestClient, world, scenario, answers, args) -> None:
    body = {"scenario": scenario, "answers": answers}
    clinician = client.post(f"{API}/plan", json=body, headers=world.headers("doctor"))
    assert clinician.status_code == 200, clinician.text
    payload = clinician.json()
    assert payload == cli_json("plan", "--scenario", scenario, *args)
    assert payload["eligible"] is True
    if scenario == "premenstrual-syndrome":  # Cochrane CD003415: no progesterone; no regimen at all
        assert payload["regimens"] == [] and payload["risk_profiles"] is None
    else:
        assert {r["substance"] for r in payload["regimens"]} <= {s["substance"] for s in payload["risk_profiles"]["substances"]}
    patient = client.post(f"{API}/plan", json=body, headers=world.headers("patient")).json()
    assert patient == cli_json("plan", "--scenario", scenario, *args, "--role", "patient")
    assert "dose_mg" not in json.dumps(patient)


def test_new_pathways_are_listed_and_a_bad_answer_is_422(client: TestClient, world) -> None:
    listed = client.get(f"{API}/plan/scenarios", headers=world.headers("patient")).json()["scenarios"]
    assert {p[0] for p in NEW_PATHWAYS} <= {s["id"] for s in listed}
    bad = client.post(f"{API}/plan", json={"scenario": "perimenopause", "answers": {
        "age_years": "fifty", "irregular_periods": True, "vasomotor_symptoms": True, "uterus_present": True}},
        headers=world.headers("doctor"))
    assert bad.status_code == 422 and "age_years" in bad.text


def test_individualize_gives_patients_no_doses(client: TestClient, world) -> None:
    body = {
        "regimen": "400 mg vaginal q12h from 2026-03-01T08:00+00:00 x 10d",
        "levels": [{"time": "2026-03-05T10:00+00:00", "value": 9.1, "unit": "ng/mL"}],
        "target": "ge 10 ng/mL at 2026-03-08T10:00+00:00",
    }
    patient = client.post(f"{API}/individualize", json=body, headers=world.headers("patient"))
    assert patient.status_code == 200, patient.text
    assert patient.json()["role"] == "patient" and "candidates" not in patient.json()
    clinician = client.post(f"{API}/individualize", json=body, headers=world.headers("doctor"))
    assert clinician.json()["role"] == "clinician" and clinician.json()["candidates"]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/simulate", {"regimen": "bananas"}, "regimen"),
        ("/interpret", {"measurement": {"value": 5, "unit": "bananas"}}, "unit"),
        ("/plan", {"scenario": "no-such-pathway"}, "scenario"),
        ("/simulate", {"regimen": "400 mg vaginal q12h x 3d", "days": 120, "step_h": 0.05, "population": 5000}, "population"),
        ("/simulate", {"regimen": "400 mg vaginal q12h x 3d", "days": 3, "window_h": [60, 48]}, "window_h"),
        ("/simulate", {"regimen": "400 mg vaginal q12h x 3d", "days": 3, "window_h": [0, 73]}, "window_h"),
        ("/simulate", {"regimen": "400 mg vaginal q12h x 3d", "days": 3, "window_h": [-2, 5]}, "window_h"),
    ],
)
def test_core_input_errors_are_422_with_the_field(client: TestClient, world, path: str, body: dict, field: str) -> None:
    response = client.post(f"{API}{path}", json=body, headers=world.headers("doctor"))
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == ["body", field]


def test_domain_routes_need_a_token(client: TestClient) -> None:
    for path in ("/interpret", "/simulate", "/individualize", "/plan"):
        assert client.post(f"{API}{path}", json={}).status_code == 401
