"""The layers of docs/architecture.md, checked on the source: imports point down only."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "lutea"
SHELLS = {"api", "web", "cli", "fhir", "batch"}
CORE = {"knowledge", "pk", "individualise", "units", "context", "interpret", "_interpret_rules", "pathways",
        "safety", "triage", "cutoffs", "cycle", "series", "findings", "measurement", "timeline", "claims", "regions", "risk_profiles", "result_flag"}
# the ASGI application assembles the two HTTP shells; the API's FHIR routes and the CLI use the
# FHIR codec (fhir/); the CLI runs the batch engine
ALLOWED = {("api", "web"), ("api", "fhir"), ("cli", "fhir"), ("cli", "batch"), ("api", "batch")}


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


def test_no_shell_imports_the_api_and_records_and_core_import_no_shell() -> None:
    problems = []
    for path in SRC.rglob("*.py"):
        part = _part(path)
        for target in _imports(path):
            if part in SHELLS and target in SHELLS and target != part and (part, target) not in ALLOWED:
                problems.append(f"{path.relative_to(SRC)} imports the {target} shell")
            if part in {"records", "store"} | CORE and target in SHELLS:
                problems.append(f"{path.relative_to(SRC)} ({part}) imports the {target} shell")
            if part in CORE and target in {"records", "store"}:
                problems.append(f"{path.relative_to(SRC)} (core) imports {target}")
    assert problems == []


def test_only_records_writes_patient_records() -> None:
    """Shells reach the store through lutea.records for writes: no shell adds a record row itself."""
    writers = []
    for path in SRC.rglob("*.py"):
        if _part(path) in SHELLS:
            text = path.read_text(encoding="utf-8")
            for model in ("Measurement(", "Symptom(", "Treatment(", "Episode(", "DoseEvent(", "RedFlag("):
                if f"models.{model}" in text:
                    writers.append(f"{path.relative_to(SRC)}: models.{model}")
    # the web demo seeds its sample records directly, then interprets and flags them through records
    assert [w for w in writers if not w.startswith("web/demo.py")] == []
