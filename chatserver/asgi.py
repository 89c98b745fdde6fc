"""The protocol router: HTTP to Django, websockets through Origin check → session auth (chatserver.wsauth) → URL routes."""

from __future__ import annotations

import gc
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatserver.settings")

from django.core.asgi import get_asgi_application

django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from chatserver.routing import websocket_urlpatterns  # noqa: E402
from chatserver.wsauth import SessionAuthMiddleware  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(SessionAuthMiddleware(URLRouter(websocket_urlpatterns))),
    }
)

# Long-lived server process: move everything loaded at start-up out of the collector's sight and
# collect the young generation less often. Full collections of a freshly started Django process took
# 90-225 ms and were the largest source of p99 latency under load (bench/README.md).
gc.collect()
gc.freeze()
gc.set_threshold(50_000, 20, 10)
