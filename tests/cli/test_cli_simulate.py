"""`lutea simulate` and `lutea calibrate` as a user runs them."""

import json

from typer.testing import CliRunner

from lutea.command import app
from lutea.knowledge import load_knowledge
from lutea.pk import calibration
from lutea.pk.models import route_model

runner = CliRunner()
FET = "400 mg vaginal q12h x 14d from 2026-03-01T08:00+00:00"


def test_simulate_json_with_population():
    args = ["simulate", "--regimen", FET, "--days", "14", "--context", "hrt-fet", "--population", "300", "--seed", "1", "--threshold", "10", "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    d = json.loads(result.stdout)
    assert list(d) == ["times_h", "concentration_ng_ml", "p5", "p95", "summary", "assay", "caveats", "progestogens",
                       "knowledge_version"]
    assert d["caveats"] == []  # micronised capsules at 400 mg: fitted to repeated doses of this size
    assert len(d["times_h"]) == len(d["concentration_ng_ml"]) == len(d["p5"]) == 14 * 48 + 1
    assert 0 <= d["summary"]["fraction_below_threshold"] <= 1
    assert d["assay"] == "lcms"


def test_simulate_json_without_population_has_no_band():
    result = runner.invoke(app, ["simulate", "--regimen", "200 mg oral at bedtime", "--days", "3", "--postmenopausal", "--assay", "immunoassay", "--json"])
    assert result.exit_code == 0, result.output
    d = json.loads(result.stdout)
    assert "p5" not in d and d["assay"] == "immunoassay"
    assert d["summary"]["fraction_below_threshold"] is None


def test_simulate_plots_png_and_svg(tmp_path):
    for name in ("out.png", "out.svg"):
        path = tmp_path / name
        args = ["simulate", "--regimen", FET, "--days", "4", "--context", "hrt-fet", "--population", "100", "--threshold", "10", "--plot", str(path)]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        data = path.read_bytes()
        assert data.startswith(b"\x89PNG") if name.endswith(".png") else b"<svg" in data[:2000]


def test_simulate_text_output_states_the_assay():
    result = runner.invoke(app, ["simulate", "--regimen", FET, "--days", "2", "--context", "natural-cycle", "--cycle-length", "30"])
    assert result.exit_code == 0, result.output
    assert "LC-MS/MS" in result.stdout


def test_simulate_bad_input_exits_2_with_one_line():
    for args in (
        ["simulate", "--regimen", "400 mg vaginal q12h bogus", "--days", "3"],
        ["simulate", "--regimen", FET, "--context", "luteal"],
        ["simulate", "--regimen", FET, "--plot", "out.pdf"],
        ["simulate", "--regimen", FET, "--start", "2026-03-01 at 8am"],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")


def test_calibrate_writes_fitted_values_and_report(tmp_path, monkeypatch):
    arm = next(a for a in load_knowledge().entries("pk_arms") if a.id == "vashisht2005-cream-40mg")
    monkeypatch.setattr(calibration, "calibrate", lambda: [calibration.fit_model(route_model("transdermal", "cream"), [arm])])
    from lutea.cli import calibrate as cli_calibrate

    models = tmp_path / "pk_models.yaml"
    source = cli_calibrate._models_file().read_text(encoding="utf-8")
    models.write_text(source.replace("provisional: false", "provisional: true"), encoding="utf-8")
    monkeypatch.setattr(cli_calibrate, "_models_file", lambda: models)
    monkeypatch.setattr(cli_calibrate, "_reload", lambda: None)
    report = tmp_path / "validation.md"
    result = runner.invoke(app, ["calibrate", "--write", "--report", str(report), "--json"])
    assert result.exit_code == 0, result.output
    d = json.loads(result.stdout)
    assert d["written"] is True and d["fits"][0]["model"] == "transdermal-cream"
    assert "fitted_from: [vashisht2005-cream-40mg]" in models.read_text(encoding="utf-8")
    assert report.read_text(encoding="utf-8").startswith("# PK validation")


def test_simulate_states_the_limits_of_the_evidence():
    # Cyclogest pessaries: fitted to single doses only (Norman 1991, Archer 1995); 800 mg at once
    # is beyond the 100-400 mg the capsule model was fitted to.
    pessary = runner.invoke(app, ["simulate", "--regimen", "Cyclogest 400 mg vaginal q12h x 6d", "--days", "6", "--json"])
    assert pessary.exit_code == 0, pessary.output
    assert any("extrapolation" in c for c in json.loads(pessary.stdout)["caveats"])
    double = runner.invoke(app, ["simulate", "--regimen", "800 mg vaginal capsule q12h x 6d", "--days", "6", "--off-label"])
    assert double.exit_code == 0, double.output
    assert "caveat: PK model vaginal-capsule: 800 mg at once" in " ".join(double.stdout.split())


def test_simulate_refuses_a_dose_above_the_label_with_exit_2():
    refused = runner.invoke(app, ["simulate", "--regimen", "99999 mg vaginal q12h", "--days", "2"])
    assert refused.exit_code == 2 and "labelled maximum" in refused.output
    assert runner.invoke(app, ["simulate", "--regimen", "99999 mg vaginal q12h", "--days", "2", "--off-label"]).exit_code == 0


def test_simulate_json_adds_exposure_statistics_of_individual_values():
    # the label-comparable figures: mean, median, geometric mean, CV and 5th-95th of each subject's Cmax etc.
    args = ["simulate", "--regimen", FET, "--days", "6", "--context", "hrt-fet", "--population", "200", "--seed", "2",
            "--window-h", "96", "108", "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    d = json.loads(result.stdout)
    e = d["exposure"]
    assert list(d)[:9] == ["times_h", "concentration_ng_ml", "p5", "p95", "summary", "assay", "caveats", "progestogens",
                           "knowledge_version"]
    assert e["window_h"] == [96.0, 108.0] and e["subjects"] == 200 and e["baseline"] == "total"
    for metric in ("cmax", "tmax", "auc", "cavg", "ctrough"):
        s = e[metric]
        assert set(s) == {"mean", "median", "geomean", "cv", "p5", "p95"}
        assert s["p5"] <= s["median"] <= s["p95"] and s["geomean"] <= s["mean"]
    assert e["auc"]["mean"] == __import__("pytest").approx(e["cavg"]["mean"] * 12, rel=1e-3)
    text = runner.invoke(app, args[:-1])
    assert text.exit_code == 0 and "geometric mean" in text.stdout


def test_simulate_hostile_windows_exit_2_naming_the_field():
    for window in (["120", "96"], ["-1", "5"], ["nan", "5"], ["0", "inf"], ["0", "1000"]):
        result = runner.invoke(app, ["simulate", "--regimen", FET, "--days", "6", "--window-h", *window])
        assert result.exit_code == 2, (window, result.output)
        assert result.stderr.startswith("error: window_h:") and "Traceback" not in result.output
    bad = runner.invoke(app, ["simulate", "--regimen", FET, "--days", "6", "--window-h", "0", "24", "--exposure-baseline", "x"])
    assert bad.exit_code == 2 and "exposure_baseline" in bad.stderr
