import json

from typer.testing import CliRunner

from lutea.command import app

runner = CliRunner()


def test_evidence_lists_sources_as_json():
    result = runner.invoke(app, ["evidence", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert any(s["id"] == "stricker2006" for s in payload["sources"])
    assert payload["knowledge_version"]


def test_evidence_shows_one_source_and_what_cites_it():
    result = runner.invoke(app, ["evidence", "stricker2006", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert {"section": "reference_intervals", "id": "serum-midluteal-stricker2006"} in payload["cited_by"]


def test_unknown_source_exits_2_with_one_line():
    result = runner.invoke(app, ["evidence", "nope"])
    assert result.exit_code == 2
    assert "unknown source id 'nope'" in result.stderr
