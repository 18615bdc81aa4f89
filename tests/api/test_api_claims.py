"""GET /api/v1/claims and /claims/{id}: the same JSON as `lutea claims --json`; an unknown id 404
naming it; odd ids 4xx with a short body; plans and interpretations over HTTP carry claim ids."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest
from api_examples import cli_json
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from lutea.claims import all_claims

API = "/api/v1"


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """These routes touch no record: one database kind is enough."""
    return f"sqlite:///{tmp_path / 'lutea.db'}"


@pytest.mark.parametrize("who", ["patient", "doctor", "admin"])
def test_claims_match_the_cli_for_every_role(client: TestClient, world, who: str) -> None:
    response = client.get(f"{API}/claims", headers=world.headers(who))
    assert response.status_code == 200, response.text
    assert response.json() == cli_json("claims")
    verdicts = {c["id"]: c["verdict"] for c in response.json()["claims"]}
    # NICE NG126 1.5.2 / PRISM 2019: supported for women with a previous miscarriage
    assert verdicts["vaginal-progesterone-bleeding-after-miscarriage"] == "supported"


def test_one_claim_matches_the_cli(client: TestClient, world) -> None:
    response = client.get(f"{API}/claims/progesterone-for-bone-health", headers=world.headers("patient"))
    assert response.status_code == 200, response.text
    assert response.json() == cli_json("claims", "progesterone-for-bone-health")


def test_claims_need_a_token(client: TestClient) -> None:
    assert client.get(f"{API}/claims").status_code == 401
    assert client.get(f"{API}/claims/progesterone-for-pms").status_code == 401


def test_an_unknown_claim_is_404_naming_it(client: TestClient, world) -> None:
    response = client.get(f"{API}/claims/leg-cramps", headers=world.headers("patient"))
    assert response.status_code == 404
    assert response.json() == {"detail": "claim: no claim 'leg-cramps'; GET /api/v1/claims lists the ids"}


@pytest.mark.parametrize("odd", ["%00%1b%5B31m", "x" * 100, "..%2F..%2Fetc", "%F0%9F%92%A9", "%E2%80%AE"])
def test_odd_ids_are_404_with_a_short_body(client: TestClient, world, odd: str) -> None:
    response = client.get(f"{API}/claims/{odd}", headers=world.headers("patient"))
    assert response.status_code == 404, response.text
    assert len(response.text) < 300


def test_a_long_id_is_refused_with_a_short_body(client: TestClient, world) -> None:
    # 60,000 characters: near the longest URL an HTTP client sends (httpx refuses 65,536); a
    # megabyte path never reaches the app (the server's request-line limit)
    response = client.get(f"{API}/claims/{'x' * 60_000}", headers=world.headers("patient"))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["path", "claim_id"]
    assert len(response.text) < 1000


def test_a_plan_over_http_carries_its_claims_for_the_patient(client: TestClient, world) -> None:
    # NICE NG126 1.5.2: bleeding, a scan-confirmed intrauterine pregnancy and a previous miscarriage
    body = {"scenario": "threatened-miscarriage",
            "answers": {"gestational_weeks": 8, "symptoms": ["bleeding"], "previous_miscarriages": 1,
                        "pregnancy_location": "intrauterine"}}
    response = client.post(f"{API}/plan", json=body, headers=world.headers("patient"))
    assert response.status_code == 200, response.text
    plan = response.json()
    assert plan["role"] == "patient"
    assert "vaginal-progesterone-bleeding-after-miscarriage" in plan["claims"]
    linked = [f for f in plan["findings"] if f.get("claims")]
    assert any("threatened-miscarriage-low-progesterone-cause" in f["claims"] for f in linked)


def test_an_interpretation_over_http_links_the_saliva_claim(client: TestClient, world) -> None:
    body = {"measurement": {"value": 150, "unit": "pg/mL", "specimen": "saliva"}}
    response = client.post(f"{API}/interpret", json=body, headers=world.headers("doctor"))
    assert response.status_code == 200, response.text
    caveat = next(f for f in response.json()["findings"] if f["code"] == "specimen.low_validity")
    assert caveat["claims"] == ["saliva-urine-tissue-level"]  # NAMS 2017: salivary dosing is unreliable


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(min_size=1, max_size=120))
def test_any_id_in_the_path_is_a_4xx_or_the_claim(client: TestClient, world, text: str) -> None:
    # the server decodes %2F: slashes alone leave no id, and the path is the list's (200, no data of anyone)
    assume(text.strip("/"))
    response = client.get(f"{API}/claims/{quote(text, safe='')}", headers=world.headers("patient"))
    ids = {c.id for c in all_claims()}
    if text in ids:
        assert response.status_code == 200
    else:
        assert response.status_code in (404, 422), (text, response.status_code)
        assert len(response.text) < 1000


def test_the_claims_pages_need_a_sign_in_as_the_evidence_page(client: TestClient) -> None:
    for path in ("/claims", "/claims/progesterone-for-pms", "/evidence"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code in (302, 303, 307), path
        assert response.headers["location"].startswith("/login"), path
