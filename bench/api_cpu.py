"""What a request costs the server: CPU time per request of lutea and of the floor, under the same load.

Requests per second (bench/api.py) move with whatever else the machine does; the CPU time the
server process spent per answered request moves much less, so it shows what a change to the
request path saved. In one run: lutea and the floor (bench/floor_app.py) on SQLite, each in its
own uvicorn process on 127.0.0.1, driven in turns by the same clients as bench/api.py (each posts
a serum result and reads it back); after each turn the server's user and system CPU time is read
from /proc (Linux). With `--clients 1` the requests do not contend, which gives the cost of the
request path itself; at 100 the cost under a clinic's load.

Between the server turns, the same requests' record work is timed in this process without HTTP
(`records_ms`: the user's row, the access check, the interpreted and audited write, the audited
read, each in its own transaction through lutea.records, on lutea's database): the part of
lutea_ms that is lutea's own rules and store, the rest being the HTTP path.

Last line: `api_cpu clients= lutea_ms= records_ms= floor_ms= ratio=` (ratio: the floor's CPU per
request over lutea's, which is the most bench/api.py's ratio_to_floor can reach while both servers
are CPU-bound; a ratio of 0.5 needs lutea_ms, records_ms included, at most twice floor_ms).
Run: `.venv/bin/python bench/api_cpu.py [--clients 1] [--seconds 24] [--rounds 3]`.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from lutea.config import Settings
from lutea.records import service
from lutea.records.access import RecordAccess, open_record, transaction
from lutea.records.inputs import MeasurementCreate
from lutea.store import crud, make_engine, make_sessionmaker, models

sys.path.insert(0, str(Path(__file__).resolve().parent))

import api_load  # noqa: E402


def _server_pid(base: str) -> int:
    """The uvicorn process listening at this base URL (the child api_load.server started)."""
    port = base.rsplit(":", 1)[1]
    found = subprocess.run(["pgrep", "-f", f"port {port}"], capture_output=True, text=True, check=True)
    return int(found.stdout.split()[0])


def _cpu_s(pid: int) -> float:
    """User plus system CPU seconds of a process so far (/proc/PID/stat, fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _records_work(database_url: str, patient_id: int, seconds: float) -> tuple[float, int]:
    """CPU seconds and requests of the record work of drive_lutea's loop, in this process (no HTTP):
    each write and each read in its own transaction, as the API runs them."""
    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)
    settings = Settings(database_url=database_url, secret_key=api_load.lutea_env(database_url)["LUTEA_SECRET_KEY"])
    with sessions() as session:
        user_id = crud.get_user_by_email(session, api_load.CLINICIAN).id
    body = MeasurementCreate.model_validate({"specimen": "serum", "unit": "ng/mL", "assay": "lcms", "value": 12.0,
                                             "sampled_at": datetime.now(UTC) - timedelta(hours=1)})

    def access(session: Session) -> RecordAccess:  # what the API's patient_access does after the token
        return open_record(session, session.get(models.User, user_id), patient_id, settings)

    requests, cpu0, end = 0, time.process_time(), time.monotonic() + seconds
    while time.monotonic() < end:
        with transaction(sessions) as session:
            stored = service.add_measurement(access(session), body).measurement.id
        with transaction(sessions) as session:
            service.read(access(session), "measurements", stored)
        requests += 2
    engine.dispose()
    return time.process_time() - cpu0, requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=24.0, help="per server, all rounds together")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    turn_s = args.seconds / args.rounds
    spent = {"lutea": [0.0, 0], "records": [0.0, 0], "floor": [0.0, 0]}
    with tempfile.TemporaryDirectory() as directory:
        lutea_url, floor_url = f"sqlite:///{directory}/lutea.db", f"sqlite:///{directory}/floor.db"
        patient_id = api_load.seed(lutea_url)
        with api_load.server("lutea.server:create_app", api_load.lutea_env(lutea_url), factory=True) as lutea_base, \
                api_load.server("floor_app:app", {"LUTEA_DATABASE_URL": floor_url},
                                app_dir=api_load.ROOT / "bench") as floor_base:
            pids = {"lutea": _server_pid(lutea_base), "floor": _server_pid(floor_base)}
            for _ in range(args.rounds):
                for name, drive in (("lutea", lambda: api_load.drive_lutea(lutea_base, patient_id, args.clients, turn_s)),
                                    ("floor", lambda: api_load.drive_floor(floor_base, args.clients, turn_s))):
                    before = _cpu_s(pids[name])
                    result = drive()
                    spent[name][0] += _cpu_s(pids[name]) - before
                    spent[name][1] += result.requests
                    if result.errors or result.timeouts:
                        raise SystemExit(f"{name}: {result.errors} errors, {result.timeouts} timeouts")
                cpu, requests = _records_work(lutea_url, patient_id, turn_s)
                spent["records"][0] += cpu
                spent["records"][1] += requests
    per_request = {name: cpu / max(requests, 1) * 1000 for name, (cpu, requests) in spent.items()}
    for name, (cpu, requests) in spent.items():
        print(f"{name:6s} {per_request[name]:6.2f} ms CPU per request ({requests} requests, {cpu:.1f} s CPU)")
    print(f"api_cpu clients={args.clients} lutea_ms={per_request['lutea']:.2f} records_ms={per_request['records']:.2f} "
          f"floor_ms={per_request['floor']:.2f} ratio={per_request['floor'] / per_request['lutea']:.2f}")


if __name__ == "__main__":
    main()
