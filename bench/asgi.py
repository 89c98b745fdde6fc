"""The benchmark's ASGI application: our chat routes plus the Channels tutorial's bare broadcast consumer.

``/ws/rooms/<id>/`` is our RoomConsumer (persist, then acknowledge and broadcast); ``/ws/bare/<room>/`` is
the tutorial's consumer with no persistence (receive → group_send to the room → every member's handler
sends it). Both sit behind the same Origin check and session auth, on the same channel layer, so the
difference measured is the cost of our consumer.

    daphne -b 127.0.0.1 -p PORT bench.asgi:application
"""

from __future__ import annotations

import os
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatserver.settings")

from channels.generic.websocket import AsyncWebsocketConsumer
from channels.routing import ProtocolTypeRouter, URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.urls import path

from chatserver.asgi import django_asgi_app
from chatserver.routing import websocket_urlpatterns
from chatserver.wsauth import SessionAuthMiddleware


def _log_gc_pauses() -> None:
    """BENCH_GC_LOG=1: log every collection slower than 5 ms (to tell GC pauses from other stalls)."""
    import gc
    import logging
    import time

    log = logging.getLogger("bench.gc")
    started: list[float] = [0.0]

    def on_gc(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        elif (ms := 1000 * (time.perf_counter() - started[0])) > 5:
            log.warning("gc gen%s %.1f ms collected=%s", info["generation"], ms, info["collected"])

    gc.callbacks.append(on_gc)


if os.environ.get("BENCH_GC_LOG") == "1":
    _log_gc_pauses()
if os.environ.get("BENCH_GC_TUNE"):  # experiments only: "freeze" or "freeze,G0,G1,G2"
    import gc

    _tune = os.environ["BENCH_GC_TUNE"].split(",")
    gc.collect()
    gc.freeze()  # everything imported so far: never traversed again
    if len(_tune) == 4:
        gc.set_threshold(int(_tune[1]), int(_tune[2]), int(_tune[3]))


class BareChatConsumer(AsyncWebsocketConsumer):
    """The Channels tutorial's chat consumer, minus its JSON re-encoding: what a broadcast costs."""

    group: str

    async def connect(self) -> None:
        self.group = f"bare.{self.scope['url_route']['kwargs']['room']}"
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        await self.channel_layer.group_send(self.group, {"type": "chat.message", "text": text_data})

    async def chat_message(self, event: dict[str, Any]) -> None:
        await self.send(text_data=event["text"])


application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            SessionAuthMiddleware(
                URLRouter([path("ws/bare/<str:room>/", BareChatConsumer.as_asgi()), *websocket_urlpatterns])
            )
        ),
    }
)


def _trace_memory(prefix: str) -> None:
    """BENCH_TRACEMALLOC=/tmp/snap: trace allocations, dump a snapshot every 3 s (for memory studies)."""
    import threading
    import time
    import tracemalloc

    tracemalloc.start(12)

    def loop() -> None:
        n = 0
        while True:
            time.sleep(3)
            n += 1
            tracemalloc.take_snapshot().dump(f"{prefix}-{n:03d}.snap")

    threading.Thread(target=loop, daemon=True).start()


if os.environ.get("BENCH_TRACEMALLOC"):
    _trace_memory(os.environ["BENCH_TRACEMALLOC"])
