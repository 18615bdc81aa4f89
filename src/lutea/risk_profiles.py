"""Risk profiles of progestogens given with oestrogen, one substance at a time or side by side:
breast cancer and venous thromboembolism, each estimate with what was compared and its sources
(risk_profiles.yaml). Pure: reads the knowledge base, returns JSON-ready dicts.

A product names its substance (`substance` in products.yaml); a product without one is taken to
be progesterone, the only substance lutea's products had before progestogens were added.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from lutea.errors import InputError
from lutea.knowledge import KnowledgeBase, load_knowledge
from lutea.knowledge.schema import RISK_OUTCOMES, RiskEstimate, RiskProfile

Role = Literal["clinician", "patient"]
OUTCOME_NAMES = {"breast-cancer": "breast cancer", "venous-thromboembolism": "venous thromboembolism"}
NO_ESTIMATE = "No estimate specific to this substance in lutea's sources."
NO_ESTIMATE_PATIENT = "The studies lutea uses give no separate figure for this medicine."
CONTEXT = {
    "clinician": "Estimates from menopausal hormone therapy: each progestogen given with oestrogen, versus no HRT "
                 "(or placebo). They do not describe a progestogen given alone, in pregnancy or in fertility treatment.",
    "patient": "These figures come from women taking hormone replacement therapy, where the progestogen is taken with "
               "oestrogen. They do not describe the medicine taken on its own, in pregnancy or in fertility treatment.",
}


def substances(kb: KnowledgeBase | None = None) -> list[str]:
    """The substances that have a risk profile, in file order."""
    return [p.id for p in (kb or load_knowledge()).entries("risk_profiles")]


def risk_profile(substance: str, kb: KnowledgeBase | None = None) -> RiskProfile:
    """The risk profile of one substance; an unknown substance is an InputError naming the known ones."""
    kb = kb or load_knowledge()
    known = substances(kb)
    if substance not in known:
        raise InputError("substance", f"no risk profile for {substance!r}", known)
    return kb.get("risk_profiles", substance)  # type: ignore[no-any-return]



def _estimate_json(estimate: RiskEstimate, role: Role) -> dict[str, Any]:
    if role == "patient":
        return {"message": estimate.patient_message, "scope": estimate.scope, "sources": list(estimate.sources)}
    out: dict[str, Any] = {"measure": estimate.measure, "value": estimate.value,
                           "ci95": list(estimate.ci95) if estimate.ci95 else None,
                           "scope": estimate.scope, "exposure": estimate.exposure, "finding": estimate.finding,
                           "sources": list(estimate.sources)}
    return out


def profile_json(substance: str, role: Role = "clinician", kb: KnowledgeBase | None = None) -> dict[str, Any]:
    """One substance's profile: substance-specific estimates by outcome (an empty outcome says so)."""
    profile = risk_profile(substance, kb)
    outcomes: dict[str, Any] = {}
    for outcome in RISK_OUTCOMES:
        own = [e for e in profile.estimates if e.outcome == outcome and e.scope == "substance"]
        outcomes[outcome] = {
            "name": OUTCOME_NAMES[outcome],
            "estimates": [_estimate_json(e, role) for e in own],
            "note": None if own else (NO_ESTIMATE_PATIENT if role == "patient" else NO_ESTIMATE),
        }
    return {"substance": profile.id, "name": profile.name,
            "summary": profile.patient_summary if role == "patient" else profile.summary,
            "outcomes": outcomes, "sources": list(profile.sources)}


def compare(substance_ids: Iterable[str], role: Role = "clinician", kb: KnowledgeBase | None = None) -> dict[str, Any]:
    """Profiles side by side: one column per substance (first mention first), one row per outcome,
    and the estimates pooled over all progestogens once, apart from the columns."""
    kb = kb or load_knowledge()
    chosen = list(dict.fromkeys(substance_ids))
    profiles = [profile_json(s, role, kb) for s in chosen]
    rows = [{"outcome": outcome, "name": OUTCOME_NAMES[outcome],
             "cells": {p["substance"]: p["outcomes"][outcome] for p in profiles}} for outcome in RISK_OUTCOMES]
    pooled: dict[tuple[str, str], RiskEstimate] = {}
    for substance in chosen:
        for estimate in risk_profile(substance, kb).estimates:
            if estimate.scope == "pooled":
                pooled.setdefault((estimate.outcome, estimate.exposure), estimate)
    sources = dict.fromkeys(s for p in profiles for s in p["sources"])
    return {
        "context": CONTEXT[role],
        "substances": [{"substance": p["substance"], "name": p["name"], "summary": p["summary"]} for p in profiles],
        "rows": rows,
        "pooled": [{"outcome": e.outcome, "name": OUTCOME_NAMES[e.outcome], **_estimate_json(e, role)}
                   for e in pooled.values()],
        "sources": list(sources),
    }
