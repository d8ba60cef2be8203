"""troth's web app: public policy pages, the API and the admin console, in one ASGI app.

    app = create_app(Runtime.start(Settings.for_declaration(Path("troth.yaml"))))

Routes are thin: they parse, call a service with an explicit session, and
present. Errors are rendered in one place (`_errors.py`); access is decided by
the dependencies in `_deps.py`.
"""

from troth.web._app import FEATURE_ROUTERS, create_app
from troth.web._runtime import Runtime

__all__ = ["FEATURE_ROUTERS", "Runtime", "create_app"]
