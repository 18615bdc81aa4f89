"""The evidence page: every knowledge-base source, and the entries that cite it."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from lutea.knowledge import load_knowledge
from lutea.web.access import ViewerDep
from lutea.web.session import PageError
from lutea.web.templating import render

router = APIRouter()


@router.get("/evidence", response_class=HTMLResponse)
def evidence(view: ViewerDep) -> Response:
    kb = load_knowledge()
    sources = [(s, kb.citing(s.id)) for s in kb.sources.values()]
    return render(view.request, "evidence.html", user=view.user, session=view.session, sources=sources,
                  version=kb.version, single=False)


@router.get("/evidence/{source_id}", response_class=HTMLResponse)
def evidence_source(view: ViewerDep, source_id: str) -> Response:
    kb = load_knowledge()
    source = kb.sources.get(source_id)
    if source is None:
        raise PageError(404, f"The knowledge base has no source {source_id!r}.")
    return render(view.request, "evidence.html", user=view.user, session=view.session,
                  sources=[(source, kb.citing(source_id))], version=kb.version, single=True)
