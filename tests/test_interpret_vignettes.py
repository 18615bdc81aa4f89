"""Clinical vignettes (tests/vignettes/interpret/*.yaml), each with its source, run through the core.

A vignette has `measurement` + `context` (one result) or `series` (urine PdG CSV), the finding
codes it must produce (`expect`), optionally codes it must not produce (`absent`), the code that
must come first (`first`), finding details, alternative thresholds crossed or not, and derived
context values.
"""

from datetime import date, datetime
from pathlib import Path

import pytest
import yaml

from lutea.context import make_context, resolve_treatment
from lutea.interpret import interpret
from lutea.measurement import Measurement
from lutea.series import interpret_series, parse_pdg_csv

VIGNETTES = sorted((Path(__file__).parent / "vignettes" / "interpret").glob("*.yaml"))


def _dates(fields: dict) -> dict:
    out = {}
    for key, value in fields.items():
        if key in ("lmp", "et_date", "lh_peak_on", "scan_on", "sampled_at") and isinstance(value, str):
            value = date.fromisoformat(value)
        out[key] = value
    return out


def _moment(text: str) -> date | datetime:
    """A sampling date, or a time with its offset (for results read against the last dose)."""
    return datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text)


def _run(v: dict):
    if "series" in v:
        return interpret_series(parse_pdg_csv(v["series"]["csv"]))
    m = v["measurement"]
    sampled = _moment(m["sampled"]) if m.get("sampled") else None
    measurement = Measurement(m["value"], m["unit"], m["specimen"], m.get("assay"), sampled)
    ctx = dict(v.get("context") or {})
    if "treatment" in ctx:
        ctx["treatment"] = resolve_treatment(**ctx["treatment"])
    if "symptoms" in ctx:
        ctx["symptoms"] = tuple(ctx["symptoms"])
    return interpret(measurement, make_context(**_dates(ctx)))


def test_there_are_at_least_30_vignettes():
    assert len(VIGNETTES) >= 30


@pytest.mark.parametrize("path", VIGNETTES, ids=[p.stem for p in VIGNETTES])
def test_vignette(path: Path):
    v = yaml.safe_load(path.read_text())
    assert v.get("source"), "every vignette cites its source"
    result = _run(v)
    codes = result.codes
    for code in v.get("expect", []):
        assert code in codes, f"{code} missing from {codes}"
    for code in v.get("absent", []):
        assert code not in codes, f"{code} should not be in {codes}"
    if "first" in v:
        assert codes[0] == v["first"], codes
    by_code = {f.code: f for f in result.findings}
    for code, expected in (v.get("detail") or {}).items():
        for key, value in expected.items():
            assert by_code[code].detail[key] == value, (code, key, by_code[code].detail)
    for code, crossed in (v.get("alternatives") or {}).items():
        alternatives = {a["id"]: a["crossed"] for a in by_code[code].detail["alternatives"]}
        for ident, flag in crossed.items():
            assert alternatives[ident] is flag, (ident, alternatives)
    if "interval" in v:
        assert result.reference_interval["id"] == v["interval"]
    for key, value in (v.get("context_expect") or {}).items():
        assert result.context[key] == value, (key, result.context)


ISSUE_CODES = {  # issue 2, item 5: the codes the interpretation must be able to give
    "reference.below", "reference.within", "reference.above", "ovulation.confirmed", "ovulation.equivocal",
    "ovulation.not_confirmed", "timing.mistimed", "pregnancy.nonviable_risk", "art.et_day_low", "art.et_day_adequate",
    "art.et_day_high", "treatment.route_caveat", "specimen.low_validity", "triage.urgent",
}


def test_vignettes_cover_every_issue_code():
    covered = set()
    for path in VIGNETTES:
        covered |= set(yaml.safe_load(path.read_text()).get("expect", []))
    assert ISSUE_CODES <= covered, ISSUE_CODES - covered
