"""The graded claims people meet about progesterone (claims.yaml), as `lutea claims --json` gives them.

Education, not a record: any signed-in user may read them (as the web's /evidence and /claims pages).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse

from lutea.api.errors import EXCERPT_CHARS, safe_text
from lutea.claims import UnknownClaim, all_claims, claim_json, get_claim
from lutea.http_access import UserDep
from lutea.knowledge import load_knowledge

router = APIRouter(tags=["claims"])
MAX_CLAIM_ID_CHARS = 100  # the longest id accepted in the path (longer: 422)


@router.get("/claims")
def list_claims(user: UserDep) -> dict[str, Any]:
    """Every graded claim with its verdict, plain-language summary, evidence and sources."""
    kb = load_knowledge()
    return {"knowledge_version": kb.version, "claims": [claim_json(c) for c in all_claims(kb)]}


@router.get("/claims/{claim_id}", responses={404: {"description": "no claim has this id"}}, response_model=None)
def one_claim(user: UserDep,
              claim_id: Annotated[str, Path(min_length=1, max_length=MAX_CLAIM_ID_CHARS)]) -> dict[str, Any] | JSONResponse:
    """One claim by id (as `lutea claims ID --json`); 404 naming the id when there is none."""
    kb = load_knowledge()
    try:
        entry = get_claim(claim_id, kb)
    except UnknownClaim:
        shown = safe_text(claim_id, EXCERPT_CHARS)
        return JSONResponse({"detail": f"claim: no claim {shown!r}; GET /api/v1/claims lists the ids"}, status_code=404)
    return {"knowledge_version": kb.version, "claim": claim_json(entry)}
