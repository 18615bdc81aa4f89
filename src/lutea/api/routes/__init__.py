"""The API's routers, in the order a request is matched against their routes (and the order of the
OpenAPI document): the record routes, which carry a clinic's traffic, first, so that the requests
made most are matched soonest. No two routers share a path, so the order changes no answer."""

from lutea.api.routes import (
    admin,
    audit,
    claims,
    domain,
    fhir,
    login,
    patients,
    records,
    timeline,
)

ROUTERS = [records.router, patients.router, timeline.router, login.router, admin.router, audit.router, domain.router,
           claims.router, fhir.router]
