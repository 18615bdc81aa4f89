"""The API's routers are matched in the order of `lutea.api.routes.ROUTERS` (the record routes
first, for speed); that order may change no answer, so no path and method may be served twice."""

from __future__ import annotations

from collections import Counter

from lutea.api.routes import ROUTERS


def test_no_path_and_method_is_served_by_two_routes() -> None:
    served = Counter((route.path, method) for router in ROUTERS for route in router.routes
                     for method in getattr(route, "methods", ()) or ())
    assert len(served) > 50
    assert [key for key, count in served.items() if count > 1] == []
