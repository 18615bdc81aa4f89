"""lutea's REST API (FastAPI): a thin shell over the domain core and the record store."""

from lutea.api.app import create_app

__all__ = ["create_app"]
