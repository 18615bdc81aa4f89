"""Red-flag triage: symptoms that need care now, before any number is read.

One function for every shell: the interpretation, the pathways, the API and the CLI call
`triage`. Symptom names come from triage_symptoms.yaml (with aliases) and, when present, the
diary vocabulary in symptoms.yaml; an unknown name is an InputError listing the accepted ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache

from lutea.errors import InputError
from lutea.findings import Finding, Severity
from lutea.knowledge import KnowledgeBase, load_knowledge


def _key(name: str) -> str:
    return "-".join(str(name).strip().lower().replace("_", " ").replace("-", " ").split())


def symptom_vocabulary(kb: KnowledgeBase | None = None) -> dict[str, str]:
    """Every accepted spelling (normalised) mapped to its canonical symptom name."""
    return _vocabulary(kb or load_knowledge())


@lru_cache(maxsize=8)  # one knowledge base object per version in a process: built once
def _vocabulary(kb: KnowledgeBase) -> dict[str, str]:
    vocabulary: dict[str, str] = {}
    for entry in kb.entries("symptoms"):  # diary vocabulary; red flags win on clashes
        for spelling in (entry.id, *entry.aliases):
            vocabulary[_key(spelling)] = entry.id
    for entry in kb.entries("triage_symptoms"):
        for spelling in (entry.id, *entry.aliases):
            vocabulary[_key(spelling)] = entry.id
    return vocabulary


def canonical_symptom(name: str, kb: KnowledgeBase | None = None) -> str | None:
    """The canonical name of a symptom spelling, or None when the knowledge base does not know it."""
    return symptom_vocabulary(kb).get(_key(name))


def normalise_symptoms(symptoms: Iterable[str], kb: KnowledgeBase | None = None) -> tuple[str, ...]:
    """Canonical symptom names in input order, without duplicates; InputError for an unknown name."""
    kb = kb or load_knowledge()
    vocabulary = symptom_vocabulary(kb)
    names: list[str] = []
    for raw in symptoms:
        if not str(raw).strip():
            continue
        name = vocabulary.get(_key(raw))
        if name is None:
            accepted = sorted({e.id for e in kb.entries("triage_symptoms")} | {e.id for e in kb.entries("symptoms")})
            raise InputError("symptoms", f"unknown symptom {raw!r}", accepted)
        if name not in names:
            names.append(name)
    return tuple(names)


def situations_of(pregnant: bool, on_hormone_treatment: bool, situations: Iterable[str] = ()) -> set[str]:
    """The red-flag situations a person is in (red_flags.yaml `when`)."""
    return ({"any"} | ({"pregnancy"} if pregnant else set())
            | ({"hormone_treatment"} if on_hormone_treatment else set()) | set(situations))


def triage(
    symptoms: Sequence[str], *, pregnant: bool, on_hormone_treatment: bool, situations: Iterable[str] = (),
    kb: KnowledgeBase | None = None,
) -> list[Finding]:
    """Urgent findings (code `triage.urgent`) for the red flags these symptoms raise, with what to do now.

    `situations` adds narrower ones (assisted_reproduction after IVF/ART, preterm_birth_risk)."""
    kb = kb or load_knowledge()
    present = set(normalise_symptoms(symptoms, kb))
    where = situations_of(pregnant, on_hormone_treatment, situations)
    findings: list[Finding] = []
    for flag in kb.entries("red_flags"):
        if not where & set(flag.when):
            continue
        matched = present & set(flag.any_symptoms)
        if not matched or not set(flag.all_symptoms) <= present:
            continue
        findings.append(Finding(
            code="triage.urgent",
            severity=Severity.URGENT,
            message=flag.clinician_message,
            patient_message=f"{flag.patient_message} {flag.action}",
            sources=tuple(flag.sources),
            detail={"red_flag": flag.id, "name": flag.name, "action": flag.action,
                    "symptoms": sorted(matched | set(flag.all_symptoms))},
        ))
    return findings
