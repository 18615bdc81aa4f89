"""Security headers of every /api/* answer: nothing is cached (answers carry health records and
tokens), nothing is sniffed, framed or referred; the JSON answers load nothing."""

from __future__ import annotations

from fastapi import FastAPI, Request

API_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Resource-Policy": "same-origin",
}
JSON_CSP = "default-src 'none'; frame-ancestors 'none'"


def add_security_headers(app: FastAPI, api_prefix: str, docs_url: str) -> None:
    """Set API_HEADERS on every answer under `api_prefix` (errors included), and a CSP that loads
    nothing on all but the interactive docs page (which loads Swagger UI)."""

    @app.middleware("http")
    async def _api_headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        response = await call_next(request)
        if request.url.path.startswith(api_prefix):
            for name, value in API_HEADERS.items():
                response.headers.setdefault(name, value)
            if request.url.path != docs_url:
                response.headers.setdefault("Content-Security-Policy", JSON_CSP)
        return response
