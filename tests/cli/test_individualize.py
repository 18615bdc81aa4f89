import json

from typer.testing import CliRunner

from lutea.command import app

runner = CliRunner()
BASE = [
    "individualize",
    "--regimen", "400 mg vaginal q12h from 2026-03-01T08:00",
    "--level", "2026-03-05T09:00=7.1 ng/mL",
    "--weight-kg", "72",
    "--context", "hrt-fet",
    "--target", "ge 10 ng/mL at 2026-03-06T10:00",
]


def test_clinician_json_has_parameters_prediction_and_cited_candidates():
    result = runner.invoke(app, [*BASE, "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["role"] == "clinician" and payload["knowledge_version"]
    assert {"estimate", "ci90"} <= set(payload["parameters"]["cl_l_per_h"])
    assert {"at_target", "ci90", "p_target"} <= set(payload["prediction"])
    assert payload["candidates"]
    rescue = next(c for c in payload["candidates"] if c["id"] == "sc-25mg-daily-rescue")
    assert "labarta2022-ilps" in rescue["sources"]
    assert 0 <= rescue["p_target"] <= 1


def test_two_levels_and_mcmc(tmp_path):
    plot = tmp_path / "fit.png"
    result = runner.invoke(app, [*BASE, "--level", "2026-03-05T20:00=5.2 ng/mL", "--mcmc", "--plot", str(plot), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["levels_used"] == 2 and payload["method"] == "mcmc"
    assert plot.stat().st_size > 10_000


def test_patient_role_gets_no_doses():
    result = runner.invoke(app, [*BASE, "--role", "patient", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert "candidates" not in payload and "clinician" in payload["message"]
    assert "mg" not in json.dumps(payload["prediction"])


def test_human_output_lists_candidates():
    result = runner.invoke(app, BASE)
    assert result.exit_code == 0, result.output
    assert "P(target met)" in result.stdout and "candidate regimens" in result.stdout
    # the limits of the PK evidence are footnotes: Cyclogest pessaries fitted to single doses only
    assert "extrapolation" in result.stdout and "[1] PK model" in result.stdout


def test_bad_input_exits_2_with_one_line_naming_the_field():
    cases = {
        "--level": ("2026-03-05T09:00=7.1 furlongs", "level:"),
        "--target": ("at least 10", "target:"),
        "--regimen": ("400 mg vaginal q12h frm 2026-03-01", "regimen"),
        "--assay": ("elisa-ish", "assay:"),
        "--weight-kg": ("7", "weight_kg:"),
        "--role": ("nurse", "role:"),
    }
    for option, (value, field) in cases.items():
        args = list(BASE)
        if option in args:
            args[args.index(option) + 1] = value
        else:
            args += [option, value]
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (option, result.output)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and field in lines[0], (option, result.stderr)
