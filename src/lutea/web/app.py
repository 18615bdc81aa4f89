"""Mount the web pages on the API's FastAPI app: routers, /static, and the HTML error handlers."""

from __future__ import annotations

from pathlib import Path

import plotly
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from lutea.http_headers import PathHeaders
from lutea.web import (
    pages_auth,
    pages_claims,
    pages_evidence,
    pages_home,
    pages_patient,
    pages_plan,
    pages_simulate,
    report,
)
from lutea.web.access import audit_refusal
from lutea.web.session import LoginRequired, PageError, read_session
from lutea.web.templating import render

STATIC = Path(__file__).parent / "static"
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
ROUTERS = [pages_auth.router, pages_home.router, pages_patient.router, pages_plan.router, pages_simulate.router,
           report.router, pages_evidence.router, pages_claims.router]
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                               "script-src 'self' 'unsafe-eval'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def mount(app: FastAPI) -> None:
    """Add the web app to `app`: pages at /, static files at /static, Plotly.js from the plotly package."""

    @app.get("/static/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        return FileResponse(PLOTLY_JS, media_type="text/javascript", headers={"Cache-Control": "max-age=86400"})

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in ROUTERS:
        app.include_router(router, include_in_schema=False)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, _exc: LoginRequired) -> Response:
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)

    @app.exception_handler(PageError)
    def _refused(request: Request, exc: PageError) -> HTMLResponse:
        if exc.status_code == 403 and exc.denial is None:  # a refusal by a record's rule is audited already
            audit_refusal(request, exc.message)
        return render(request, "error.html", session=read_session(request), status_code=exc.status_code,
                      message=exc.message)

    app.add_middleware(PathHeaders, headers_for=lambda path: {} if path.startswith("/api/") else SECURITY_HEADERS)
