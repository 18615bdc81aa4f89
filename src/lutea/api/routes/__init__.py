"""The API's routers, in the order a request is matched against their routes (and the order of the
OpenAPI document): the record routes, which carry a clinic's traffic, first, so that the requests
made most are matched soonest. No two routes of the served app (lutea.server: these, the FHIR
services and the web pages) share a path and method, so the order changes no answer."""

from lutea.api.routes import (
    admin,
    audit,
    claims,
    domain,
    login,
    patients,
    records,
    timeline,
)

ROUTERS = [records.router, patients.router, timeline.router, login.router, admin.router, audit.router, domain.router,
           claims.router]
