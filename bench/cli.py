"""Benchmark of the CLI's cold start: each command as a fresh process, as a script would run it.

Measured in one run on the same machine, each the best of N fresh processes (default 5),
taken in turns so that a busy moment on a shared machine hits every command alike:
- `lutea interpret --value 18 --unit nmol/L --cycle-day 21 --cycle-length 35 --json`,
- `lutea plan --scenario threatened-miscarriage --gestational-weeks 8 --symptoms bleeding
  --previous-miscarriages 2 --intrauterine-confirmed --json`,
- `lutea --help`,
- the floor: `python -c "import numpy, pydantic, yaml"` (what any lutea command must import).
One warm-up run of each command first fills the knowledge-base cache (docs/cli.md) and writes
the byte-code of lutea's modules, as the first command after an install or an update does (the
runs drop PYTHONDONTWRITEBYTECODE: an installed package has its byte-code). The command is the venv's `lutea` console
script next to this Python, else `python -c 'from lutea.command import main; main()'`; run from a
worktree with PYTHONPATH pointing at its src. Every run must exit 0 and every --json output
must parse.
Last line: `cli interpret_s=A plan_s=B help_s=C floor_s=D ratio_to_floor=A/D` (goal: <= 6).
Run: `.venv/bin/python bench/cli.py [--repeats N]`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

INTERPRET = ["interpret", "--value", "18", "--unit", "nmol/L", "--cycle-day", "21", "--cycle-length", "35", "--json"]
PLAN = ["plan", "--scenario", "threatened-miscarriage", "--gestational-weeks", "8", "--symptoms", "bleeding",
        "--previous-miscarriages", "2", "--intrauterine-confirmed", "--json"]
HELP = ["--help"]


def lutea_command() -> list[str]:
    """The venv's console script when there is one, else the entry point through this Python."""
    script = Path(sys.executable).parent / "lutea"
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [sys.executable, "-c", "from lutea.command import main; main()"]


ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run_once(argv: list[str], *, expect_json: bool) -> float:
    """Seconds from spawning the process to its exit; fails loudly on a non-zero exit or bad JSON."""
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, env=ENV)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {done.returncode}: {done.stderr.strip()[-500:]}")
    if expect_json:
        json.loads(done.stdout)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    lutea = lutea_command()
    cases = {
        "interpret": (lutea + INTERPRET, True),
        "plan": (lutea + PLAN, True),
        "help": (lutea + HELP, False),
        "floor": ([sys.executable, "-c", "import numpy, pydantic, yaml"], False),
    }
    print(f"machine: {os.cpu_count()} cpus, {platform.machine()}, Python {platform.python_version()}; "
          f"command: {' '.join(lutea)}; best of {args.repeats} fresh processes after one warm-up each")
    for argv, expect_json in cases.values():
        run_once(argv, expect_json=expect_json)
    best = {name: float("inf") for name in cases}
    for _ in range(args.repeats):
        for name, (argv, expect_json) in cases.items():
            best[name] = min(best[name], run_once(argv, expect_json=expect_json))
    for name in cases:
        print(f"{name}: {best[name]:.3f} s ({best[name] / best['floor']:.1f}x the floor)")
    ratio = best["interpret"] / best["floor"]
    print(f"cli interpret_s={best['interpret']:.3f} plan_s={best['plan']:.3f} help_s={best['help']:.3f} "
          f"floor_s={best['floor']:.3f} ratio_to_floor={ratio:.2f}")


if __name__ == "__main__":
    main()
