"""`lutea interpret` expresses issue 14 item 5: 0.5 ng/mL two days after transfer on Cyclogest 400 mg twice daily."""

import json

from typer.testing import CliRunner

from lutea.command import app

runner = CliRunner()
CYCLOGEST = ["interpret", "--value", "0.5", "--protocol", "hrt-fet", "--et-date", "2026-11-20", "--product", "cyclogest",
             "--route", "vaginal", "--dose-mg", "400", "--interval-h", "12"]


def findings(*args):
    result = runner.invoke(app, [*CYCLOGEST, *args, "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    return payload, {f["code"]: f for f in payload["findings"]}


def test_last_dose_ten_hours_before():
    payload, by_code = findings("--sampled", "2026-11-22T08:00+00:00", "--last-dose", "2026-11-21T22:00+00:00")
    f = by_code["treatment.level_unexpectedly_low"]
    assert f["severity"] == "advise" and f["detail"]["hours_since_dose"] == 10.0 and f["detail"]["model"] == "vaginal-pessary"
    assert payload["context"]["hours_since_last_dose"] == 10.0


def test_last_dose_unknown_and_treatment_start():
    payload, by_code = findings("--sampled", "2026-11-22", "--treatment-start", "2026-11-15")
    assert by_code["treatment.level_unexpectedly_low"]["detail"]["timing"] == "interval_trough"
    assert payload["context"]["treatment"]["started_at"] == "2026-11-15"
    assert payload["context"]["doses_since_start"] == 13


def test_typical_level_does_not_fire_and_a_late_start_exits_2():
    # VUB 2024: 9.3-13.6 ng/mL through the transfer day on vaginal 400 mg twice daily.
    args = [*CYCLOGEST[:2], "12", *CYCLOGEST[3:], "--sampled", "2026-11-22", "--json"]
    assert "treatment.level_unexpectedly_low" not in runner.invoke(app, args).stdout
    late = runner.invoke(app, [*CYCLOGEST, "--sampled", "2026-11-22", "--treatment-start", "2026-11-23"])
    assert late.exit_code == 2 and "treatment_start" in late.output
