"""Every patient-scoped route, enumerated from the app itself, refuses everyone but the patient and
their assigned clinicians; admin routes refuse everyone but admins."""

from __future__ import annotations

import pytest
from api_examples import BY_KIND, PATIENT, UPDATES
from fastapi import FastAPI
from fastapi.testclient import TestClient

API = "/api/v1"
# Routes that name no patient in their path, and why they are safe.
GLOBAL_ROUTES = {
    ("post", "/api/v1/auth/token"),  # login
    ("post", "/api/v1/auth/logout"),  # ends the caller's own tokens and sessions
    ("get", "/api/v1/patients"),  # lists only the caller's own / assigned patients (tested below)
    ("post", "/api/v1/patients"),  # clinicians only; assigns the new record to its creator
    ("get", "/api/v1/admin/users"),
    ("post", "/api/v1/admin/users"),
    ("patch", "/api/v1/admin/users/{user_id}"),
    ("get", "/api/v1/admin/assignments"),
    ("post", "/api/v1/admin/assignments"),
    ("get", "/api/v1/audit"),
    # FHIR and CDS Hooks (routes/fhir.py): the target patient is in the body; the route checks
    # access itself (clinicians: assigned patients; a new patient only for a clinician) - tests/fhir
    ("post", "/api/v1/fhir"),
    # the patient is named by an identifier; the route answers 404 for one the caller may not
    # reach (audited), the same as an unknown one - tests/fhir/test_export_by_identifier.py
    ("get", "/api/v1/fhir/Patient/$everything"),
    ("get", "/api/v1/cds-services"),  # service discovery, no patient data
    ("post", "/api/v1/cds-services/lutea-patient-view"),
    ("post", "/api/v1/cds-services/lutea-order-sign"),
}
# Domain routes (interpret, simulate, ...) take their whole input in the request and read no record.
# stateless answers from the core and the knowledge base (no record is read), for any signed-in user
DOMAIN_PREFIXES = ("/api/v1/interpret", "/api/v1/simulate", "/api/v1/individualize", "/api/v1/plan", "/api/v1/claims")
OUTSIDERS = ["other_patient", "other_doctor", "admin", "nobody"]


def _operations(app: FastAPI) -> list[tuple[str, str]]:
    paths = app.openapi()["paths"]
    return [(method, path) for path, ops in paths.items() for method in ops]


def _served_paths(routes: list, out: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """(method, path) of every route the app serves, hidden ones included (walks included routers)."""
    for route in routes:
        nested = getattr(route, "effective_candidates", None)
        if nested is not None:
            _served_paths(nested(), out)
            continue
        original = getattr(route, "original_route", route)
        path = getattr(route, "path", None) or getattr(original, "path", "")
        for method in getattr(original, "methods", None) or {"*"}:
            out.add((method.lower(), path))
    return out


def _seed(client: TestClient, world) -> dict[str, int]:
    """One record of each kind on patient 1, made by the assigned clinician."""
    ids: dict[str, int] = {}
    for kind in ("episodes", "measurements", "symptoms", "treatments"):
        response = client.post(f"{API}/patients/{world.patient_id}/{kind}", json=BY_KIND[kind], headers=world.headers("doctor"))
        assert response.status_code == 201, response.text
        ids[kind] = response.json()["id"]
    # chest pain on hormone treatment raises a red flag (red_flags.yaml vte-chest) to acknowledge
    chest = {"symptom": "chest-pain", "severity": 3, "noted_at": BY_KIND["measurements"]["sampled_at"]}
    assert client.post(f"{API}/patients/{world.patient_id}/symptoms", json=chest, headers=world.headers("doctor")).status_code == 201
    flags = client.get(f"{API}/patients/{world.patient_id}/red-flags", headers=world.headers("doctor")).json()
    ids["red-flags"] = flags[0]["id"]
    return ids


def _request_for(method: str, path: str, world, ids: dict[str, int]) -> tuple[str, dict | None]:
    parts = path.split("/")
    record_kind = parts[parts.index("{record_id}") - 1] if "{record_id}" in parts else None
    url = path.replace("{patient_id}", str(world.patient_id))
    if record_kind:
        url = url.replace("{record_id}", str(ids.get(record_kind, 1)))  # red flags: any id (refused before lookup)
    last = parts[-1]
    if method == "post":
        assert last in BY_KIND, f"add a valid example body for POST {path} to api_examples.BY_KIND"
        return url, BY_KIND[last]
    if method == "patch":
        return url, UPDATES.get(record_kind or "", {"display_name": "Renamed"})
    return url, None


def _call(client: TestClient, method: str, url: str, body: dict | None, headers: dict[str, str]):
    return client.request(method.upper(), url, json=body, headers=headers)


def test_every_route_is_classified(app: FastAPI) -> None:
    for method, path in _operations(app):
        scoped = "{patient_id}" in path
        assert scoped or (method, path) in GLOBAL_ROUTES or path.startswith(DOMAIN_PREFIXES), (
            f"{method.upper()} {path} names no patient and is not a known global route: "
            "scope it under /patients/{patient_id} or add it to GLOBAL_ROUTES with a reason"
        )


def test_no_api_route_hides_from_the_openapi_document(app: FastAPI) -> None:
    """Hidden routes would escape the enumeration above: every /api/v1 route must be documented."""
    documented = set(_operations(app))
    served = _served_paths(app.router.routes, set())
    assert ("post", "/api/v1/auth/token") in served and len(served) >= len(documented)
    hidden = {
        (m, p) for m, p in served
        if p.startswith("/api/v1") and m not in ("head", "options")
        and p not in ("/api/v1/openapi.json", "/api/v1/docs")
    } - documented
    assert not hidden, f"routes under /api/v1 missing from the OpenAPI document: {sorted(hidden)}"


def test_patient_scoped_routes_refuse_outsiders(app: FastAPI, client: TestClient, world) -> None:
    ids = _seed(client, world)
    scoped = [(m, p) for m, p in _operations(app) if "{patient_id}" in p]
    assert len(scoped) >= 20
    for method, path in scoped:
        url, body = _request_for(method, path, world, ids)
        for who in OUTSIDERS:
            response = _call(client, method, url, body, world.headers(who))
            expected = 401 if who == "nobody" else 403
            assert response.status_code == expected, f"{who} {method.upper()} {url}: {response.status_code} {response.text}"
    # nothing was written or deleted by the refused calls
    for kind, record_id in ids.items():
        if kind == "red-flags":
            continue
        assert client.get(f"{API}/patients/{world.patient_id}/{kind}/{record_id}", headers=world.headers("doctor")).status_code == 200
    # the same calls succeed for the assigned clinician (so the refusals above were real);
    # deletions last, the patient itself at the very end.
    order = sorted(scoped, key=lambda mp: (mp[0] == "delete", mp[1] == "/api/v1/patients/{patient_id}"))
    for method, path in order:
        url, body = _request_for(method, path, world, ids)
        response = _call(client, method, url, body, world.headers("doctor"))
        assert response.status_code < 300, f"doctor {method.upper()} {url}: {response.status_code} {response.text}"


def test_refusals_are_audited(client: TestClient, world) -> None:
    client.get(f"{API}/patients/{world.patient_id}/timeline", headers=world.headers("other_doctor"))
    trail = client.get(f"{API}/audit", params={"patient_id": world.patient_id}, headers=world.headers("admin")).json()
    assert [(r["action"], r["user_email"]) for r in trail] == [("deny", "other.doctor@example.org")]


def test_the_patient_reads_their_own_record(client: TestClient, world) -> None:
    ids = _seed(client, world)
    for kind, record_id in ids.items():
        if kind == "red-flags":
            continue
        assert client.get(f"{API}/patients/{world.patient_id}/{kind}/{record_id}", headers=world.headers("patient")).status_code == 200
    assert client.get(f"{API}/patients/{world.patient_id}/timeline", headers=world.headers("patient")).status_code == 200


@pytest.mark.parametrize("who", ["patient", "doctor", "nobody"])
def test_admin_routes_refuse_everyone_else(app: FastAPI, client: TestClient, world, who: str) -> None:
    bodies = {
        "/api/v1/admin/users": {"email": "x@example.org", "password": "long enough password", "role": "admin"},
        "/api/v1/admin/assignments": {"clinician_email": "doctor@example.org", "patient_id": world.other_patient_id},
        "/api/v1/admin/users/{user_id}": {"active": False},
    }
    for method, path in _operations(app):
        if not (path.startswith("/api/v1/admin") or path == "/api/v1/audit"):
            continue
        body = bodies.get(path) if method in ("post", "patch") else None
        response = _call(client, method, path.replace("{user_id}", "1"), body, world.headers(who))
        assert response.status_code == (401 if who == "nobody" else 403), f"{who} {method} {path}"


def test_no_token_no_patient_list(client: TestClient, world) -> None:
    assert client.get(f"{API}/patients").status_code == 401
    assert client.post(f"{API}/patients", json=PATIENT).status_code == 401
