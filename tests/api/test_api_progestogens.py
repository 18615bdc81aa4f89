"""A progestogen through the API: a stored result on Duphaston carries the finding, and
POST /simulate gives the progestogen series beside the progesterone curve (issue 17).

Sources: eggersmann2022-dyd-assays (dydrogesterone is not measured by progesterone assays);
label-duphaston-sg (threatened miscarriage: 10 mg every 8 hours)."""

from __future__ import annotations

from api_examples import EPISODE, MEASUREMENT, iso
from fastapi.testclient import TestClient

API = "/api/v1"
DUPHASTON = {"product": "Duphaston", "route": "oral", "dose_mg": 10, "schedule": "10 mg oral q8h", "start": iso(10)}


def _post(client: TestClient, world, path: str, body: dict):
    return client.post(f"{API}/patients/{world.patient_id}/{path}", json=body, headers=world.headers("doctor"))


def test_a_result_on_duphaston_is_interpreted_with_the_finding(client: TestClient, world) -> None:
    episode = _post(client, world, "episodes", {**EPISODE, "et_date": iso(2)[:10], "embryo_age_days": 5}).json()
    treatment = _post(client, world, "treatments", {**DUPHASTON, "episode_id": episode["id"]})
    assert treatment.status_code == 201, treatment.text
    stored = _post(client, world, "measurements", {**MEASUREMENT, "value": 3.0, "unit": "ng/mL",
                                                   "episode_id": episode["id"]})
    assert stored.status_code == 201, stored.text
    result = stored.json()["interpretation"]["result"]
    codes = [f["code"] for f in result["findings"]]
    assert "treatment.progestogen_not_measured" in codes
    assert "art.et_day_low" not in codes and "treatment.level_unexpectedly_low" not in codes
    assert result["context"]["treatment"]["product"] == "duphaston"


def test_progesterone_and_duphaston_together_are_both_in_the_context(client: TestClient, world) -> None:
    episode = _post(client, world, "episodes", {**EPISODE, "et_date": iso(2)[:10], "embryo_age_days": 5}).json()
    _post(client, world, "treatments", {**DUPHASTON, "episode_id": episode["id"]})
    _post(client, world, "treatments", {"product": "Cyclogest", "route": "vaginal", "dose_mg": 400,
                                        "schedule": "400 mg vaginal q12h", "start": iso(10), "episode_id": episode["id"]})
    stored = _post(client, world, "measurements", {**MEASUREMENT, "value": 3.0, "unit": "ng/mL",
                                                   "episode_id": episode["id"]}).json()
    result = stored["interpretation"]["result"]
    assert result["context"]["treatment"]["product"] == "cyclogest"
    assert result["context"]["progestogens"] == ["duphaston"]
    codes = [f["code"] for f in result["findings"]]
    assert "art.et_day_low" in codes and "treatment.progestogen_not_measured" in codes


def test_simulate_gives_the_progestogens_by_name(client: TestClient, world) -> None:
    response = client.post(f"{API}/simulate", json={"regimen": "Duphaston 10 mg oral q8h", "days": 3,
                                                    "start": "2026-03-01T08:00:00+00:00"}, headers=world.headers("doctor"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert max(body["concentration_ng_ml"]) == 0.0
    assert set(body["progestogens"]) == {"dydrogesterone", "dihydrodydrogesterone"}
    assert body["progestogens"]["dydrogesterone"]["measured_by_progesterone_assay"] is False


def test_interpret_refuses_a_progesterone_named_as_a_progestogen(client: TestClient, world) -> None:
    response = client.post(f"{API}/interpret", json={"measurement": {"value": 3, "unit": "ng/mL"},
                                                     "context": {"progestogens": ["utrogestan"]}},
                           headers=world.headers("doctor"))
    assert response.status_code == 422
    assert "progestogens" in response.text


def test_balance_refuses_a_progestogen_only_record_naming_the_treatment(client: TestClient, world) -> None:
    # her serum progesterone cannot measure dydrogesterone (eggersmann2022-dyd-assays), so a balance
    # against it would read the progestogen as failing: a 422 that says why, not a fit
    _post(client, world, "treatments", DUPHASTON)
    _post(client, world, "measurements", {**MEASUREMENT, "value": 1.0, "unit": "ng/mL"})
    response = client.get(f"{API}/patients/{world.patient_id}/balance", headers=world.headers("doctor"))
    assert response.status_code == 422, response.text
    assert "progestogen" in response.text and "treatment" in response.text


def test_a_levonorgestrel_system_is_recorded_by_the_intrauterine_route(client: TestClient, world) -> None:
    # label-mirena-uk: one 52 mg system inserted into the uterine cavity
    created = _post(client, world, "treatments", {"product": "Mirena", "route": "intrauterine", "dose_mg": 52,
                                                  "schedule": "52 mg intrauterine once", "start": iso(30)})
    assert created.status_code == 201, created.text
    assert created.json()["product"] == "mirena"
    wrong_route = _post(client, world, "treatments", {"product": "Mirena", "route": "oral", "dose_mg": 52,
                                                      "schedule": "52 mg oral once", "start": iso(30)})
    assert wrong_route.status_code == 422 and "route" in wrong_route.text
    bundle = client.get(f"{API}/fhir/Patient/{world.patient_id}/$everything", headers=world.headers("doctor")).json()
    statement = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "MedicationStatement")
    assert statement["dosage"][0]["route"]["coding"][0]["code"] == "62226000"  # SNOMED CT intrauterine route
