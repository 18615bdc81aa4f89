"""The API's routers are matched in the order of `lutea.api.routes.ROUTERS` (the record routes
first, for speed); that order may change no answer, so no path and method may be served twice by
the app lutea serves (lutea.server: the API, the FHIR services under the API's prefix, the web pages)."""

from __future__ import annotations

from collections import Counter

from lutea.api.app import API_PREFIX
from lutea.api.routes import ROUTERS
from lutea.fhir.http import router as fhir_router
from lutea.web.app import ROUTERS as WEB_ROUTERS


def test_no_path_and_method_is_served_by_two_routes() -> None:
    mounted = [(API_PREFIX, router) for router in [*ROUTERS, fhir_router]] + [("", router) for router in WEB_ROUTERS]
    served = Counter((prefix + route.path, method) for prefix, router in mounted for route in router.routes
                     for method in getattr(route, "methods", ()) or ())
    assert len(served) > 50
    assert [key for key, count in served.items() if count > 1] == []
    assert {(f"{API_PREFIX}/fhir", "POST"), (f"{API_PREFIX}/cds-services", "GET"), ("/login", "GET")} <= set(served)
