"""POST /fhir, GET /fhir/Patient/{id}/$everything and the CDS Hooks endpoints (FastAPI TestClient)."""

from __future__ import annotations

from typing import Any

from fhir_examples import World, load
from fastapi.testclient import TestClient

API = "/api/v1"


def _draft(product: str, dose_mg: float, timing_code: str, scenario: str | None = None) -> dict[str, Any]:
    order: dict[str, Any] = {
        "resourceType": "MedicationRequest", "id": "draft-1", "status": "draft", "intent": "order",
        "medicationCodeableConcept": {"text": product}, "subject": {"reference": "Patient/pat-1"},
        "dosageInstruction": [{"route": {"coding": [{"system": "http://snomed.info/sct", "code": "16857009"}]},
                               "timing": {"code": {"coding": [{"code": timing_code}]}},
                               "doseAndRate": [{"doseQuantity": {"value": dose_mg, "unit": "mg", "code": "mg",
                                                                 "system": "http://unitsofmeasure.org"}}]}],
    }
    if scenario:
        order["reasonCode"] = [{"coding": [{"system": "http://lutea.dev/CodeSystem/lutea-pathways", "code": scenario}]}]
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": order}]}


def _hook(hook: str, context: dict[str, Any], prefetch: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"hook": hook, "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea", "context": context}
    if prefetch is not None:
        body["prefetch"] = prefetch
    return body


def test_clinician_imports_a_new_patient_and_is_assigned(client: TestClient, world: World) -> None:
    response = client.post(f"{API}/fhir", json=load("lab_report"), headers=world.headers("doctor"))
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["patient_created"] and report["created_total"] == 8
    again = client.post(f"{API}/fhir", json=load("lab_report"), headers=world.headers("doctor")).json()
    assert again["created_total"] == 0 and len(again["unchanged"]) == 4
    assert client.get(f"{API}/patients/{report['patient_id']}", headers=world.headers("doctor")).status_code == 200
    # a clinician not assigned to that patient cannot import into it
    refused = client.post(f"{API}/fhir", json=load("lab_report"), headers=world.headers("stranger"))
    assert refused.status_code == 403


def test_patient_imports_into_their_own_record_only(client: TestClient, world: World) -> None:
    bundle = load("medications")
    own = client.post(f"{API}/fhir", params={"patient": world.patient_id}, json=bundle, headers=world.headers("patient"))
    assert own.status_code == 200 and own.json()["patient_id"] == world.patient_id
    other = client.post(f"{API}/fhir", params={"patient": world.other_patient_id}, json=load("pregnancy"),
                        headers=world.headers("patient"))
    assert other.status_code == 403
    assert client.post(f"{API}/fhir", json=load("pregnancy")).status_code == 401


def test_invalid_bundle_is_422_naming_resource_and_element(client: TestClient, world: World) -> None:
    bundle = load("lab_report")
    bundle["entry"][4]["resource"]["valueQuantity"]["unit"] = "furlongs"
    del bundle["entry"][4]["resource"]["valueQuantity"]["code"]
    response = client.post(f"{API}/fhir", params={"patient": world.patient_id}, json=bundle, headers=world.headers("doctor"))
    assert response.status_code == 422
    assert "Observation/obs-1 valueQuantity.unit" in response.json()["detail"][0]["msg"]
    records = client.get(f"{API}/patients/{world.patient_id}/measurements", headers=world.headers("doctor")).json()
    assert records == []


def test_everything_exports_the_record(client: TestClient, world: World) -> None:
    client.post(f"{API}/fhir", params={"patient": world.patient_id}, json=load("lab_report"), headers=world.headers("doctor"))
    response = client.get(f"{API}/fhir/Patient/{world.patient_id}/$everything", headers=world.headers("patient"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/fhir+json")
    types = [e["resource"]["resourceType"] for e in response.json()["entry"]]
    assert types.count("Observation") == 4 and "Patient" in types
    assert client.get(f"{API}/fhir/Patient/{world.other_patient_id}/$everything",
                      headers=world.headers("patient")).status_code == 403


def test_cds_discovery_lists_both_services(client: TestClient) -> None:
    services = client.get(f"{API}/cds-services").json()["services"]
    assert {(s["hook"], s["id"]) for s in services} == {("patient-view", "lutea-patient-view"), ("order-sign", "lutea-order-sign")}
    assert all("prefetch" in s for s in services)


def test_patient_view_from_prefetch_gives_cited_cards(client: TestClient, world: World) -> None:
    preg = load("pregnancy")
    # 2.1 ng/mL at 6 weeks of pregnancy: far below the first-trimester interval
    preg["entry"][4]["resource"]["valueQuantity"]["value"] = 2.1
    response = client.post(f"{API}/cds-services/lutea-patient-view", headers=world.headers("doctor"),
                           json=_hook("patient-view", {"patientId": "pat-7", "userId": "Practitioner/1"}, {"everything": preg}))
    assert response.status_code == 200, response.text
    cards = response.json()["cards"]
    assert cards and all(c["indicator"] in ("warning", "critical") for c in cards)
    assert all(len(c["summary"]) < 140 for c in cards)
    assert all(link["url"].startswith("http") for c in cards for link in c["links"])
    assert any(c["links"] for c in cards)


def test_patient_view_from_the_stored_record(client: TestClient, world: World) -> None:
    client.post(f"{API}/fhir", params={"patient": world.patient_id}, json=load("lab_report"), headers=world.headers("doctor"))
    response = client.post(f"{API}/cds-services/lutea-patient-view", headers=world.headers("doctor"),
                           json=_hook("patient-view", {"patientId": str(world.patient_id)}))
    assert response.status_code == 200
    # the newest result of each specimen, as stored: only the saliva result has a finding to show
    cards = response.json()["cards"]
    assert [c["source"]["topic"]["code"] for c in cards] == ["specimen.low_validity"]
    assert cards[0]["detail"].startswith("Progesterone 480 pmol/L (saliva, 2026-10-20)")
    newer = {"specimen": "saliva", "value": 300, "unit": "pmol/L", "sampled_at": "2026-10-25T07:00:00Z"}
    assert client.post(f"{API}/patients/{world.patient_id}/measurements", json=newer,
                       headers=world.headers("doctor")).status_code == 201
    cards = client.post(f"{API}/cds-services/lutea-patient-view", headers=world.headers("doctor"),
                        json=_hook("patient-view", {"patientId": str(world.patient_id)})).json()["cards"]
    assert [c["detail"][:45] for c in cards] == ["Progesterone 300 pmol/L (saliva, 2026-10-25):"]
    forbidden = client.post(f"{API}/cds-services/lutea-patient-view", headers=world.headers("stranger"),
                            json=_hook("patient-view", {"patientId": str(world.patient_id)}))
    assert forbidden.status_code == 403


def test_order_sign_flags_a_peanut_allergy_as_critical_with_a_removal(client: TestClient, world: World) -> None:
    allergies = {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": {
        "resourceType": "AllergyIntolerance", "id": "al-1", "patient": {"reference": "Patient/pat-1"},
        "code": {"text": "Peanut"}}}]}
    response = client.post(f"{API}/cds-services/lutea-order-sign", headers=world.headers("doctor"), json=_hook(
        "order-sign", {"patientId": "pat-1", "draftOrders": _draft("Utrogestan 200 mg capsule", 200, "TID")},
        {"allergies": allergies}))
    assert response.status_code == 200, response.text
    cards = response.json()["cards"]
    critical = [c for c in cards if c["indicator"] == "critical"]
    assert critical and "Peanut" in critical[0]["detail"]
    assert critical[0]["suggestions"][0]["actions"][0]["type"] == "delete"
    assert critical[0]["source"]["url"].startswith("http")


def test_order_sign_suggests_the_labelled_maximum(client: TestClient, world: World) -> None:
    # Crinone 8% 90 mg every 8 h = 270 mg/day, above the 180 mg/day label (label-crinone-us: 90 mg twice daily)
    response = client.post(f"{API}/cds-services/lutea-order-sign", headers=world.headers("doctor"), json=_hook(
        "order-sign", {"patientId": "pat-1", "draftOrders": _draft("Crinone 8% gel", 90, "TID")}, {}))
    cards = response.json()["cards"]
    dose = next(c for c in cards if c["source"]["topic"]["code"] == "safety.dose_above_label")
    assert dose["indicator"] == "warning"
    update = dose["suggestions"][0]["actions"][0]
    assert update["type"] == "update"
    assert update["resource"]["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] == 60.0


def test_order_sign_checks_the_pathway(client: TestClient, world: World) -> None:
    # NICE NG126 pathway: vaginal micronised progesterone 400 mg twice daily (pathways.yaml, nice-ng126)
    differs = client.post(f"{API}/cds-services/lutea-order-sign", headers=world.headers("doctor"), json=_hook(
        "order-sign", {"patientId": "pat-1",
                       "draftOrders": _draft("Utrogestan", 200, "BID", "threatened-miscarriage")}, {})).json()["cards"]
    card = next(c for c in differs if c["source"]["topic"]["code"] == "pathway.differs")
    doses = {s["actions"][0]["resource"]["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"]
             for s in card["suggestions"]}
    assert doses == {400}
    matches = client.post(f"{API}/cds-services/lutea-order-sign", headers=world.headers("doctor"), json=_hook(
        "order-sign", {"patientId": "pat-1",
                       "draftOrders": _draft("Utrogestan", 400, "BID", "threatened-miscarriage")}, {})).json()["cards"]
    assert not any(c["source"]["topic"]["code"] == "pathway.differs" for c in matches)


def test_order_sign_for_a_pathway_shows_the_progestogens_risk_profile(client: TestClient, world: World) -> None:
    """E3N (fournier2008-e3n): oestrogen with progesterone, breast cancer RR 1.00; ESTHER OR 0.7 for VTE."""
    cards = client.post(f"{API}/cds-services/lutea-order-sign", headers=world.headers("doctor"), json=_hook(
        "order-sign", {"patientId": "pat-1",
                       "draftOrders": _draft("Utrogestan", 200, "QD", "perimenopause")}, {})).json()["cards"]
    risk = next(c for c in cards if c["source"]["topic"]["code"] == "risk.profile")
    assert risk["indicator"] == "info" and risk["detail"].startswith("Micronised progesterone")
    assert "RR 1.00" in risk["detail"] and "OR 0.7" in risk["detail"]
    assert any("PMC6891893" in link["url"] or "pubmed17309934" in link["url"] for link in risk["links"])
    plain = client.post(f"{API}/cds-services/lutea-order-sign", headers=world.headers("doctor"), json=_hook(
        "order-sign", {"patientId": "pat-1", "draftOrders": _draft("Utrogestan", 200, "QD")}, {})).json()["cards"]
    assert not any(c["source"]["topic"]["code"] == "risk.profile" for c in plain)


def test_order_sign_ignores_other_medicines_and_refuses_no_orders(client: TestClient, world: World) -> None:
    response = client.post(f"{API}/cds-services/lutea-order-sign", headers=world.headers("doctor"), json=_hook(
        "order-sign", {"patientId": "pat-1", "draftOrders": _draft("Folic acid 400 microgram tablet", 0.4, "QD")}, {}))
    assert response.status_code == 200 and response.json()["cards"] == []
    missing = client.post(f"{API}/cds-services/lutea-order-sign", headers=world.headers("doctor"),
                          json=_hook("order-sign", {"patientId": "pat-1"}))
    assert missing.status_code == 422


def test_order_sign_screens_a_generic_progesterone_by_route(client: TestClient, world: World) -> None:
    # no product named: screened against every vaginal product; 400 mg every 8 h = 1200 mg/day is above
    # the highest vaginal label in products.yaml (Cyclogest 400 mg twice daily, label-cyclogest-uk)
    response = client.post(f"{API}/cds-services/lutea-order-sign", headers=world.headers("doctor"), json=_hook(
        "order-sign", {"patientId": "pat-1", "draftOrders": _draft("Progesterone 400 mg (generic)", 400, "TID")}, {}))
    assert response.status_code == 200, response.text
    dose = next(c for c in response.json()["cards"] if c["source"]["topic"]["code"] == "safety.dose_above_label")
    assert "any vaginal product" in dose["detail"]


def test_malformed_bundle_shell_is_422(client: TestClient, world: World) -> None:
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [{"fullUrl": 5, "resource": {"resourceType": "Patient"}}]}
    response = client.post(f"{API}/fhir", json=bundle, headers=world.headers("doctor"))
    assert response.status_code == 422
    assert "entry[0].fullUrl" in response.json()["detail"][0]["msg"]


def _count(client: TestClient, world: World, who: str = "doctor") -> int:
    return len(client.get(f"{API}/patients", headers=world.headers(who)).json())


def test_an_import_is_checked_as_a_form_is_and_stores_nothing_when_refused(client: TestClient, world: World) -> None:
    """Issue 14: 5000 ng/mL, 1e300 ng/mL and a sample dated 2030 were stored by FHIR import."""
    before = _count(client, world)
    for change, field in (({"value": 5000}, "value"), ({"value": 1e300}, "value"), (None, "sampled_at")):
        bundle = load("lab_report")
        observation = bundle["entry"][4]["resource"]
        if change:
            observation["valueQuantity"].update(change)
        else:
            observation["effectiveDateTime"] = "2030-01-01T08:00:00Z"
        response = client.post(f"{API}/fhir", json=bundle, headers=world.headers("doctor"))
        assert response.status_code == 422, response.text
        detail = response.json()["detail"][0]
        assert detail["loc"][-1].startswith("Observation") and detail["loc"][-1].endswith(field), detail
    assert _count(client, world) == before  # not even the new patient record


def test_a_relative_patient_id_does_not_file_another_clinics_results_into_an_existing_record(
        client: TestClient, world: World) -> None:
    """`Patient/1` in two senders' bundles names two people; only a global identifier matches a record."""
    def bundle(value: float) -> dict[str, Any]:
        return {"resourceType": "Bundle", "type": "collection", "entry": [
            {"resource": {"resourceType": "Patient", "id": "1", "gender": "female", "name": [{"text": "Local One"}]}},
            {"resource": {"resourceType": "Observation", "id": "o1", "status": "final", "subject": {"reference": "Patient/1"},
                          "code": {"coding": [{"system": "http://loinc.org", "code": "2839-9"}]},
                          "effectiveDateTime": "2026-10-21T08:30:00Z",
                          "valueQuantity": {"value": value, "unit": "ng/mL", "system": "http://unitsofmeasure.org",
                                            "code": "ng/mL"}}}]}

    first = client.post(f"{API}/fhir", json=bundle(12.0), headers=world.headers("doctor"))
    second = client.post(f"{API}/fhir", json=bundle(3.0), headers=world.headers("stranger"))
    assert first.status_code == 200 and second.status_code == 200, (first.text, second.text)
    assert first.json()["patient_id"] != second.json()["patient_id"]
    assert first.json()["patient_created"] and second.json()["patient_created"]


def test_a_global_patient_identifier_belongs_to_one_record(client: TestClient, world: World) -> None:
    made = client.post(f"{API}/fhir", json=load("lab_report"), headers=world.headers("doctor")).json()
    # the doctor's other patient cannot take the same MRN
    refused = client.post(f"{API}/fhir", params={"patient": world.patient_id}, json=load("lab_report"),
                          headers=world.headers("doctor"))
    assert made["patient_id"] != world.patient_id
    assert refused.status_code == 422 and "linked to another patient record" in refused.text
    assert f"patient {made['patient_id']}" not in refused.text  # names no other record


def test_a_patient_cannot_squat_another_persons_identifier(client: TestClient, world: World) -> None:
    """The probe: a patient imported a bundle whose Patient carried another person's MRN into her own
    record; the clinician's later import of that person's real results (no ?patient=) was filed in
    her record, where she could read them."""
    squat = client.post(f"{API}/fhir", json=load("lab_report"), headers=world.headers("patient"))
    assert squat.status_code == 200 and squat.json()["patient_id"] == world.patient_id  # her record, nothing more
    real = client.post(f"{API}/fhir", json=load("lab_report"), headers=world.headers("doctor"))
    assert real.status_code == 200, real.text
    filed = real.json()
    assert filed["patient_created"] and filed["patient_id"] != world.patient_id
    assert client.get(f"{API}/patients/{filed['patient_id']}/measurements",
                      headers=world.headers("patient")).status_code == 403
    again = client.post(f"{API}/fhir", json=load("lab_report"), headers=world.headers("doctor")).json()
    assert again["patient_id"] == filed["patient_id"] and again["created_total"] == 0  # the proven link routes it
    mine = client.post(f"{API}/fhir", json=load("lab_report"), headers=world.headers("patient")).json()
    assert mine["patient_id"] == world.patient_id and mine["created_total"] == 0  # her own re-import writes nothing


def test_a_patients_import_names_no_other_record(client: TestClient, world: World) -> None:
    """The probe: a 422 told a patient which record id an identifier belonged to."""
    owned = client.post(f"{API}/fhir", json=load("lab_report"), headers=world.headers("doctor")).json()["patient_id"]
    for params in ({}, {"patient": world.patient_id}):
        response = client.post(f"{API}/fhir", params=params, json=load("lab_report"), headers=world.headers("patient"))
        assert response.status_code == 200 and response.json()["patient_id"] == world.patient_id
        assert f'"patient_id":{owned}' not in response.text and f"patient {owned}" not in response.text
    stranger = client.post(f"{API}/fhir", json=load("lab_report"), headers=world.headers("stranger"))
    assert stranger.status_code == 403
    assert stranger.json()["detail"] == "the bundle's Patient belongs to a patient record you may not reach"
