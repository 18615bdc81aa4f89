"""The Jinja2 environment of the pages, and the response helpers every page uses."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from lutea.knowledge import load_knowledge
from lutea.regions import DEFAULT_REGION, fill_contacts
from lutea.store import models
from lutea.web.records import shown_moment
from lutea.web.session import CSRF_FIELD, WebSession

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))

SEVERITY_WORDS = {"urgent": "Urgent", "advise": "Advice", "info": "Information"}
TEMPLATES.env.globals["severity_word"] = lambda s: SEVERITY_WORDS.get(s, s)
TEMPLATES.env.globals["CSRF_FIELD"] = CSRF_FIELD


def page_region(request: Request) -> str:
    """The clinic's region of the app serving this page (LUTEA_REGION, lutea.config)."""
    return str(request.app.state.settings.region)


@pass_context
def _regional(context: Context, value: Any) -> Any:
    """Every value a page prints, with its contact placeholders ({emergency_number} ...) filled
    for the clinic's region (lutea.regions): one place for every page and message."""
    if not isinstance(value, str) or "{" not in value:
        return value
    request = context.get("request")
    region_id = page_region(request) if request is not None else DEFAULT_REGION
    if isinstance(value, Markup):  # already HTML: the wording goes in escaped
        return Markup(fill_contacts(str(value), region_id, quote=lambda text: str(escape(text))))
    return fill_contacts(value, region_id)


TEMPLATES.env.finalize = _regional


def source_name(source_id: str) -> str:
    """A source as a reader names it, first author and year ("Labarta et al. 2021"), for the
    patient's pages where a knowledge-base id ("label-cyclogest-uk") reads as a code."""
    source = load_knowledge().sources.get(source_id)
    if source is None:
        return source_id
    authors = [a.strip() for a in str(source.authors).split(",") if a.strip()]
    first = authors[0] if authors else "source"
    words = first.split()
    if len(words) > 1 and words[-1].isupper() and len(words[-1]) <= 3:  # "Labarta E": drop the initials
        first = " ".join(words[:-1])
    return f"{first}{' et al.' if len(authors) > 1 else ''} {source.year}"


TEMPLATES.env.globals["source_name"] = source_name


def product_name(product_id: str) -> str:
    """A product's name in the knowledge base (crinone-8 -> Crinone 8%), its id if unknown."""
    for product in load_knowledge().entries("products"):
        if product.id == product_id:
            return product.names[0] if product.names else product_id
    return product_id


TEMPLATES.env.globals["product_name"] = product_name


VERDICT_WORDS = {"supported": "Supported by good evidence", "uncertain": "Not yet clear",
                 "unsupported": "Not supported by evidence", "contradicted": "The evidence says otherwise"}
TEMPLATES.env.globals["verdict_word"] = lambda v: VERDICT_WORDS.get(v, v)


def claim_text(claim_id: str) -> str:
    """A claim as people meet it (claims.yaml), for a link to its page; its id if unknown."""
    for entry in load_knowledge().entries("claims"):
        if entry.id == claim_id:
            return str(entry.claim)
    return claim_id


TEMPLATES.env.globals["claim_text"] = claim_text


_ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?")


def times_in_words(text: str) -> str:
    """A text with every ISO time in it as the pages show times ("2026-12-09 00:00 UTC"): for
    wording from the core, which keeps ISO for the API ("from 2026-12-09T00:00:00+00:00 to ...")."""

    return _ISO_TIME.sub(lambda match: shown_moment(datetime.fromisoformat(match[0])), str(text))


TEMPLATES.env.filters["times_in_words"] = times_in_words


def render(
    request: Request, name: str, *, user: models.User | None = None, session: WebSession | None = None,
    status_code: int = 200, **context: Any,
) -> HTMLResponse:
    """A page with the signed-in user and the session's CSRF token in its context."""
    return TEMPLATES.TemplateResponse(
        request, name, {"user": user, "csrf": session.csrf if session else "", **context}, status_code=status_code
    )
