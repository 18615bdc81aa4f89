"""Valid request bodies of each record kind, shared by the API tests."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

SECRET = "test-secret-key-that-is-long-enough-for-hs256"
PASSWORD = "correct horse battery"
NOW = datetime.now(UTC).replace(microsecond=0)


def cli_json(*args: str) -> dict:
    """What `lutea ARGS --json` prints, parsed: the answer an API route must match."""
    from typer.testing import CliRunner

    from lutea.command import app

    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def iso(days_ago: float) -> str:
    return (NOW - timedelta(days=days_ago)).isoformat()


EPISODE = {"kind": "ivf-cycle", "protocol": "hrt-fet", "start_date": (NOW - timedelta(days=20)).date().isoformat()}
MEASUREMENT = {"specimen": "serum", "value": 31.8, "unit": "nmol/L", "sampled_at": iso(2), "assay": "immunoassay"}
SYMPTOM = {"symptom": "breast-tenderness", "severity": 2, "noted_at": iso(1)}
TREATMENT = {"product": "Cyclogest", "route": "vaginal", "dose_mg": 400, "schedule": "400 mg vaginal q12h", "start": iso(10)}
DOSE = {"taken_at": iso(1), "dose_mg": 400}
NOTE = {"text": "Luteal support started on day of ET minus 5."}
PATIENT = {"display_name": "Carla Example"}

BY_KIND = {
    "episodes": EPISODE,
    "measurements": MEASUREMENT,
    "symptoms": SYMPTOM,
    "treatments": TREATMENT,
    "doses": DOSE,
    "notes": NOTE,
    "acknowledge": None,  # POST .../red-flags/{id}/acknowledge takes no body
}

UPDATES = {"episodes": {"note": "updated"}, "symptoms": {"severity": 1}, "treatments": {"stop": iso(0.5)}}
