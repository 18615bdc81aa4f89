"""Security headers of every /api/* answer: nothing is cached (answers carry health records and
tokens), nothing is sniffed, framed or referred; the JSON answers load nothing."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import FastAPI

from lutea.http_headers import PathHeaders

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

    with_csp = {**API_HEADERS, "Content-Security-Policy": JSON_CSP}

    def headers_for(path: str) -> Mapping[str, str]:
        if not path.startswith(api_prefix):
            return {}
        return API_HEADERS if path == docs_url else with_csp

    app.add_middleware(PathHeaders, headers_for=headers_for)
