"""Claims people meet about progesterone, graded against their sources (claims.yaml).

`all_claims` and `get_claim` are what `lutea claims`, `GET /api/v1/claims` and the /claims pages
read; `link` gives a finding the ids of the claims it touches (by its code, or by the diary symptom
it is about) and `plan_claims` those of a plan (by its pathway and its findings). Pure: the
knowledge base in, values out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from lutea.errors import LuteaError
from lutea.findings import Finding
from lutea.knowledge import KnowledgeBase, load_knowledge
from lutea.knowledge.schema import Claim

SHOWN_ID_CHARS = 60  # an unknown id is named in the error, cut to this many characters


class UnknownClaim(LuteaError, LookupError):
    """No claim has this id (the CLI exits 2, the API answers 404, the web shows a 404 page)."""

    def __init__(self, claim_id: str):
        shown = claim_id if len(claim_id) <= SHOWN_ID_CHARS else claim_id[:SHOWN_ID_CHARS] + "..."
        self.claim_id = shown
        super().__init__(f"claim: unknown claim id {shown!r}; run `lutea claims` for the list")


def all_claims(kb: KnowledgeBase | None = None) -> list[Claim]:
    """Every graded claim, in the order of claims.yaml."""
    return list((kb or load_knowledge()).entries("claims"))


def get_claim(claim_id: str, kb: KnowledgeBase | None = None) -> Claim:
    """One claim by id; UnknownClaim naming the id when there is none."""
    for entry in all_claims(kb):
        if entry.id == claim_id:
            return entry
    raise UnknownClaim(claim_id)


def claim_json(entry: Claim) -> dict[str, Any]:
    """A claim as JSON, one shape for every shell."""
    return {
        "id": entry.id,
        "claim": entry.claim,
        "verdict": entry.verdict,
        "summary": entry.summary,
        "evidence": entry.evidence,
        "sources": list(entry.sources),
        "related": entry.related.model_dump(mode="json"),
    }


def claims_of(finding: Finding, kb: KnowledgeBase | None = None) -> tuple[str, ...]:
    """Ids of the claims a finding touches: its code is among a claim's related findings, or it is
    about a diary symptom among a claim's related symptoms."""
    symptom = finding.detail.get("symptom") if isinstance(finding.detail, dict) else None
    return tuple(c.id for c in all_claims(kb)
                 if finding.code in c.related.findings or (symptom is not None and symptom in c.related.symptoms))


def link(findings: Iterable[Finding], kb: KnowledgeBase | None = None) -> list[Finding]:
    """The findings, each carrying the ids of the claims it touches (order kept)."""
    kb = kb or load_knowledge()
    out = []
    for finding in findings:
        ids = claims_of(finding, kb)
        out.append(replace(finding, claims=ids) if ids != finding.claims else finding)
    return out


def plan_claims(pathway_id: str, findings: Sequence[Finding], kb: KnowledgeBase | None = None) -> tuple[str, ...]:
    """Ids of the claims a plan touches: those naming its pathway, and those of its findings, in the
    order of claims.yaml."""
    touched = {cid for f in findings for cid in f.claims}
    return tuple(c.id for c in all_claims(kb) if pathway_id in c.related.pathways or c.id in touched)
