"""The pathway, safety and diary sections of the knowledge base: cross-checked and complete."""

from pathlib import Path

import pytest
import yaml

from lutea.errors import KnowledgeError
from lutea.knowledge import load_knowledge
from lutea.knowledge.loader import load_from

DATA = Path(__file__).resolve().parents[2] / "src/lutea/knowledge/data"


def _copy(tmp_path: Path) -> Path:
    for f in DATA.glob("*.yaml"):
        (tmp_path / f.name).write_text(f.read_text())
    return tmp_path


def test_ten_pathways_and_their_sections_load():
    kb = load_knowledge()
    assert len(kb.entries("pathways")) == 10
    assert kb.entries("contraindications") and kb.entries("interactions") and kb.entries("side_effects")


def test_issue_contraindications_are_all_present():
    ids = {c.id for c in load_knowledge().entries("contraindications")}
    assert {"peanut-allergy", "soya-allergy", "venous-thromboembolism", "hormone-sensitive-cancer",
            "severe-liver-disease", "undiagnosed-vaginal-bleeding", "porphyria",
            "missed-or-incomplete-miscarriage"} <= ids


def test_diary_vocabulary_is_graded_and_leg_cramps_point_to_the_clot_flag():
    kb = load_knowledge()
    symptoms = {s.id: s for s in kb.entries("symptoms")}
    for wanted in ("breast-tenderness", "drowsiness", "dizziness", "headache", "mood-change", "bloating",
                   "spotting", "leg-cramps", "nausea", "constipation", "vaginal-irritation", "injection-site-pain"):
        assert wanted in symptoms
    assert symptoms["leg-cramps"].evidence_grade == "very low"
    assert symptoms["leg-cramps"].red_flags == ["vte-leg"]


def test_no_label_url_is_a_search_page():
    for source in load_knowledge().sources.values():
        assert "search.cfm" not in source.url and "/search?" not in source.url, source.id


def test_regimen_of_an_unknown_product_is_rejected(tmp_path):
    d = _copy(tmp_path)
    doc = yaml.safe_load((d / "pathways.yaml").read_text())
    doc["entries"][0]["regimens"][0]["product"] = "no-such-product"
    (d / "pathways.yaml").write_text(yaml.safe_dump(doc))
    with pytest.raises(KnowledgeError, match="unknown products"):
        load_from(d)


def test_condition_on_an_unasked_question_is_rejected(tmp_path):
    d = _copy(tmp_path)
    doc = yaml.safe_load((d / "pathways.yaml").read_text())
    doc["entries"][0]["criteria"][0]["when"] = {"answer": "horoscope", "op": "is_true"}
    (d / "pathways.yaml").write_text(yaml.safe_dump(doc))
    with pytest.raises(KnowledgeError, match="unknown answers"):
        load_from(d)


def test_note_naming_an_unknown_red_flag_is_rejected(tmp_path):
    d = _copy(tmp_path)
    doc = yaml.safe_load((d / "pathways.yaml").read_text())
    doc["entries"][0]["notes"][0]["red_flags"] = ["no-such-flag"]
    (d / "pathways.yaml").write_text(yaml.safe_dump(doc))
    with pytest.raises(KnowledgeError, match="unknown red flags"):
        load_from(d)


def test_question_alias_clashing_with_a_question_is_rejected(tmp_path):
    d = _copy(tmp_path)
    doc = yaml.safe_load((d / "pathways.yaml").read_text())
    questions = doc["entries"][0]["questions"]
    questions[0]["aliases"] = [questions[1]["id"]]
    (d / "pathways.yaml").write_text(yaml.safe_dump(doc))
    with pytest.raises(KnowledgeError, match="aliases clash"):
        load_from(d)


def test_thirty_nmol_ovulation_cut_off_cites_laboratory_practice_not_cg156():
    # CG156 gives the timing of the mid-luteal test; the 30 nmol/L figure is NHS laboratory practice.
    kb = load_knowledge()
    confirmed = kb.get("thresholds", "ovulation-confirmed-30nmol")
    assert "nice-cg156" not in confirmed.sources
    assert {kb.sources[s].kind for s in confirmed.sources} == {"lab reference"}
    assert "nice-cg156" in kb.get("cycle_timing", "mid-luteal-target").sources


def test_programmed_fet_plan_gives_crinone_twice_daily_and_fresh_once_daily():
    from lutea.pathways import plan

    def crinone(protocol):
        return [(r.dose_mg, r.interval_h) for r in plan("ivf-luteal-support", {"protocol": protocol}).regimens
                if r.product == "crinone-8"]
    assert crinone("hrt-fet") == [(90, 12)]
    assert crinone("fresh") == [(90, 24)]


def test_threatened_miscarriage_text_says_what_prism_and_ng126_say():
    tm = load_knowledge().get("pathways", "threatened-miscarriage")
    assert "75% vs 72%" in tm.summary and "three or more" in tm.summary  # no overall gain; greatest with 3+
    assert "NG126's recommendation" in tm.summary and "no trial compared durations" in tm.summary
    previous = next(c for c in tm.criteria if c.id == "previous-miscarriage")
    assert "prism-hta2020" in previous.sources and "72% vs 57%" in previous.met


def test_labarta_2017_is_described_with_the_211_recipients_analysed():
    kb = load_knowledge()
    assert "211 analysed" in kb.sources["labarta2017"].note
    assert "211" in kb.get("thresholds", "et-low-hrt-vaginal-labarta2017").default_reason
    assert kb.sources["label-utrogestan-uk"].title.startswith("Utrogestan 100 mg capsules")


def test_risk_comparison_of_an_unknown_substance_is_rejected(tmp_path):
    d = _copy(tmp_path)
    doc = yaml.safe_load((d / "pathways.yaml").read_text())
    doc["entries"][0]["risk_comparison"] = ["estradiol"]
    (d / "pathways.yaml").write_text(yaml.safe_dump(doc))
    with pytest.raises(KnowledgeError, match="without a risk profile"):
        load_from(d)
