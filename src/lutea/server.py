"""The application lutea serves: the REST API (`lutea.api`) with the FHIR and CDS Hooks services
(`lutea.fhir.http`) beside it under the API's prefix and the web pages (`lutea.web`) mounted on it,
one ASGI app on one database.

The composition root of HTTP: the one module that joins the HTTP shells, so that the shells never
import each other (docs/architecture.md). `make run`, the benchmarks and the tests serve this app;
`uvicorn --factory lutea.server:create_app` serves it from the environment's settings."""

from __future__ import annotations

from fastapi import FastAPI

from lutea.api import create_app as create_api
from lutea.api.app import API_PREFIX, COMMON_RESPONSES
from lutea.config import Settings
from lutea.fhir.http import router as fhir_router
from lutea.web import mount


def create_app(settings: Settings | None = None) -> FastAPI:
    """The API app for these settings (lutea.api.create_app) with the FHIR services and the web app on it:
    one set of bearer tokens, error answers, overload guard and security headers for the API and FHIR."""
    app = create_api(settings)
    app.include_router(fhir_router, prefix=API_PREFIX, responses=COMMON_RESPONSES)
    mount(app)
    return app
