"""The hostile-input probe of issue 15, case by case, through the API: each answer is a 4xx that
names the field, is short and is JSON, and nothing of the input is stored. The rules themselves
are tested once in tests/records/test_records_inputs.py."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime

import pytest
from api_examples import EPISODE, MEASUREMENT, SYMPTOM, TREATMENT, iso
from fastapi.testclient import TestClient

from lutea.store import models

API = "/api/v1"
LEVEL = {"time": iso(1), "value": 8.0}
DOMAIN = {
    "interpret": ({"measurement": {"value": 10.0}}, ("measurement",)),
    "simulate": ({"regimen": "400 mg vaginal q12h", "days": 2.0}, ("days",)),
    "individualize": ({"regimen": f"400 mg vaginal q12h from {iso(3)}", "target": "trough >= 10 ng/mL",
                       "levels": [LEVEL]}, ("levels",)),
}
RECORDS = {"measurements": (MEASUREMENT, "value"), "treatments": (TREATMENT, "dose_mg"), "symptoms": (SYMPTOM, "severity")}


def _raw(client: TestClient, world, path: str, text: str, who: str = "doctor"):
    headers = {**world.headers(who), "Content-Type": "application/json"}
    return client.post(path, content=text.encode("utf-8", "surrogatepass"), headers=headers)


def _with_token(body: dict, field: str, token: str) -> str:
    """The JSON text of body with field set to a bare token (NaN, Infinity, 1e309: not JSON values)."""
    return json.dumps({**body, field: "@@"}).replace('"@@"', token)


def _stored(client: TestClient, world, kind: str) -> list:
    return client.get(f"{API}/patients/{world.patient_id}/{kind}", headers=world.headers("doctor")).json()


def _names(response, *loc: str) -> dict:
    assert response.status_code == 422, response.text
    assert len(response.content) < 2000, "the answer echoes no more than an excerpt"
    detail = response.json()["detail"]
    assert [d["loc"][1:1 + len(loc)] for d in detail][:1] == [list(loc)], detail
    return detail[0]


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity", "1e309"])
@pytest.mark.parametrize("kind", list(RECORDS))
def test_non_finite_numbers_in_a_record_body_are_a_422_naming_the_field(client, world, kind, token) -> None:
    body, field = RECORDS[kind]
    response = _raw(client, world, f"{API}/patients/{world.patient_id}/{kind}", _with_token(body, field, token))
    assert "finite" in _names(response, field)["msg"]
    assert _stored(client, world, kind) == []


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity", "1e309"])
@pytest.mark.parametrize("route", list(DOMAIN))
def test_non_finite_numbers_in_a_domain_body_are_a_422_naming_the_field(client, world, route, token) -> None:
    body, loc = DOMAIN[route]
    if route == "interpret":
        text = json.dumps(body).replace("10.0", token)
    elif route == "individualize":
        text = json.dumps(body).replace("8.0", token)
    else:
        text = _with_token(body, "days", token)
    assert "finite" in _names(_raw(client, world, f"{API}/{route}", text), *loc)["msg"]


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity", "1e309"])
def test_a_non_finite_exposure_window_is_a_422_naming_the_field(client, world, token) -> None:
    text = json.dumps({"regimen": "400 mg vaginal q12h", "days": 2.0, "window_h": [0, "@@"]}).replace('"@@"', token)
    assert "finite" in _names(_raw(client, world, f"{API}/simulate", text), "window_h")["msg"]


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00Z", "0001-01-01T00:30:00+01:00"])
@pytest.mark.parametrize(("kind", "body", "field"), [
    ("measurements", MEASUREMENT, "sampled_at"), ("symptoms", SYMPTOM, "noted_at"), ("treatments", TREATMENT, "start"),
])
def test_times_in_year_1_are_a_422_naming_the_field(client, world, kind, body, field, moment) -> None:
    response = client.post(f"{API}/patients/{world.patient_id}/{kind}", json={**body, field: moment},
                           headers=world.headers("doctor"))
    _names(response, field)
    assert _stored(client, world, kind) == []


def test_a_dose_taken_in_year_1_is_a_422(client, world) -> None:
    treatment = client.post(f"{API}/patients/{world.patient_id}/treatments", json=TREATMENT, headers=world.headers("doctor"))
    path = f"{API}/patients/{world.patient_id}/treatments/{treatment.json()['id']}/doses"
    _names(client.post(path, json={"taken_at": "0001-01-01T00:30:00+01:00", "dose_mg": 400}, headers=world.headers("doctor")),
           "taken_at")
    assert client.get(path, headers=world.headers("doctor")).json() == []


@pytest.mark.parametrize(("path", "body"), [
    ("simulate", {"regimen": "400 mg vaginal q12h from 9999-12-31T23:00"}),
    ("simulate", {"regimen": "400 mg vaginal q12h from 0001-01-01T00:30+01:00"}),
])
def test_a_regimen_from_year_9999_or_1_is_a_422(client, world, path, body) -> None:
    detail = _names(client.post(f"{API}/{path}", json=body, headers=world.headers("doctor")), "regimen")
    assert "out of range" in detail["msg"]


def test_a_treatment_schedule_from_year_9999_is_a_422(client, world) -> None:
    body = {**TREATMENT, "schedule": "400 mg vaginal q12h from 9999-12-31T23:00"}
    _names(client.post(f"{API}/patients/{world.patient_id}/treatments", json=body, headers=world.headers("doctor")), "schedule")
    assert _stored(client, world, "treatments") == []


@pytest.mark.parametrize(("kind", "body", "field"), [
    ("measurements", MEASUREMENT, "laboratory"), ("measurements", MEASUREMENT, "unit"),
    ("symptoms", SYMPTOM, "symptom"), ("notes", {}, "text"), ("episodes", EPISODE, "note"),
])
def test_a_lone_surrogate_is_a_422_naming_the_field(client, world, kind, body, field) -> None:
    text = json.dumps({**body, field: "@@"}).replace('"@@"', '"\\ud800"')
    assert "surrogate" in _names(_raw(client, world, f"{API}/patients/{world.patient_id}/{kind}", text), field)["msg"]
    assert _stored(client, world, kind) == []


@pytest.mark.parametrize("text", ["lab\x07", "lab\nname", "\x1b[2J"])
def test_control_characters_in_a_one_line_field_are_a_422(client, world, text) -> None:
    response = client.post(f"{API}/patients/{world.patient_id}/measurements", json={**MEASUREMENT, "laboratory": text},
                           headers=world.headers("doctor"))
    _names(response, "laboratory")
    assert _stored(client, world, "measurements") == []


@pytest.mark.parametrize("field", ["laboratory", "unit"])
def test_a_megabyte_string_gets_a_short_answer(client, world, field) -> None:
    response = client.post(f"{API}/patients/{world.patient_id}/measurements", json={**MEASUREMENT, field: "x" * 1_000_000},
                           headers=world.headers("doctor"))
    detail = _names(response, field)
    assert len(detail.get("input", "")) <= 64


@pytest.mark.parametrize("moment", [5, 1700000000, 253402300800, "1700000000", 1.7e9])
def test_a_number_is_not_read_as_a_sampling_time(client, world, moment) -> None:
    response = client.post(f"{API}/patients/{world.patient_id}/measurements", json={**MEASUREMENT, "sampled_at": moment},
                           headers=world.headers("doctor"))
    assert "ISO 8601" in _names(response, "sampled_at")["msg"]
    assert _stored(client, world, "measurements") == []


def test_a_result_before_her_birth_is_a_422(client, world, app) -> None:
    with app.state.sessionmaker.begin() as session:
        session.get(models.Patient, world.patient_id).birth_date = date(1985, 3, 1)
    response = client.post(f"{API}/patients/{world.patient_id}/measurements",
                           json={**MEASUREMENT, "sampled_at": "1900-01-02T08:00:00Z"}, headers=world.headers("doctor"))
    assert "birth date" in _names(response, "sampled_at")["msg"]
    assert _stored(client, world, "measurements") == []


@pytest.mark.parametrize("birth", ["0001-01-01", "9999-12-31", "1899-12-31", 0])
def test_an_absurd_birth_date_is_a_422(client, world, birth) -> None:
    created = client.post(f"{API}/patients", json={"display_name": "Gail Example", "birth_date": birth},
                          headers=world.headers("doctor"))
    _names(created, "birth_date")
    updated = client.patch(f"{API}/patients/{world.patient_id}", json={"birth_date": birth}, headers=world.headers("doctor"))
    _names(updated, "birth_date")


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_an_absurd_episode_date_is_a_422(client, world, day) -> None:
    _names(client.post(f"{API}/patients/{world.patient_id}/episodes", json={**EPISODE, "start_date": day},
                       headers=world.headers("doctor")), "start_date")
    assert _stored(client, world, "episodes") == []


@pytest.mark.parametrize(("change", "field"), [
    ({"unit": "ng/mL\n", "value": 10}, "unit"),
    ({"unit": "ng/mL🙂", "value": 10}, "unit"),
    ({"specimen": "saliva", "unit": "pg/mL", "value": 1e12}, "value"),
    ({"specimen": "urine", "unit": "ug/mL", "value": 1e9}, "value"),
])
def test_odd_units_and_levels_above_the_specimens_ceiling_are_a_422(client, world, change, field) -> None:
    response = client.post(f"{API}/patients/{world.patient_id}/measurements", json={**MEASUREMENT, **change},
                           headers=world.headers("doctor"))
    _names(response, field)
    assert _stored(client, world, "measurements") == []


def test_a_dose_that_disagrees_with_its_schedule_is_a_422(client, world) -> None:
    body = {**TREATMENT, "dose_mg": 100, "schedule": "200 mg vaginal q8h", "acknowledge_off_label": True}
    response = client.post(f"{API}/patients/{world.patient_id}/treatments", json=body, headers=world.headers("doctor"))
    assert "not a dose of the schedule" in _names(response, "dose_mg")["msg"]
    assert _stored(client, world, "treatments") == []


def test_the_simulator_refuses_a_dose_above_the_label_unless_acknowledged(client, world) -> None:
    body = {"regimen": "99999 mg vaginal q12h", "days": 2}
    assert "labelled maximum" in _names(client.post(f"{API}/simulate", json=body, headers=world.headers("doctor")), "regimen")["msg"]
    allowed = client.post(f"{API}/simulate", json={**body, "acknowledge_off_label": True}, headers=world.headers("doctor"))
    assert allowed.status_code == 200
    assert any("outside the doses it was fitted to" in c for c in allowed.json()["caveats"])


@pytest.mark.parametrize("patient_id", ["²", "9" * 5000, "p-²", "Patient/٣"])
def test_a_cds_patient_id_that_is_not_a_lutea_id_is_a_4xx(client, world, patient_id) -> None:
    body = {"hook": "patient-view", "hookInstance": "probe", "context": {"patientId": patient_id}}
    response = client.post(f"{API}/cds-services/lutea-patient-view", json=body, headers=world.headers("doctor"))
    assert 400 <= response.status_code < 500 and len(response.content) < 500, response.text


def _web_login(client: TestClient, email: str, password: str) -> None:
    page = client.get("https://testserver/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    signed_in = client.post("https://testserver/login", data={"email": email, "password": password, "csrf_token": token},
                            follow_redirects=False)
    assert signed_in.status_code == 303


def test_the_report_survives_rows_stored_before_the_date_limits(client, world, app) -> None:
    """Rows dated year 1 were stored before these limits; the PDF lists them and draws the rest."""
    from api_examples import PASSWORD

    with app.state.sessionmaker.begin() as session:
        session.add(models.Episode(patient_id=world.patient_id, kind="ivf-cycle", protocol="hrt-fet", start_date=date(1, 1, 1)))
        session.add(models.Treatment(patient_id=world.patient_id, product="cyclogest", route="vaginal", dose_mg=400,
                                     schedule="400 mg vaginal q12h", start=datetime(1, 1, 1, tzinfo=UTC)))
    _web_login(client, "doctor@example.org", PASSWORD)
    for _ in range(2):
        report = client.get(f"https://testserver/patients/{world.patient_id}/report.pdf")
        assert report.status_code == 200 and report.headers["content-type"] == "application/pdf"
