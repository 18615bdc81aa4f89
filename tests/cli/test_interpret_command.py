"""`lutea interpret` and `lutea interpret-series`: JSON shape, human output, exit 2 on bad input."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lutea.command import app

runner = CliRunner()
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "pdg_series.csv"


def run(*args):
    return runner.invoke(app, [*args])


def test_issue_example_json_shape():
    result = run("interpret", "--value", "18", "--unit", "nmol/L", "--specimen", "serum", "--cycle-day", "21",
                 "--cycle-length", "35", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert set(payload) == {"value", "context", "reference_interval", "findings", "knowledge_version", "flag"}
    assert payload["value"]["nmol_l"] == 18.0 and payload["value"]["ng_ml"] == pytest.approx(5.660, abs=1e-3)
    assert payload["context"]["cycle_day"] == 21 and payload["context"]["in_mid_luteal_window"] is False
    assert [f["code"] for f in payload["findings"]][0] == "timing.mistimed"
    for f in payload["findings"]:
        assert set(f) >= {"code", "severity", "message", "patient_message", "sources"}


def test_urgent_first_in_json_and_text():
    args = ["interpret", "--value", "4", "--pregnant", "--gestational-weeks", "6+0", "--symptoms", "bleeding,pain"]
    payload = json.loads(run(*args, "--json").stdout)
    assert payload["findings"][0]["code"] == "triage.urgent"
    text = run(*args).stdout
    assert text.index("triage.urgent") < text.index("pregnancy.nonviable_risk")


def test_ivf_options():
    payload = json.loads(run("interpret", "--value", "8", "--protocol", "hrt-fet", "--route", "vaginal", "--dose-mg", "400",
                             "--interval-h", "12", "--et-date", "2026-11-20", "--sampled", "2026-11-20", "--json").stdout)
    assert "art.et_day_low" in [f["code"] for f in payload["findings"]]
    assert payload["context"]["treatment"] == {"route": "vaginal", "dose_mg": 400.0, "interval_h": 12.0}


def test_product_and_last_dose():
    payload = json.loads(run("interpret", "--value", "12", "--postmenopausal", "--product", "prometrium",
                             "--last-dose", "2026-11-27T22:00+00:00", "--sampled", "2026-11-28T10:00+00:00",
                             "--assay", "immunoassay", "--json").stdout)
    assert payload["context"]["hours_since_last_dose"] == 12.0
    assert "treatment.route_caveat" in [f["code"] for f in payload["findings"]]


@pytest.mark.parametrize("args,field", [
    (["--value", "abc"], "value:"),
    ([], "value: missing"),
    (["--value", "-1"], "value:"),
    (["--value", "nan"], "value:"),
    (["--value", "3", "--unit", "furlongs"], "unit:"),
    (["--value", "3", "--unit", "nmol/L", "--specimen", "urine"], "unit:"),
    (["--value", "3", "--specimen", "blood"], "specimen:"),
    (["--value", "3", "--cycle-day", "x"], "cycle_day:"),
    (["--value", "3", "--cycle-day", "0"], "cycle_day:"),
    (["--value", "3", "--lmp", "2026-02-30", "--sampled", "2026-03-10"], "lmp:"),
    (["--value", "3", "--lmp", "2026-11-01"], "sampled:"),
    (["--value", "3", "--cycle-day", "21", "--lmp", "2026-11-01", "--sampled", "2026-11-05"], "cycle_day:"),
    (["--value", "3", "--symptoms", "levitation"], "symptoms:"),
    (["--value", "3", "--sex", "male", "--pregnant"], "sex:"),
    (["--value", "3", "--sex", "other"], "sex:"),
    (["--value", "3", "--protocol", "ivf"], "protocol:"),
    (["--value", "3", "--route", "nasal"], "route:"),
    (["--value", "3", "--product", "utrogestan"], "route:"),
    (["--value", "3", "--assay", "vibes"], "assay:"),
    (["--value", "3", "--gestational-weeks", "7"], "pregnant:"),
    (["--value", "3", "--sampled", "2026-11-28T25:00"], "sampled:"),
    (["--value", "3", "--pregnant", "--et-date", "2026-11-30", "--embryo-age-days", "5", "--sampled", "2026-11-20"], "et_date:"),
])
def test_bad_input_exits_2_with_one_line(args, field):
    result = run("interpret", *args)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {field}"), result.stderr


def test_series_from_example_csv():
    result = run("interpret-series", str(EXAMPLE), "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["lh_peak_on"] == "2026-11-10"
    assert [f["code"] for f in payload["findings"]] == ["ovulation.confirmed"]
    assert "ovulation.confirmed" in run("interpret-series", str(EXAMPLE)).stdout


def test_series_bad_file_exits_2(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("date,pdg\n2026-11-01,lots\n")
    for path in (bad, tmp_path / "missing.csv"):
        result = run("interpret-series", str(path))
        assert result.exit_code == 2
        assert len(result.stderr.strip().splitlines()) == 1


def test_pregnancy_location_option():
    unknown = json.loads(run("interpret", "--value", "4", "--pregnant", "--gestational-weeks", "6", "--pregnancy-location", "unknown",
                             "--json").stdout)
    codes = [f["code"] for f in unknown["findings"]]
    assert "pregnancy.location_unknown" in codes and "pregnancy.nonviable_risk" in codes
    confirmed = json.loads(run("interpret", "--value", "4", "--pregnant", "--gestational-weeks", "6", "--pregnancy-location",
                               "Intrauterine", "--json").stdout)
    assert "pregnancy.location_unknown" not in [f["code"] for f in confirmed["findings"]]
    bad = run("interpret", "--value", "4", "--pregnancy-location", "unknown")
    assert bad.exit_code == 2 and "pregnancy_location" in bad.stderr



@pytest.mark.parametrize("args", [
    ["--value", "nan", "--unit", "ng/mL"], ["--value", "1e309", "--unit", "ng/mL"], ["--value", "10", "--unit", "ng/mL🙂"],
    ["--value", "10", "--unit", "ng/mL", "--pregnant", "--gestational-weeks", "nan"],
    ["--value", "10", "--unit", "ng/mL", "--last-dose", "0001-01-01T00:30+01:00", "--product", "cyclogest", "--route", "vaginal"],
])
def test_hostile_arguments_exit_2_naming_the_field(args) -> None:
    result = CliRunner().invoke(app, ["interpret", *args])
    assert result.exit_code == 2, result.output
    assert "error:" in result.output


def test_human_output_shows_the_flag_and_what_it_was_read_against():
    from lutea.cutoffs import transfer_day_cutoff

    cutoff = transfer_day_cutoff("hrt-fet", "vaginal")  # Labarta 2021: < 8.8 ng/mL on transfer day
    low = run("interpret", "--value", "6.2", "--protocol", "hrt-fet", "--route", "vaginal")
    assert low.exit_code == 0, low.output
    assert f"flag: L against transfer-day lower cut-off < {cutoff.value:g} {cutoff.unit}" in low.output
    unknown = run("interpret", "--value", "6.2")
    assert "flag: none (no reference interval or cut-off applies)" in unknown.output
