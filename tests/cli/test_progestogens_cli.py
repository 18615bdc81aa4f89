"""`lutea interpret --product duphaston` and `lutea simulate` with a progestogen (issue 17).

The finding's sources: eggersmann2022-dyd-assays (no relevant interference of dydrogesterone or
DHD in progesterone assays); label-dydrogesterone-pk (SmPC 5.2: DHD far above the parent)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from lutea.command import app

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def test_interpret_with_duphaston_gives_the_finding():
    result = run("interpret", "--value", "3.1", "--product", "duphaston", "--protocol", "hrt-fet", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    codes = [f["code"] for f in payload["findings"]]
    assert "treatment.progestogen_not_measured" in codes
    assert not [c for c in codes if c.startswith("art.")]  # no transfer-day reading of her own progesterone
    assert payload["context"]["treatment"]["product"] == "duphaston"


def test_interpret_with_a_progestogen_beside_progesterone():
    result = run("interpret", "--value", "3.1", "--product", "cyclogest", "--route", "vaginal", "--protocol", "hrt-fet",
                 "--with-progestogen", "Duphaston", "--json")
    assert result.exit_code == 0, result.output
    codes = [f["code"] for f in json.loads(result.stdout)["findings"]]
    assert "art.et_day_low" in codes and "treatment.progestogen_not_measured" in codes


def test_a_progesterone_named_as_a_progestogen_is_exit_2_naming_the_field():
    result = run("interpret", "--value", "3.1", "--with-progestogen", "utrogestan")
    assert result.exit_code == 2
    assert "progestogens" in result.output and "duphaston" in result.output


def test_simulate_duphaston_json_has_progesterone_and_progestogens():
    result = run("simulate", "--regimen", "Duphaston 10 mg oral q8h", "--json", "--days", "3",
                 "--start", "2026-03-01T08:00+00:00")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert max(payload["concentration_ng_ml"]) == 0.0  # the serum progesterone a laboratory reports
    series = payload["progestogens"]
    assert set(series) == {"dydrogesterone", "dihydrodydrogesterone"}
    assert len(series["dihydrodydrogesterone"]["concentration_ng_ml"]) == len(payload["times_h"])
    assert series["dihydrodydrogesterone"]["summary"]["cmax"] > series["dydrogesterone"]["summary"]["cmax"]
