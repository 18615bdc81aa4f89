"""CRUD of patient records through the API, with the plausibility rules of docs/api.md."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from api_examples import EPISODE, MEASUREMENT, NOTE, SYMPTOM, TREATMENT, iso
from fastapi.testclient import TestClient

API = "/api/v1"


def _post(client: TestClient, world, path: str, body: dict, who: str = "doctor"):
    return client.post(f"{API}/patients/{world.patient_id}/{path}", json=body, headers=world.headers(who))


def test_measurement_is_stored_as_entered_and_in_ng_ml(client: TestClient, world) -> None:
    response = _post(client, world, "measurements", MEASUREMENT)
    assert response.status_code == 201, response.text
    stored = response.json()
    assert stored["value"] == 31.8 and stored["unit"] == "nmol/L"
    # 31.8 nmol/L / 3.180 = 10.0 ng/mL (molar mass 314.46 g/mol)
    assert stored["value_canonical"] == pytest.approx(10.0, rel=1e-3)
    assert stored["unit_canonical"] == "ng/mL" and stored["analyte"] == "progesterone"
    again = client.get(f"{API}/patients/{world.patient_id}/measurements/{stored['id']}", headers=world.headers("patient"))
    assert again.status_code == 200
    sampled = datetime.fromisoformat(again.json()["sampled_at"])
    assert sampled.utcoffset() == timedelta(0)
    assert sampled == datetime.fromisoformat(MEASUREMENT["sampled_at"])


def test_time_with_offset_comes_back_as_the_same_instant_in_utc(client: TestClient, world) -> None:
    local = datetime.now(UTC).astimezone().replace(microsecond=0) - timedelta(hours=3)
    body = {**MEASUREMENT, "sampled_at": local.isoformat().replace("+00:00", "+02:00")}
    moment = datetime.fromisoformat(body["sampled_at"])
    response = _post(client, world, "measurements", body)
    assert response.status_code == 201, response.text
    assert datetime.fromisoformat(response.json()["sampled_at"]) == moment


def test_a_refused_write_is_a_422_naming_the_field_and_stores_nothing(client: TestClient, world) -> None:
    """The rules themselves are tested once, in tests/records; here, how the API answers one."""
    field, words = "value", "plausible limit of 1000"
    response = _post(client, world, "measurements", {**MEASUREMENT, "value": 1500, "unit": "ng/mL"})
    assert response.status_code == 422, response.text
    detail = response.json()["detail"][0]
    assert detail["loc"] == ["body", field]
    assert words in detail["msg"]
    listing = client.get(f"{API}/patients/{world.patient_id}/measurements", headers=world.headers("doctor"))
    assert listing.json() == []


def test_malformed_bodies_get_field_level_422(client: TestClient, world) -> None:
    response = _post(client, world, "measurements", {**MEASUREMENT, "value": "ten", "specimen": "blood"})
    assert response.status_code == 422
    locs = {tuple(d["loc"]) for d in response.json()["detail"]}
    assert ("body", "value") in locs and ("body", "specimen") in locs
    naive = _post(client, world, "measurements", {**MEASUREMENT, "sampled_at": "2026-01-01T08:00:00"})
    assert naive.status_code == 422 and naive.json()["detail"][0]["loc"] == ["body", "sampled_at"]


def test_episode_rules(client: TestClient, world) -> None:
    no_protocol = _post(client, world, "episodes", {"kind": "ivf-cycle", "start_date": "2026-10-01"})
    assert no_protocol.status_code == 422
    created = _post(client, world, "episodes", EPISODE)
    assert created.status_code == 201, created.text
    episode_id = created.json()["id"]
    url = f"{API}/patients/{world.patient_id}/episodes/{episode_id}"
    backwards = client.patch(url, json={"end_date": "2000-01-01"}, headers=world.headers("doctor"))
    assert backwards.status_code == 422
    [problem] = backwards.json()["detail"]  # at the later field, naming both
    assert problem["loc"][-1] == "end_date" and "is before start_date" in problem["msg"], problem
    reversed_stop = _post(client, world, "treatments", {**TREATMENT, "stop": "2000-01-01T00:00:00+00:00"})
    assert reversed_stop.status_code == 422
    [problem] = reversed_stop.json()["detail"]
    assert problem["loc"] == ["body", "stop"] and "is before start" in problem["msg"], problem
    ok = client.patch(url, json={"et_date": iso(15)[:10], "embryo_age_days": 5}, headers=world.headers("doctor"))
    assert ok.status_code == 200 and ok.json()["embryo_age_days"] == 5
    linked = _post(client, world, "measurements", {**MEASUREMENT, "episode_id": episode_id})
    assert linked.status_code == 201 and linked.json()["episode_id"] == episode_id


def test_a_record_cannot_point_at_another_patients_episode(client: TestClient, world) -> None:
    theirs = client.post(
        f"{API}/patients/{world.other_patient_id}/episodes", json=EPISODE, headers=world.headers("other_doctor")
    ).json()["id"]
    response = _post(client, world, "symptoms", {**SYMPTOM, "episode_id": theirs})
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["body", "episode_id"]
    # nor read it through one's own patient's path
    peek = client.get(f"{API}/patients/{world.patient_id}/episodes/{theirs}", headers=world.headers("doctor"))
    assert peek.status_code == 404


def test_treatments_and_doses(client: TestClient, world) -> None:
    created = _post(client, world, "treatments", TREATMENT)
    assert created.status_code == 201, created.text
    treatment = created.json()
    assert treatment["product"] == "cyclogest"
    unknown = _post(client, world, "treatments", {**TREATMENT, "product": "snake oil"})
    assert unknown.status_code == 422 and "cyclogest" in unknown.json()["detail"][0]["accepted"]
    doses = f"{API}/patients/{world.patient_id}/treatments/{treatment['id']}/doses"
    taken = client.post(doses, json={"taken_at": iso(1), "dose_mg": 400}, headers=world.headers("patient"))
    assert taken.status_code == 201, taken.text
    assert [d["dose_mg"] for d in client.get(doses, headers=world.headers("patient")).json()] == [400]
    stopped = client.patch(
        f"{API}/patients/{world.patient_id}/treatments/{treatment['id']}", json={"stop": iso(0.5)},
        headers=world.headers("doctor"),
    )
    assert stopped.status_code == 200 and stopped.json()["stop"] is not None


def test_symptoms_notes_and_deletion(client: TestClient, world) -> None:
    symptom = _post(client, world, "symptoms", SYMPTOM, who="patient")
    assert symptom.status_code == 201, symptom.text
    url = f"{API}/patients/{world.patient_id}/symptoms/{symptom.json()['id']}"
    assert client.patch(url, json={"severity": 3}, headers=world.headers("patient")).json()["severity"] == 3
    note = _post(client, world, "notes", NOTE, who="doctor")
    assert note.status_code == 201
    assert client.delete(url, headers=world.headers("patient")).status_code == 403  # clinicians delete
    assert client.delete(url, headers=world.headers("doctor")).status_code == 204
    assert client.get(url, headers=world.headers("doctor")).status_code == 404


def test_patients_are_created_by_clinicians_and_assigned_to_them(client: TestClient, world) -> None:
    created = client.post(f"{API}/patients", json={"display_name": "Carla"}, headers=world.headers("doctor"))
    assert created.status_code == 201
    listed = {p["id"] for p in client.get(f"{API}/patients", headers=world.headers("doctor")).json()}
    assert listed == {world.patient_id, created.json()["id"]}
    assert client.post(f"{API}/patients", json={"display_name": "X"}, headers=world.headers("patient")).status_code == 403
    assert client.post(f"{API}/patients", json={"display_name": "X"}, headers=world.headers("admin")).status_code == 403
    assert client.get(f"{API}/patients", headers=world.headers("admin")).json() == []
    mine = client.get(f"{API}/patients", headers=world.headers("patient")).json()
    assert [p["id"] for p in mine] == [world.patient_id]


def test_timeline_orders_every_event(client: TestClient, world) -> None:
    _post(client, world, "episodes", EPISODE)
    _post(client, world, "treatments", TREATMENT)
    _post(client, world, "measurements", MEASUREMENT)
    _post(client, world, "symptoms", SYMPTOM)
    response = client.get(f"{API}/patients/{world.patient_id}/timeline", headers=world.headers("patient"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert [e["kind"] for e in body["events"]] == ["episode", "treatment", "measurement", "symptom"]
    moments = [datetime.fromisoformat(e["at"]) for e in body["events"]]
    assert moments == sorted(moments)
    assert body["knowledge_version"]
    assert len(body["interpretations"]) == 1
    predicted = body["predicted"]
    assert predicted["start"] == datetime.fromisoformat(TREATMENT["start"]).isoformat()
    assert len(predicted["times_h"]) == len(predicted["concentration_ng_ml"]) > 100
    assert predicted["summary"]["cmax"] > 0 and predicted["sources"]
    # the record's product picks the PK model: Cyclogest is a pessary, fitted to single doses only
    assert any("vaginal-pessary" in c and "extrapolation" in c for c in predicted["caveats"])


def test_a_stored_result_is_interpreted_in_the_context_of_its_record(client: TestClient, world) -> None:
    episode = _post(client, world, "episodes", {**EPISODE, "et_date": iso(2)[:10], "embryo_age_days": 5}).json()
    _post(client, world, "treatments", {**TREATMENT, "episode_id": episode["id"]})
    stored = _post(client, world, "measurements", {**MEASUREMENT, "episode_id": episode["id"]}).json()
    interpretation = stored["interpretation"]
    assert interpretation["measurement_id"] == stored["id"]
    result = interpretation["result"]
    assert interpretation["knowledge_version"] == result["knowledge_version"]
    assert result["context"]["protocol"] == "hrt-fet"
    assert result["context"]["treatment"]["product"] == "cyclogest"
    assert result["value"]["ng_ml"] == pytest.approx(10.0, rel=1e-3)
    assert result["findings"] and all(f["sources"] for f in result["findings"])
    listed = client.get(f"{API}/patients/{world.patient_id}/interpretations", headers=world.headers("patient")).json()
    assert [i["id"] for i in listed] == [interpretation["id"]]


def test_deleting_a_patient_removes_the_record_but_keeps_the_audit(client: TestClient, world, app) -> None:
    _post(client, world, "measurements", MEASUREMENT)
    assert client.delete(f"{API}/patients/{world.patient_id}", headers=world.headers("doctor")).status_code == 204
    assert client.get(f"{API}/patients/{world.patient_id}", headers=world.headers("doctor")).status_code == 403
    trail = client.get(f"{API}/audit", params={"patient_id": world.patient_id}, headers=world.headers("admin")).json()
    assert {"create", "delete"} <= {row["action"] for row in trail}
