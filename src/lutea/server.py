"""The application lutea serves: the REST API (`lutea.api`) with the web pages (`lutea.web`)
mounted on it, one ASGI app on one database.

The composition root: the one module that joins two shells, so that the shells never import each
other (docs/architecture.md). `make run`, the benchmarks and the tests serve this app;
`uvicorn --factory lutea.server:create_app` serves it from the environment's settings."""

from __future__ import annotations

from fastapi import FastAPI

from lutea.api import create_app as create_api
from lutea.config import Settings
from lutea.web import mount


def create_app(settings: Settings | None = None) -> FastAPI:
    """The API app for these settings (lutea.api.create_app) with the web app mounted on it."""
    app = create_api(settings)
    mount(app)
    return app
