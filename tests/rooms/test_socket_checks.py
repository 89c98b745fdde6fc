"""The chat socket's admission and reconciliation checks, through the real ASGI application (in process):
membership before the fan-out subscribes, sessions of any engine, and the fan-out's periodic check
against the database (catch-up shared per room, lost removals and logouts repaired)."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis.asyncio as aioredis

from rooms.fanout import get_fanout
from tests.conftest import open_socket
from tests.rooms.test_fanout import redis_layer
from tests.support import liveserver as ls

pytestmark = pytest.mark.django_db(transaction=True)


def send_frame(body: str, client_id: str | None = None) -> dict[str, Any]:
    return {"type": "message.send", "client_id": client_id or secrets.token_hex(8), "body": body}


@pytest.fixture
async def on_redis(settings: Any) -> AsyncIterator[tuple[str, str]]:
    """This process's fan-out on the real Redis (as with REDIS_URL), under a prefix of the test's own."""
    ls.require_service("Redis", ls.redis_problem())
    url, prefix = ls.redis_url(), f"test-sockets-{secrets.token_hex(4)}"
    settings.CHANNEL_LAYERS = redis_layer(url, prefix)
    yield url, prefix
    await get_fanout().close()


async def numsub(url: str, channel: str) -> int:
    admin = aioredis.Redis.from_url(url)
    try:
        return int((await admin.pubsub_numsub(channel))[0][1])
    finally:
        await admin.aclose()


async def test_a_non_member_is_refused_before_the_process_subscribes_to_anything(
    cast: Any, on_redis: tuple[str, str]
) -> None:
    url, prefix = on_redis
    room_channel = f"{prefix}.fanout.room.{cast.pair.pk}"
    sock, ok, _ = await open_socket(cast.charlie, f"/ws/rooms/{cast.pair.pk}/")
    assert ok  # accepted, then closed with the application code
    assert await sock.comm.receive_output(timeout=3) == {"type": "websocket.close", "code": 4403}
    await sock.close()  # the consumer has ended
    assert await numsub(url, room_channel) == 0
    assert await numsub(url, f"{prefix}.fanout.user.{cast.charlie.pk}") == 0
    admin = aioredis.Redis.from_url(url)
    try:
        names = [str(client.get("name", "")) for client in await admin.client_list()]
    finally:
        await admin.aclose()
    assert not [n for n in names if n.startswith(f"{prefix}-fanout-")]  # not even a connection

    # The same process, a member: subscribed (the check above looked at the right place).
    maya, ok, _ = await open_socket(cast.maya, f"/ws/rooms/{cast.pair.pk}/")
    assert ok and (await maya.recv())["type"] == "room.state"
    assert await numsub(url, room_channel) == 1
    await maya.close()


async def test_a_signed_cookie_session_connects(cast: Any, connect: Any, settings: Any) -> None:
    """The re-check after joining asks the session engine the handshake asked (signed_cookies has no
    server-side store: its SessionStore.exists() is always False)."""
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    maya = await connect(cast.maya, cast.pair)  # room.state first, not a 4401 close
    await maya.send(send_frame("hello"))
    assert (await maya.recv_type("message.new"))["message"]["seq"] == 1
