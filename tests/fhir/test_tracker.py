"""Tracker CSV exports -> the urine PdG ovulation-confirmation rule, row errors with line numbers,
and `lutea import tracker` (with storage in a patient's record, idempotent)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from fhir_examples import DATA
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from lutea.command import app
from lutea.errors import InputError
from lutea.fhir.tracker import TrackerError, interpret_tracker, parse_tracker_csv

MIRA = (DATA / "mira_cycle.csv").read_text()
GENERIC = (DATA / "generic_cycle.csv").read_text()


def test_mira_export_confirms_ovulation_after_the_numeric_lh_peak() -> None:
    series = parse_tracker_csv(MIRA, "mira")
    assert series.lh_peak_on == date(2026, 10, 3)  # highest LH (45 mIU/mL)
    assert series.days[0].e3g_ng_ml == 80 and series.days[0].bbt_c == 36.4
    result = interpret_tracker(series)
    # rule pdg-ovulation-3days-5ugml: 3 consecutive days >= 5 ug/mL after the LH surge (thresholds.yaml, ecochard2013)
    assert result.codes == ["ovulation.confirmed"]


def test_generic_export_below_threshold_is_not_confirmed() -> None:
    series = parse_tracker_csv(GENERIC, "generic")
    assert series.lh_peak_on == date(2026, 10, 2)  # the first positive strip
    assert series.days[4].symptoms == ("breast tenderness", "bloating")
    assert interpret_tracker(series).codes == ["ovulation.not_confirmed"]


def test_inito_headers_with_units_are_read() -> None:
    text = "Test Date,LH (mIU/mL),E3G (ng/mL),PdG (µg/mL)\n03/10/2026,30,200,1.0\n04/10/2026,9,150,2.0\n"
    series = parse_tracker_csv(text, "inito")
    assert [d.on for d in series.days] == [date(2026, 10, 3), date(2026, 10, 4)]
    assert series.days[1].pdg_ug_ml == 2.0


def test_row_errors_name_every_line_and_column() -> None:
    text = GENERIC.replace("2026-10-03,negative,2.2", "2026-13-03,negative,2.2").replace("3.9,ug/mL", "lots,ug/mL")
    text = text.replace("36.9,\n2026-10-07", "39.9C,\n2026-10-07").replace("4.6,ug/mL", "4.6,ng/furlong")
    with pytest.raises(TrackerError) as caught:
        parse_tracker_csv(text, "generic", source="cycle.csv")
    problems = caught.value.problems
    assert problems[0].startswith("cycle.csv line 4: date: '2026-13-03' is not a date")
    assert problems[1].startswith("cycle.csv line 6: pdg: 'lots' is not a number")
    assert any(p.startswith("cycle.csv line 8: pdg_unit") for p in problems)
    assert len(problems) == 3  # "39.9C" reads as 39.9 degrees C


def test_duplicate_days_and_unknown_formats_are_refused() -> None:
    with pytest.raises(TrackerError, match="line 3: date: 2026-10-01 also on line 2"):
        parse_tracker_csv("date,pdg\n2026-10-01,1\n2026-10-01,2\n", "generic")
    with pytest.raises(InputError, match="unknown tracker format 'proov'"):
        parse_tracker_csv("date,pdg\n", "proov")
    with pytest.raises(InputError, match="has no PdG readings"):
        interpret_tracker(parse_tracker_csv("date,temperature.value\n2026-10-01,36.5\n", "drip"))


def test_cli_reads_and_stores_a_series_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LUTEA_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    runner = CliRunner()
    bundle = DATA / "lab_report.json"
    made = runner.invoke(app, ["import", "fhir", str(bundle), "--json"])
    assert made.exit_code == 0, made.output
    patient = json.loads(made.output)["patient_id"]
    first = runner.invoke(app, ["import", "tracker", str(DATA / "generic_cycle.csv"), "--format", "generic",
                                "--patient", str(patient), "--json"])
    assert first.exit_code == 0, first.output
    out = json.loads(first.output)
    assert out["stored"] == {"measurements": 8, "symptoms": 3, "unchanged": 0}
    assert out["interpretation"]["findings"][0]["code"] == "ovulation.not_confirmed"
    second = json.loads(runner.invoke(app, ["import", "tracker", str(DATA / "generic_cycle.csv"), "--patient",
                                            str(patient), "--json"]).output)
    assert second["stored"] == {"measurements": 0, "symptoms": 0, "unchanged": 11}
    bad = runner.invoke(app, ["import", "tracker", str(DATA / "generic_cycle.csv"), "--format", "proov"])
    assert bad.exit_code == 2


def test_cli_import_export_round_trip_and_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LUTEA_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    runner = CliRunner()
    assert runner.invoke(app, ["import", "fhir", str(DATA / "pregnancy.json")]).exit_code == 0
    again = runner.invoke(app, ["import", "fhir", str(DATA / "pregnancy.json")])
    assert "created nothing new; 2 unchanged" in again.output
    out = tmp_path / "bundle.json"
    exported = runner.invoke(app, ["export", "fhir", "--patient", "1", "-o", str(out)])
    assert exported.exit_code == 0, exported.output
    assert json.loads(out.read_text())["resourceType"] == "Bundle"
    broken = tmp_path / "broken.json"
    broken.write_text(MIRA)
    failed = runner.invoke(app, ["import", "fhir", str(broken)])
    assert failed.exit_code == 2
    assert runner.invoke(app, ["export", "fhir", "--patient", "99"]).exit_code == 2


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 60, allow_nan=False).map(lambda v: round(v, 2)), st.booleans(),
                          st.floats(35.5, 37.9).map(lambda v: round(v, 2))), min_size=1, max_size=30))
def test_generic_rows_read_back_exactly(rows: list[tuple[float, bool, float]]) -> None:
    start = date(2026, 3, 1)
    lines = ["date,lh,pdg,bbt_c"] + [f"{start + timedelta(days=i)},{'positive' if lh else 'negative'},{pdg},{bbt}"
                                     for i, (pdg, lh, bbt) in enumerate(rows)]
    series = parse_tracker_csv("\n".join(lines) + "\n", "generic")
    assert [(d.pdg_ug_ml, d.lh_positive, d.bbt_c) for d in series.days] == list(rows)
    assert [d.line for d in series.days] == list(range(2, len(rows) + 2))
    first_positive = next((start + timedelta(days=i) for i, (_, lh, _) in enumerate(rows) if lh), None)
    assert series.lh_peak_on == first_positive


@pytest.mark.parametrize(("row", "words"), [
    ("2026-10-02,1.4,ug/mL,cramps\x07", "line 2"),   # a control character in a symptom
    ("2199-10-02,1.4,ug/mL,", "line 2"),           # a reading two centuries ahead
    ("2026-10-02,1.4,ug/mL,\x1b[2Jcramps", "line 2"),  # a terminal escape in a symptom
])
def test_cli_refuses_a_hostile_tracker_row_with_exit_2_and_stores_nothing(tmp_path: Path, monkeypatch, row, words) -> None:
    monkeypatch.setenv("LUTEA_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    runner = CliRunner()
    patient = json.loads(runner.invoke(app, ["import", "fhir", str(DATA / "lab_report.json"), "--json"]).output)["patient_id"]
    csv = tmp_path / "hostile.csv"
    csv.write_text(f"date,pdg,pdg_unit,symptoms\n{row}\n", encoding="utf-8")
    refused = runner.invoke(app, ["import", "tracker", str(csv), "--format", "generic", "--patient", str(patient)])
    assert refused.exit_code == 2, refused.output
    assert words in refused.output
    exported = runner.invoke(app, ["export", "fhir", "--patient", str(patient)])
    assert "2199" not in exported.output and "\\u0007" not in exported.output
