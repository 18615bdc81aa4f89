"""The API's routers, in the order they appear in the OpenAPI document."""

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

ROUTERS = [login.router, admin.router, audit.router, patients.router, records.router, timeline.router, domain.router, claims.router, fhir.router]
