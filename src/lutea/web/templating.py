"""The Jinja2 environment of the pages, and the response helpers every page uses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from lutea.store import models
from lutea.web.session import CSRF_FIELD, WebSession

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))

SEVERITY_WORDS = {"urgent": "Urgent", "advise": "Advice", "info": "Information"}
TEMPLATES.env.globals["severity_word"] = lambda s: SEVERITY_WORDS.get(s, s)
TEMPLATES.env.globals["CSRF_FIELD"] = CSRF_FIELD


def render(
    request: Request, name: str, *, user: models.User | None = None, session: WebSession | None = None,
    status_code: int = 200, **context: Any,
) -> HTMLResponse:
    """A page with the signed-in user and the session's CSRF token in its context."""
    return TEMPLATES.TemplateResponse(
        request, name, {"user": user, "csrf": session.csrf if session else "", **context}, status_code=status_code
    )
