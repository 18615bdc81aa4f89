"""The web app: server-rendered pages (Jinja2) on the API's FastAPI app, with its own static files.

`mount(app)` adds the page routes, /static (CSS, scripts and Plotly.js from the installed plotly
package) and the handlers that turn a missing session into a redirect to /login.
"""

from lutea.web.app import mount

__all__ = ["mount"]
