"""The FHIR export of a result taken on a progestogen: the finding is a DetectedIssue citing its
sources (issue 17). Source of the finding: eggersmann2022-dyd-assays."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from fhir_examples import World

API = "/api/v1"
NOW = datetime.now(UTC).replace(microsecond=0)


def test_everything_exports_the_progestogen_finding_as_a_detected_issue(client: TestClient, world: World) -> None:
    headers = world.headers("doctor")
    base = f"{API}/patients/{world.patient_id}"
    start = (NOW - timedelta(days=5)).isoformat()
    treatment = client.post(f"{base}/treatments", json={"product": "Duphaston", "route": "oral", "dose_mg": 10,
                                                        "schedule": "10 mg oral q12h", "start": start}, headers=headers)
    assert treatment.status_code == 201, treatment.text
    measurement = client.post(f"{base}/measurements", json={"specimen": "serum", "value": 2.0, "unit": "ng/mL",
                                                            "sampled_at": (NOW - timedelta(days=1)).isoformat()},
                              headers=headers)
    assert measurement.status_code == 201, measurement.text
    bundle = client.get(f"{API}/fhir/Patient/{world.patient_id}/$everything", headers=headers).json()
    issues = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "DetectedIssue"]
    ours = [i for i in issues if i["code"]["coding"][0]["code"] == "treatment.progestogen_not_measured"]
    assert len(ours) == 1
    assert ours[0]["severity"] == "moderate" and "her own progesterone" in ours[0]["detail"]
    assert ours[0]["extension"] and all(x["valueUri"].startswith("http") for x in ours[0]["extension"])
    statements = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "MedicationStatement"]
    assert statements[0]["medicationCodeableConcept"]["text"] == "Duphaston (dydrogesterone)"
