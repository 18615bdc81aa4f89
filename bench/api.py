"""Benchmark of the API under a clinic's load, on SQLite and PostgreSQL, against a floor.

In one run, on one machine: `clients` concurrent clients for `seconds` each post a serum result
(interpreted, audited, red flags raised) and read it back, against lutea on SQLite and on
PostgreSQL (a throwaway server started as `make test` starts it: scripts/test-services.sh), and
the same loop against the floor: a minimal FastAPI app on the same database and engine settings
doing one insert of one row per write and one read by id (bench/floor_app.py). Each server runs
in its own process on 127.0.0.1; every run stops by itself. On each store, lutea and its floor
run side by side and take turns (`--rounds`, each `seconds / rounds` long, about 10 s by
default), so that a change in what else the machine is doing falls on both alike rather than on
whichever ran later.

Each virtual client holds its own keep-alive connection (api_load._Connection, a few lines of
HTTP/1.1 on asyncio streams): the generator shares two cores with the server, and httpx's shared
pool cost it so much CPU per request that it, not the server, set the pace and the tail.

errors: answers 5xx, transport failures and client timeouts (10 s); lost: writes acknowledged
(201) that the database does not hold afterwards. Requests per second count the answers that came
within the window (api_load.LoadResult.rps). ratio_to_floor: the smaller of lutea's
requests per second over the floor's, on each store. p99_ms: the larger of the two stores.
Last line: `api clients= sqlite_rps= pg_rps= floor_rps= ratio_to_floor= errors= lost= p99_ms=`.
Run: `.venv/bin/python bench/api.py [--clients 100] [--seconds 60] [--rounds N]`.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import api_load  # noqa: E402

SERVICES = api_load.ROOT / "scripts" / "test-services.sh"
ROUND_S = 10.0  # a turn much shorter than the slowest answers would measure the start and the tail


def _postgres() -> tuple[str, str]:
    out = subprocess.run(["bash", str(SERVICES), "start"], capture_output=True, text=True, check=True, timeout=600)
    values = dict(line.split("=", 1) for line in out.stdout.splitlines() if "=" in line)
    return values["LUTEA_TEST_POSTGRES_URL"], values["LUTEA_TEST_POSTGRES_DIR"]


def _pg_database(server_url: str, name: str) -> str:
    from sqlalchemy import create_engine, text

    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return server_url.rsplit("/", 1)[0] + f"/{name}"


def run_store(lutea_url: str, floor_url: str, clients: int, seconds: float,
              rounds: int) -> tuple[tuple[api_load.LoadResult, int], tuple[api_load.LoadResult, int]]:
    """lutea and the floor on one store, taking turns; each result with its lost writes."""
    patient_id = api_load.seed(lutea_url)
    lutea, floor = api_load.LoadResult(0.0), api_load.LoadResult(0.0)
    with api_load.server("lutea.server:create_app", api_load.lutea_env(lutea_url), factory=True) as lutea_base, \
            api_load.server("floor_app:app", {"LUTEA_DATABASE_URL": floor_url}, app_dir=api_load.ROOT / "bench") as floor_base:
        for _ in range(rounds):
            lutea.add(api_load.drive_lutea(lutea_base, patient_id, clients, seconds / rounds))
            floor.add(api_load.drive_floor(floor_base, clients, seconds / rounds))
    lutea_lost = len(set(lutea.acknowledged) - api_load.stored_ids(lutea_url, "measurements", lutea.acknowledged))
    floor_lost = len(set(floor.acknowledged) - api_load.stored_ids(floor_url, "floor_rows", floor.acknowledged))
    return (lutea, lutea_lost), (floor, floor_lost)


def show(name: str, result: api_load.LoadResult, lost: int) -> None:
    print(f"{name:14s} {result.rps:7.1f} req/s  p50 {result.p(0.5) * 1000:6.0f} ms  p99 {result.p(0.99) * 1000:6.0f} ms  "
          f"5xx+failed {result.errors}  timeouts {result.timeouts}  lost {lost}  statuses {result.statuses}"
          + (f"  failed {result.failures}" if result.failures else ""), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=60.0, help="per server and store, all rounds together")
    parser.add_argument("--rounds", type=int, default=None,
                        help="turns lutea and the floor take on each store (default: one per 10 s)")
    args = parser.parse_args()
    args.rounds = args.rounds or max(1, round(args.seconds / ROUND_S))
    runs: dict[str, tuple[api_load.LoadResult, int]] = {}
    with tempfile.TemporaryDirectory() as directory:
        runs["sqlite"], runs["floor sqlite"] = run_store(f"sqlite:///{directory}/lutea.db",
                                                         f"sqlite:///{directory}/floor.db",
                                                         args.clients, args.seconds, args.rounds)
        show("lutea sqlite", *runs["sqlite"])
        show("floor sqlite", *runs["floor sqlite"])
    server_url, pg_dir = _postgres()
    try:
        runs["pg"], runs["floor pg"] = run_store(_pg_database(server_url, "bench_lutea"),
                                                 _pg_database(server_url, "bench_floor"),
                                                 args.clients, args.seconds, args.rounds)
        show("lutea pg", *runs["pg"])
        show("floor pg", *runs["floor pg"])
    finally:
        subprocess.run(["bash", str(SERVICES), "stop", pg_dir], timeout=120, check=False)
    ratios = {store: runs[store][0].rps / runs[f"floor {store}"][0].rps for store in ("sqlite", "pg")}
    print(f"ratio sqlite {ratios['sqlite']:.2f}  pg {ratios['pg']:.2f}")
    ratio = min(ratios.values())
    errors = sum(r.errors + r.timeouts for r, _ in (runs["sqlite"], runs["pg"]))
    lost = runs["sqlite"][1] + runs["pg"][1]
    p99 = max(runs["sqlite"][0].p(0.99), runs["pg"][0].p(0.99)) * 1000
    floor_rps = min(runs["floor sqlite"][0].rps, runs["floor pg"][0].rps)
    print(f"api clients={args.clients} sqlite_rps={runs['sqlite'][0].rps:.1f} pg_rps={runs['pg'][0].rps:.1f} "
          f"floor_rps={floor_rps:.1f} ratio_to_floor={ratio:.2f} errors={errors} lost={lost} p99_ms={p99:.0f}")


if __name__ == "__main__":
    main()
