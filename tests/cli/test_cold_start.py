"""The CLI's cold start: a command imports only what it needs; `lutea --help` still lists them all.

What is imported is checked here; how long it takes is measured by bench/cli.py, not tested.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

import lutea
from lutea.command import COMMANDS, build_app

SRC = str(Path(lutea.__file__).resolve().parents[1])
# what `lutea interpret` and `lutea plan` must not load: SciPy (calibration, individualisation),
# the record store, the batch engine, pint (the common units come from a table)
HEAVY = ("scipy", "sqlalchemy", "alembic", "argon2", "polars", "pyarrow", "dask", "pint", "matplotlib",
         "fhir", "lutea.store", "lutea.records", "lutea.batch", "lutea.individualise")
INTERPRET = ["interpret", "--value", "18", "--unit", "nmol/L", "--cycle-day", "21", "--cycle-length", "35", "--json"]
PLAN = ["plan", "--scenario", "threatened-miscarriage", "--gestational-weeks", "8", "--symptoms", "bleeding",
        "--previous-miscarriages", "2", "--intrauterine-confirmed", "--json"]


def _run(args: list[str], tmp_path: Path) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """`lutea ARGS` in a fresh process; its output and the modules it had imported when it exited."""
    listing = tmp_path / "modules.json"
    code = (
        "import atexit, json, sys\n"
        f"atexit.register(lambda: open({str(listing)!r}, 'w').write(json.dumps(sorted(sys.modules))))\n"
        "sys.argv[0] = 'lutea'\n"
        "from lutea.command import main\n"
        "main()\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([SRC, os.environ.get("PYTHONPATH", "")]),
           "LUTEA_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=300)
    return done, set(json.loads(listing.read_text(encoding="utf-8")))


def _heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


def test_interpret_imports_only_what_it_needs(tmp_path: Path) -> None:
    for _ in range(2):  # the first run fills the knowledge-base cache, the second reads it
        done, modules = _run(INTERPRET, tmp_path)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["value"]["nmol_l"] == 18.0
        assert _heavy(modules) == []
        assert not any(m.startswith("lutea.cli.") and m not in ("lutea.cli._common", "lutea.cli.interpret")
                       for m in modules)


def test_plan_imports_only_what_it_needs(tmp_path: Path) -> None:
    done, modules = _run(PLAN, tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["scenario"] == "threatened-miscarriage"
    assert _heavy(modules) == []


def test_help_lists_every_command_with_its_help(tmp_path: Path) -> None:
    done, _ = _run(["--help"], tmp_path)
    assert done.returncode == 0, done.stderr
    full = CliRunner().invoke(build_app(), ["--help"], terminal_width=200)
    for name in COMMANDS:
        assert f" {name} " in done.stdout, name
        assert f" {name} " in full.stdout, name
    assert "Interpret one progesterone result in its context" in done.stdout
    assert "Accounts (patient, clinician, admin)" in done.stdout


def test_an_unknown_command_is_refused_with_the_full_list(tmp_path: Path) -> None:
    done, _ = _run(["interpet"], tmp_path)
    assert done.returncode == 2
    assert "No such command" in done.stderr


def test_a_command_alone_has_the_same_options_as_in_the_full_app() -> None:
    for name in ("interpret", "plan", "batch"):
        alone = CliRunner().invoke(build_app([name]), [name, "--help"], terminal_width=200)
        full = CliRunner().invoke(build_app(), [name, "--help"], terminal_width=200)
        assert alone.exit_code == full.exit_code == 0
        assert alone.stdout == full.stdout
