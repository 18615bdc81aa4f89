"""One transfer-day cut-off per protocol and route: the interpretation, the plan and
`transfer_day_cutoff` agree, follow the knowledge base when it changes, and no knowledge-base
text states a transfer-day cut-off that no threshold entry (with its source) holds."""

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from lutea.context import make_context, resolve_treatment
from lutea.cutoffs import transfer_day_cutoff
from lutea.interpret import interpret
from lutea.knowledge import KnowledgeBase, load_knowledge
from lutea.knowledge.loader import load_from
from lutea.measurement import Measurement
from lutea.pathways import plan
from lutea.units import Specimen, to_canonical

DATA = Path(__file__).resolve().parents[1] / "src/lutea/knowledge/data"

# (protocol, route): the settings the issue names; natural-cycle FET takes no route.
SETTINGS = [("hrt-fet", "vaginal"), ("hrt-fet", "sc"), ("natural-fet", None)]


def _ng_ml(threshold) -> float:
    return to_canonical(threshold.value, threshold.unit, Specimen.SERUM)


def _interpreted_low(value: float, protocol: str, route: str | None, kb: KnowledgeBase) -> str | None:
    """The threshold id of art.et_day_low for this level, or None when it does not fire."""
    treatment = resolve_treatment(route=route) if route else None
    result = interpret(Measurement(value, "ng/mL", "serum"), make_context(protocol=protocol, treatment=treatment), kb)
    low = [f for f in result.findings if f.code == "art.et_day_low"]
    return low[0].detail["thresholds"][0] if low else None


def _planned_rescue(value: float, protocol: str, route: str | None, kb: KnowledgeBase) -> dict[str, Any] | None:
    """The rescue note of the IVF plan for this level (None when the plan does not rescue)."""
    answers = {"protocol": protocol, "serum_progesterone_ng_ml": value, **({"route": route} if route else {})}
    result = plan("ivf-luteal-support", answers, kb=kb)
    note = [f for f in result.findings if f.code == "plan.note.rescue"]
    return {"threshold": note[0].detail["threshold"], "message": note[0].message,
            "regimens": [r.id for r in result.regimens]} if note else None


@pytest.mark.parametrize(("protocol", "route"), SETTINGS)
def test_plan_interpretation_and_transfer_day_cutoff_give_one_value(protocol, route):
    kb = load_knowledge()
    cutoff = transfer_day_cutoff(protocol, route, kb)
    assert cutoff is not None
    limit = _ng_ml(cutoff)
    below, above = limit - 0.05, limit + 0.05
    assert _interpreted_low(below, protocol, route, kb) == cutoff.id
    assert _interpreted_low(above, protocol, route, kb) is None
    rescue = _planned_rescue(below, protocol, route, kb)
    assert rescue is not None and rescue["threshold"] == cutoff.id
    assert f"{cutoff.value:g} {cutoff.unit}" in rescue["message"]
    assert _planned_rescue(above, protocol, route, kb) is None


def test_the_defaults_are_the_published_ones():
    kb = load_knowledge()
    assert transfer_day_cutoff("hrt-fet", "vaginal", kb).id == "et-low-hrt-vaginal-labarta2021"
    assert transfer_day_cutoff("natural-fet", None, kb).id == "et-low-natural-10ngml"
    assert transfer_day_cutoff("hrt-fet", None, kb) is None  # the route decides, as in the interpretation


def test_programmed_fet_rescue_regimen_uses_the_interpretation_cut_off():
    kb = load_knowledge()
    cutoff = _ng_ml(transfer_day_cutoff("hrt-fet", "vaginal", kb))
    assert "ivf-rescue-hrt-fet-sc" in _planned_rescue(cutoff - 0.05, "hrt-fet", "vaginal", kb)["regimens"]
    regimen = next(r for r in plan("ivf-luteal-support", {"protocol": "hrt-fet", "route": "vaginal",
                                                          "serum_progesterone_ng_ml": cutoff - 0.05}).regimens
                   if r.id == "ivf-rescue-hrt-fet-sc")
    assert "8.8 ng/mL" in regimen.start and "9.2" not in regimen.start


def _moved(tmp_path: Path, new_values: dict[str, float]) -> KnowledgeBase:
    """A copy of the knowledge base with some thresholds moved."""
    for f in DATA.iterdir():
        if f.is_file():
            (tmp_path / f.name).write_bytes(f.read_bytes())
    doc = yaml.safe_load((tmp_path / "thresholds.yaml").read_text())
    for entry in doc["entries"]:
        if entry["id"] in new_values:
            entry["value"] = new_values[entry["id"]]
    (tmp_path / "thresholds.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    return load_from(tmp_path)


def test_moving_a_threshold_moves_every_reader(tmp_path):
    # No rule, plan or text may hold its own copy of the number: move the defaults and all follow.
    kb = _moved(tmp_path, {"et-low-hrt-vaginal-labarta2021": 7.9, "et-low-natural-10ngml": 11.5})
    for protocol, route, limit in (("hrt-fet", "vaginal", 7.9), ("natural-fet", None, 11.5)):
        assert _ng_ml(transfer_day_cutoff(protocol, route, kb)) == limit
        assert _interpreted_low(limit - 0.05, protocol, route, kb) is not None
        assert _interpreted_low(limit + 0.05, protocol, route, kb) is None
        rescue = _planned_rescue(limit - 0.05, protocol, route, kb)
        assert rescue is not None and f"{limit:g} ng/mL" in rescue["message"]
        assert _planned_rescue(limit + 0.05, protocol, route, kb) is None


# --- what the texts of the knowledge base say ---------------------------------------------

_LEVEL = re.compile(r"(\d+(?:\.\d+)?)(?:\s*(?:-|–|to)\s*(\d+(?:\.\d+)?))?\s*ng/ml", re.IGNORECASE)
_COMPARISON = re.compile(r"(<|>|≤|≥|below|above|under|over|less than|more than|cut-?offs?|threshold|trigger|"
                         r"rescue when|when serum p(?:4)? (?:is|was)?)\W*(?:of\s+|about\s+|at\s+)?$", re.IGNORECASE)
_TRANSFER = re.compile(r"transfer|rescue|\bFET\b|\bET\b|embryo|luteal phase support", re.IGNORECASE)


def cut_off_statements(text: str) -> list[tuple[list[float], str]]:
    """The transfer-day cut-offs a text states: numbers in ng/mL right after a comparison
    (`< 9.2 ng/mL`, `below about 9-10 ng/mL`) in a text about embryo transfer or rescue."""
    if not _TRANSFER.search(text):
        return []
    found = []
    for match in _LEVEL.finditer(text):
        if _COMPARISON.search(text[max(0, match.start() - 40):match.start()]):
            numbers = [float(g) for g in match.groups() if g is not None]
            found.append((numbers, text[max(0, match.start() - 60):match.end()]))
    return found


def _texts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, BaseModel):
        return _texts(value.model_dump())
    if isinstance(value, dict):
        return [t for v in value.values() for t in _texts(v)]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in _texts(v)]
    return []


def _cited(entry: BaseModel, section: str) -> set[str]:
    if section == "sources":
        return {entry.id}  # type: ignore[attr-defined]
    return {s for s in _texts(entry.model_dump()) if s in load_knowledge().sources}


def test_the_scanner_catches_what_it_should():
    assert cut_off_statements("values below about 9-10 ng/mL on transfer day") == [
        ([9.0, 10.0], "values below about 9-10 ng/mL")]
    assert cut_off_statements("rescue when serum P < 9.2 ng/mL")[0][0] == [9.2]
    assert cut_off_statements("serum P 11.72 +/- 4.99 ng/mL at 08:00 on transfer day") == []
    assert cut_off_statements("mid-luteal serum P below 10 ng/mL") == []  # not about a transfer


def test_pathway_texts_state_no_transfer_day_cut_off_themselves():
    # A plan states its cut-off through {cutoff} / {alternatives}, rendered from thresholds.yaml.
    for pathway in load_knowledge().entries("pathways"):
        for text in _texts(pathway):
            assert not cut_off_statements(text), (pathway.id, cut_off_statements(text))


def test_every_stated_transfer_day_cut_off_is_a_threshold_of_the_same_source():
    kb = load_knowledge()
    thresholds = [t for t in kb.entries("thresholds") if t.kind in ("et_day_low", "et_day_high")]
    problems = []
    for section in kb.sections:
        for entry in kb.entries(section):
            cited = _cited(entry, section)
            for text in _texts(entry):
                for numbers, where in cut_off_statements(text):
                    for number in numbers:
                        holders = [t for t in thresholds if t.value == number and set(t.sources) & cited]
                        if not holders:
                            problems.append((section, entry.id, number, where))
    assert not problems, problems


def test_rendered_plans_leave_no_placeholder():
    for answers in ({"protocol": "hrt-fet", "route": "vaginal", "serum_progesterone_ng_ml": 5},
                    {"protocol": "hrt-fet", "route": "vaginal", "serum_progesterone_ng_ml": 9.5},
                    {"protocol": "natural-fet", "serum_progesterone_ng_ml": 8},
                    {"protocol": "natural-fet", "serum_progesterone_ng_ml": 30}):
        for role in ("clinician", "patient"):
            text = str(plan("ivf-luteal-support", answers, role=role).to_json())
            assert "{cutoff}" not in text and "{alternatives}" not in text
