"""The layers of docs/architecture.md, checked on the source: imports point down only."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "lutea"
# the entry points: HTTP API, web pages, command line, FHIR and CDS Hooks (over HTTP and the command line)
SHELLS = {"api", "web", "cli", "fhir"}
ADAPTERS = {"batch"}  # below the shells, above records: the bulk engine the CLI and the API call
CORE = {"knowledge", "pk", "individualise", "units", "context", "interpret", "_interpret_rules", "pathways",
        "safety", "triage", "cutoffs", "cycle", "series", "findings", "measurement", "timeline", "claims", "regions", "risk_profiles", "result_flag"}
# the modules that join shells: the served app (API, FHIR services, web pages), the `lutea` command (CLI, FHIR)
COMPOSITION_ROOTS = {"server", "command"}
# what the HTTP shells and the command-line shells share (request dependencies, bearer tokens,
# proxies, headers, terminal output): below every shell, and the core never imports them
SHELL_SUPPORT = {"http_access", "tokens", "proxies", "http_headers", "terminal"}


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
            if part not in SHELLS | COMPOSITION_ROOTS and target in SHELLS:
                problems.append(f"{path.relative_to(SRC)} ({part}) imports the {target} shell")
            if part in ADAPTERS and target in ADAPTERS and target != part:
                problems.append(f"{path.relative_to(SRC)} imports the {target} adapter")
            if part in {"records", "store"} | CORE and target in ADAPTERS:
                problems.append(f"{path.relative_to(SRC)} ({part}) imports the {target} adapter")
            if part in CORE and target in {"records", "store"} | SHELL_SUPPORT:
                problems.append(f"{path.relative_to(SRC)} (core) imports {target}")
            if part in {"records", "store"} | ADAPTERS | SHELL_SUPPORT and target in COMPOSITION_ROOTS:
                problems.append(f"{path.relative_to(SRC)} ({part}) imports the {target} composition root")
    assert problems == []


def test_the_served_app_joins_the_api_the_fhir_services_and_the_web_pages() -> None:
    assert {"api", "fhir", "web"} <= _imports(SRC / "server.py")
    from fastapi.testclient import TestClient

    from lutea.api import create_app as create_api
    from lutea.config import Settings
    from lutea.server import create_app

    settings = Settings(database_url="sqlite://", secret_key="x" * 32, migrate_on_start=False)
    api, served = TestClient(create_api(settings)), TestClient(create_app(settings))
    assert api.get("/api/v1/openapi.json").status_code == 200 and api.get("/login").status_code == 404
    assert api.get("/api/v1/cds-services").status_code == 404
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


def test_the_lutea_command_joins_the_cli_and_the_fhir_shell() -> None:
    """lutea.command names its commands' modules as text (so that each is imported only when it
    runs): each is a module of the CLI or the FHIR shell, and the full command has them all."""
    from lutea.cli import COMMANDS as CLI_COMMANDS
    from lutea.command import COMMANDS, build_app

    assert "cli" in _imports(SRC / "command.py")
    assert {module.split(".")[1] for module, _, _ in COMMANDS.values()} == {"cli", "fhir"}
    assert {name for name, (module, _, _) in COMMANDS.items() if module.startswith("lutea.fhir.")} == {"import", "export"}
    assert set(CLI_COMMANDS) <= set(COMMANDS)
    names = {command.name for command in build_app().registered_commands} | {
        group.name for group in build_app().registered_groups}
    assert names == set(COMMANDS)
