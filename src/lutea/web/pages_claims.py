"""The claims pages: the claims people meet about progesterone, each with its verdict in plain words
(lutea.claims). Served like /evidence: to any signed-in user, patient or clinician."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from lutea.claims import UnknownClaim, all_claims, get_claim
from lutea.knowledge import load_knowledge
from lutea.web.access import ViewerDep
from lutea.web.session import PageError
from lutea.web.templating import render

router = APIRouter()


@router.get("/claims", response_class=HTMLResponse)
def claims_list(view: ViewerDep) -> Response:
    kb = load_knowledge()
    return render(view.request, "claims.html", user=view.user, session=view.session, claims=all_claims(kb),
                  version=kb.version, single=None)


@router.get("/claims/{claim_id}", response_class=HTMLResponse)
def claim_page(view: ViewerDep, claim_id: str) -> Response:
    kb = load_knowledge()
    try:
        entry = get_claim(claim_id, kb)
    except UnknownClaim as exc:
        raise PageError(404, f"lutea has no claim {exc.claim_id!r}. See the list of claims at /claims.") from None
    pathways = [kb.get("pathways", p) for p in entry.related.pathways]
    symptoms = [kb.get("symptoms", s) for s in entry.related.symptoms]
    return render(view.request, "claims.html", user=view.user, session=view.session, claims=[entry],
                  version=kb.version, single=entry, pathways=pathways, symptoms=symptoms)
