"""The layers of docs/architecture.md, checked on the source: imports point down only."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "lutea"
SHELLS = {"api", "web", "cli"}  # the entry points: HTTP API, web pages, command line
# below the shells, above records: the FHIR and CDS Hooks codec and importer, the bulk engine
ADAPTERS = {"fhir", "batch"}
CORE = {"knowledge", "pk", "individualise", "units", "context", "interpret", "_interpret_rules", "pathways",
        "safety", "triage", "cutoffs", "cycle", "series", "findings", "measurement", "timeline", "claims", "regions", "risk_profiles", "result_flag"}
COMPOSITION_ROOT = "server"  # the one module that joins shells: the API app with the web pages mounted


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("lutea."):
            names.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            names |= {a.name.split(".")[1] for a in node.names if a.name.startswith("lutea.")}
    return names


def _part(path: Path) -> str:
    rel = path.relative_to(SRC).parts
    return rel[0].removesuffix(".py")


def test_no_shell_imports_another_and_nothing_below_imports_a_shell() -> None:
    problems = []
    for path in SRC.rglob("*.py"):
        part = _part(path)
        for target in _imports(path):
            if part in SHELLS and target in SHELLS and target != part:
                problems.append(f"{path.relative_to(SRC)} imports the {target} shell")
            if part not in SHELLS | {COMPOSITION_ROOT} and target in SHELLS:
                problems.append(f"{path.relative_to(SRC)} ({part}) imports the {target} shell")
            if part in ADAPTERS and target in ADAPTERS and target != part:
                problems.append(f"{path.relative_to(SRC)} imports the {target} adapter")
            if part in {"records", "store"} | CORE and target in ADAPTERS:
                problems.append(f"{path.relative_to(SRC)} ({part}) imports the {target} adapter")
            if part in CORE and target in {"records", "store"}:
                problems.append(f"{path.relative_to(SRC)} (core) imports {target}")
    assert problems == []


def test_the_composition_root_joins_the_api_and_the_web_pages() -> None:
    assert {"api", "web"} <= _imports(SRC / f"{COMPOSITION_ROOT}.py")
    from fastapi.testclient import TestClient

    from lutea.api import create_app as create_api
    from lutea.config import Settings
    from lutea.server import create_app

    settings = Settings(database_url="sqlite://", secret_key="x" * 32, migrate_on_start=False)
    api, served = TestClient(create_api(settings)), TestClient(create_app(settings))
    assert api.get("/api/v1/cds-services").status_code == 200 and api.get("/login").status_code == 404
    for path in ("/api/v1/cds-services", "/login", "/static/plotly.min.js"):
        assert served.get(path).status_code == 200, path


def test_only_records_writes_patient_records() -> None:
    """Shells and adapters reach the store through lutea.records for writes: none adds a record row itself."""
    writers = []
    for path in SRC.rglob("*.py"):
        if _part(path) in SHELLS | ADAPTERS:
            text = path.read_text(encoding="utf-8")
            for model in ("Patient(", "Measurement(", "Symptom(", "Treatment(", "Episode(", "DoseEvent(", "RedFlag("):
                if f"models.{model}" in text:
                    writers.append(f"{path.relative_to(SRC)}: models.{model}")
    # the web demo seeds its sample records directly, then interprets and flags them through records
    assert [w for w in writers if not w.startswith("web/demo.py")] == []
