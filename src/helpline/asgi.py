"""The ASGI application: HTTP (Django), websockets (Channels) and the lifespan protocol,
which starts the background loops inside the server process in the embedded default
(``lib/loops.py``)."""

from __future__ import annotations

import os
from typing import Any

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpline.settings")
django_http = get_asgi_application()  # sets Django up before the imports below

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management.base import SystemCheckError  # noqa: E402

from helpline.lib.checks import refuse_unsafe_start  # noqa: E402
from helpline.lib.loops import LoopRunner, configured_loops  # noqa: E402
from helpline.lib.ws import fallback_urlpatterns  # noqa: E402
from helpline.ws import websocket_urlpatterns  # noqa: E402


async def lifespan(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Refuse to start when a security check fails (the public secret key with DEBUG off);
    start the background loops with the server and stop them with it, when
    ``HELPLINE_LOOPS_IN_SERVER`` is on (``make run``); otherwise only acknowledge."""
    runner: LoopRunner | None = None
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            try:  # no server with the public secret key in production (lib/checks.py)
                refuse_unsafe_start()
            except SystemCheckError as exc:
                await send({"type": "lifespan.startup.failed", "message": str(exc)})
                return
            if settings.HELPLINE_LOOPS_IN_SERVER:
                runner = LoopRunner(configured_loops())
                runner.start()
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            if runner is not None:
                await runner.shutdown()
            await send({"type": "lifespan.shutdown.complete"})
            return


application = ProtocolTypeRouter(
    {
        "http": django_http,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter([*websocket_urlpatterns, *fallback_urlpatterns]))
        ),
        "lifespan": lifespan,
    }
)
