"""Red-flag triage: every flag fires in its situation and only there; names and aliases."""

from pathlib import Path

import pytest
import yaml

from lutea.errors import InputError
from lutea.findings import Severity
from lutea.knowledge import load_knowledge
from lutea.knowledge.loader import load_from
from lutea.triage import normalise_symptoms, triage

ISSUE_FLAGS = {  # issue 2: the red flags and the situations they belong to
    ("heavy-bleeding",): "pregnancy-heavy-bleeding",
    ("severe-pain",): "pregnancy-severe-or-one-sided-pain",
    ("one-sided-pain",): "pregnancy-severe-or-one-sided-pain",
    ("shoulder-tip-pain",): "pregnancy-shoulder-tip-pain",
    ("fainting",): "pregnancy-fainting",
    ("bleeding", "pain"): "pregnancy-bleeding-with-pain",
}


@pytest.mark.parametrize("symptoms,flag", ISSUE_FLAGS.items())
def test_pregnancy_red_flags(symptoms, flag):
    found = triage(symptoms, pregnant=True, on_hormone_treatment=False)
    assert flag in {f.detail["red_flag"] for f in found}
    assert all(f.code == "triage.urgent" and f.severity is Severity.URGENT for f in found)
    assert all(f.detail["action"] and f.sources for f in found)
    assert triage(symptoms, pregnant=False, on_hormone_treatment=False) == []


@pytest.mark.parametrize("symptom,flag", [("swollen-leg", "vte-leg"), ("chest-pain", "vte-chest"), ("breathlessness", "vte-chest")])
def test_vte_flags_in_pregnancy_or_on_treatment(symptom, flag):
    for pregnant, treated in ((True, False), (False, True)):
        assert [f.detail["red_flag"] for f in triage([symptom], pregnant=pregnant, on_hormone_treatment=treated)] == [flag]
    assert triage([symptom], pregnant=False, on_hormone_treatment=False) == []


@pytest.mark.parametrize("other", ["bleeding", "spotting", "pain", "one-sided pain", "heavy bleeding"])
def test_dizziness_with_pain_or_bleeding_in_pregnancy_is_a_red_flag(other):
    # NICE NG126 lists dizziness, fainting or syncope among the symptoms of ectopic pregnancy.
    found = {f.detail["red_flag"] for f in triage(["dizzy", other], pregnant=True, on_hormone_treatment=False)}
    assert "pregnancy-dizziness-with-pain-or-bleeding" in found
    assert triage(["dizzy", other], pregnant=False, on_hormone_treatment=True) == []


def test_dizziness_alone_is_a_diary_symptom_not_a_red_flag():
    # a labelled side effect of progesterone (Prometrium label); alone it does not call for 999
    assert triage(["light-headed"], pregnant=True, on_hormone_treatment=True) == []
    assert normalise_symptoms(["Light headed", "vertigo"]) == ("dizziness",)


def test_bleeding_alone_is_not_a_red_flag():
    # NICE NG126: bleeding without pain before 6 weeks can be managed expectantly.
    assert triage(["bleeding"], pregnant=True, on_hormone_treatment=False) == []


@pytest.mark.parametrize("spelling,name", [("Shortness of breath", "breathlessness"), ("shoulder_tip_pain", "shoulder-tip-pain"),
                                           ("PAINFUL SWOLLEN LEG", "swollen-leg"), ("abdominal pain", "pain")])
def test_aliases(spelling, name):
    assert normalise_symptoms([spelling]) == (name,)


def test_unknown_symptom_lists_accepted_names():
    with pytest.raises(InputError) as info:
        triage(["levitation"], pregnant=True, on_hormone_treatment=False)
    assert info.value.field == "symptoms" and "shoulder-tip-pain" in info.value.accepted


def test_every_red_flag_has_patient_action_and_sources():
    for flag in load_knowledge().entries("red_flags"):
        assert flag.action and flag.patient_message and flag.clinician_message and flag.sources


def test_diary_symptoms_from_symptoms_yaml_are_accepted(tmp_path: Path):
    src = Path(__file__).resolve().parents[1] / "src/lutea/knowledge/data"
    for f in src.glob("*.yaml"):
        (tmp_path / f.name).write_text(f.read_text())
    doc = yaml.safe_load((tmp_path / "symptoms.yaml").read_text()) if (tmp_path / "symptoms.yaml").exists() else {"entries": []}
    doc["entries"] = list(doc.get("entries") or []) + [{
        "id": "test-nausea", "label": "nausea", "aliases": ["feeling-sick-test"], "evidence_grade": "low",
        "assessment": "test entry", "patient_message": "test", "sources": ["stricker2006"]}]
    (tmp_path / "symptoms.yaml").write_text(yaml.safe_dump(doc))
    kb = load_from(tmp_path)
    assert normalise_symptoms(["Feeling sick test", "pain"], kb) == ("test-nausea", "pain")
    assert [f.detail["red_flag"] for f in triage(["feeling sick test"], pregnant=True, on_hormone_treatment=False, kb=kb)] == []


NEW_FLAGS = [  # issue 14: (symptom, flag, the situation it belongs to)
    ("abdominal distension", "severe-ohss", {"situations": ("assisted_reproduction",)}),
    ("passing little urine", "severe-ohss", {"situations": ("assisted_reproduction",)}),
    ("vomiting", "severe-ohss", {"situations": ("assisted_reproduction",)}),
    ("breathlessness", "severe-ohss", {"situations": ("assisted_reproduction",)}),
    ("waters broken", "preterm-labour-signs", {"situations": ("preterm_birth_risk",)}),
    ("regular contractions", "preterm-labour-signs", {"situations": ("preterm_birth_risk",)}),
    ("bleeding", "preterm-labour-signs", {"situations": ("preterm_birth_risk",)}),
    ("sudden severe headache", "hormone-headache-vision", {"on_hormone_treatment": True}),
    ("loss of vision", "hormone-headache-vision", {"on_hormone_treatment": True}),
]


@pytest.mark.parametrize("symptom,flag,situation", NEW_FLAGS)
def test_new_red_flags_fire_in_their_situation_only(symptom, flag, situation):
    inside = {"pregnant": True, "on_hormone_treatment": False, **situation}
    fired = {f.detail["red_flag"] for f in triage([symptom], **inside)}
    assert flag in fired
    # the same symptom in a pregnancy without IVF or preterm risk, off hormones: not this flag
    outside = {f.detail["red_flag"] for f in triage([symptom], pregnant=True, on_hormone_treatment=False)}
    assert flag not in outside


def test_new_red_flags_come_from_the_pathways_and_the_interpretation():
    from lutea.context import make_context
    from lutea.interpret import interpret
    from lutea.measurement import Measurement
    from lutea.pathways import plan

    def flags(result):
        return {f.detail["red_flag"] for f in result.findings if f.code == "triage.urgent"}

    assert "severe-ohss" in flags(plan("ivf-luteal-support", {"protocol": "fresh", "symptoms": ["abdominal-swelling"]}))
    assert "severe-ohss" not in flags(plan("threatened-miscarriage", {
        "gestational_weeks": 8, "symptoms": ["abdominal-swelling"], "previous_miscarriages": 1,
        "intrauterine_confirmed": True}))
    ptb = {"gestational_weeks": 20, "cervical_length_mm": 20, "previous_preterm_birth": False}
    assert "preterm-labour-signs" in flags(plan("preterm-birth-short-cervix", {**ptb, "symptoms": ["waters-breaking"]}))
    assert "hormone-headache-vision" in flags(plan("menopause-endometrial-protection", {
        "uterus_present": True, "hrt_regimen": "continuous", "oestrogen_dose": "standard", "symptoms": ["vision-loss"]}))
    ivf = interpret(Measurement(9, "ng/mL", "serum"), make_context(protocol="hrt-fet", symptoms=["vomiting"]))
    assert "severe-ohss" in flags(ivf)
    natural = interpret(Measurement(9, "ng/mL", "serum"), make_context(pregnant=True, symptoms=["vomiting"]))
    assert "severe-ohss" not in flags(natural)
