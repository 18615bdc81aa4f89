"""Export a record named by the Patient identifier it was imported with (`system|value`): the CLI's
`--patient` and GET /fhir/Patient/$everything?identifier=; hostile and foreign identifiers are
refused without naming a record; and the CDS cards carry the same flag as the exported Observation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from fhir_examples import DATA, World, load
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from typer.testing import CliRunner

from lutea.command import app as cli
from lutea.errors import InputError
from lutea.fhir import codes
from lutea.fhir.patient_ref import MAX_CHARS, parse_patient_ref
from lutea.store import crud, make_engine, make_sessionmaker, models

API = "/api/v1"
MRN = "https://ehr.example.org/mrn|MRN-40311"  # the Patient identifier of data/lab_report.json
OTHER_MRN = "https://lab.example.org/mrn|MRN-7781"  # data/cycle_lab.json


def _import(client: TestClient, world: World, bundle: str, who: str, patient_id: int) -> None:
    response = client.post(f"{API}/fhir", params={"patient": patient_id}, json=load(bundle), headers=world.headers(who))
    assert response.status_code == 200, response.text


def _everything(client: TestClient, world: World, who: str, identifier: str) -> tuple[int, dict]:
    response = client.get(f"{API}/fhir/Patient/$everything", params={"identifier": identifier}, headers=world.headers(who))
    return response.status_code, response.json()


def test_a_clinician_and_the_patient_export_by_the_imported_identifier(client: TestClient, world: World) -> None:
    _import(client, world, "lab_report", "doctor", world.patient_id)
    for who in ("doctor", "patient"):
        status, bundle = _everything(client, world, who, MRN)
        assert status == 200, bundle
        (patient,) = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"]
        assert patient["id"] == f"p-{world.patient_id}"
        assert {"system": "https://ehr.example.org/mrn", "value": "MRN-40311"} == patient["identifier"][0]
    status, _ = _everything(client, world, "doctor", f"{codes.LUTEA_PATIENT_ID}|{world.patient_id}")
    assert status == 200


def test_an_unknown_or_foreign_identifier_is_not_found_and_names_no_record(app: FastAPI, client: TestClient,
                                                                            world: World) -> None:
    _import(client, world, "lab_report", "doctor", world.patient_id)
    _import(client, world, "cycle_lab", "stranger", world.other_patient_id)
    unknown = "https://ehr.example.org/mrn|MRN-00000"
    for who, identifier in (("doctor", unknown), ("patient", OTHER_MRN), ("stranger", MRN)):
        status, body = _everything(client, world, who, identifier)
        assert status == 404, (who, body)
        assert identifier in body["detail"] and "patient " + str(world.patient_id) not in body["detail"]
    with app.state.sessionmaker() as session:
        denials = session.scalars(select(models.AuditEvent).where(models.AuditEvent.action == "deny")).all()
    assert [d.patient_id for d in denials] == [world.patient_id]  # the stranger's probe of a real record


@pytest.mark.parametrize(("identifier", "words"), [
    ("MRN-40311", "neither a patient id nor system|value"),
    ("mrn|MRN-40311", "not an absolute URI"),
    ("https://ehr.example.org/mrn|", "no value"),
    ("https://ehr.example.org/mrn|MRN 40311", "spaces or control characters"),
    ("https://ehr.example.org/mrn|MRN\x0740311", "spaces or control characters"),
    ("0", "not a patient id"),
    ("9" * 30, "not a patient id"),
])
def test_a_malformed_identifier_is_a_422_naming_the_form(client: TestClient, world: World, identifier: str,
                                                          words: str) -> None:
    status, body = _everything(client, world, "doctor", identifier)
    assert status == 422
    (detail,) = body["detail"]
    assert detail["loc"][-1] == "identifier" and words in detail["msg"] and "system|value" in detail["accepted"]


def test_the_cli_exports_by_identifier_and_refuses_unknown_and_malformed_ones(tmp_path: Path,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LUTEA_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    runner = CliRunner()
    imported = runner.invoke(cli, ["import", "fhir", str(DATA / "lab_report.json"), "--json"])
    patient_id = json.loads(imported.output)["patient_id"]
    by_id = runner.invoke(cli, ["export", "fhir", "--patient", str(patient_id)])
    by_identifier = runner.invoke(cli, ["export", "fhir", "--patient", MRN])
    assert by_identifier.exit_code == 0, by_identifier.output
    strip = [e for e in json.loads(by_identifier.output)["entry"]]
    assert [e["resource"]["id"] for e in strip] == [e["resource"]["id"] for e in json.loads(by_id.output)["entry"]]
    unknown = runner.invoke(cli, ["export", "fhir", "--patient", "https://ehr.example.org/mrn|MRN-00000"])
    assert unknown.exit_code == 2 and "MRN-00000" in unknown.output and "Traceback" not in unknown.output
    malformed = runner.invoke(cli, ["export", "fhir", "--patient", "MRN-40311"])
    assert malformed.exit_code == 2 and "system|value" in malformed.output
    # the operator's import made the record and each export read it, through lutea.records: audited, no user
    engine = make_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    with make_sessionmaker(engine)() as session:
        rows = [(r.action, r.record_type, r.patient_id, r.user_id, r.client_addr)
                for r in crud.list_audit(session, patient_id)
                if (r.action, r.record_type) in {("create", "patients"), ("export", "fhir")}]
    engine.dispose()
    assert sorted(rows) == sorted([("create", "patients", patient_id, None, "cli")]
                                  + [("export", "fhir", patient_id, None, "cli")] * 2), rows


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=MAX_CHARS + 20))
def test_any_text_is_an_id_an_identifier_or_an_input_error(text: str) -> None:
    try:
        ref = parse_patient_ref(text)
    except InputError as exc:
        assert exc.field == "patient" and exc.accepted
        return
    if isinstance(ref, int):
        assert str(ref) == text.lstrip("0") or text.endswith(f"|{ref}")
    else:
        system, value = ref
        assert f"{system}|{value}" == text and value and ":" in system


@settings(max_examples=100, deadline=None)
@given(st.from_regex(r"https://[a-z]{1,20}\.example\.org/[a-z]{1,10}", fullmatch=True),
       st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=40))
def test_a_well_formed_identifier_reads_back(system: str, value: str) -> None:
    assert parse_patient_ref(f"{system}|{value}") == (system, value)


def test_the_cds_card_carries_the_flag_of_the_exported_observation(client: TestClient, world: World) -> None:
    bundle = load("cycle_lab")
    bundle["entry"][2]["resource"]["valueQuantity"]["value"] = 3.0  # LH+7: below the mid-luteal interval
    bundle["entry"] = bundle["entry"][:3]
    response = client.post(f"{API}/fhir", params={"patient": world.patient_id}, json=bundle, headers=world.headers("doctor"))
    assert response.status_code == 200, response.text
    exported = client.get(f"{API}/fhir/Patient/{world.patient_id}/$everything", headers=world.headers("doctor")).json()
    (obs,) = [e["resource"] for e in exported["entry"] if e["resource"]["resourceType"] == "Observation"]
    code = obs["interpretation"][0]["coding"][0]["code"]
    label_range = obs["referenceRange"][0]["text"].split(": ", 1)[1].split("; sources")[0]
    cards = client.post(f"{API}/cds-services/lutea-patient-view", headers=world.headers("doctor"), json={
        "hook": "patient-view", "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
        "context": {"patientId": str(world.patient_id), "userId": "Practitioner/1"}}).json()["cards"]
    assert code == "L" and cards
    assert all(f"({code}) against {label_range}" in c["detail"] for c in cards)


def test_tracker_rows_exported_and_imported_again_change_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LUTEA_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    runner = CliRunner()
    patient_id = json.loads(runner.invoke(cli, ["import", "fhir", str(DATA / "lab_report.json"), "--json"]).output)["patient_id"]
    stored = runner.invoke(cli, ["import", "tracker", str(DATA / "generic_cycle.csv"), "--patient", str(patient_id), "--json"])
    assert stored.exit_code == 0 and json.loads(stored.output)["stored"]["measurements"] > 0, stored.output
    out = tmp_path / "export.json"
    assert runner.invoke(cli, ["export", "fhir", "--patient", MRN, "-o", str(out)]).exit_code == 0
    again = json.loads(runner.invoke(cli, ["import", "fhir", str(out), "--json"]).output)
    assert (again["patient_id"], again["created"]) == (patient_id, {})
