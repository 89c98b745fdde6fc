"""The chat socket's admission and reconciliation checks, through the real ASGI application (in process):
membership before the fan-out subscribes, sessions of any engine, and the fan-out's periodic check
against the database (catch-up shared per room, lost removals and logouts repaired)."""

from __future__ import annotations

import asyncio
import secrets
import sqlite3
from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis.asyncio as aioredis
from channels.db import database_sync_to_async
from django.contrib.sessions.models import Session
from django.db import OperationalError, connection

from rooms import consumers, services
from rooms.fanout import get_fanout
from rooms.models import Membership
from tests.conftest import open_socket
from tests.rooms.test_fanout import numsub, redis_layer, store_quietly
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


async def closed_with(sock: Any) -> int:
    """The close code the socket gets next (other frames skipped)."""
    while True:
        out = await sock.comm.receive_output(timeout=3)
        if out["type"] == "websocket.close":
            return int(out["code"])


async def test_sockets_behind_in_a_room_catch_up_from_one_shared_fetch(
    cast: Any, connect: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    socks = [await connect(user, cast.workshop) for user in (cast.maya, cast.sam, cast.leo, cast.ana)]
    await store_quietly(cast.workshop, cast.sam, 3)  # every wake-up lost
    fetches: list[str] = []
    per_socket, shared = consumers._messages_after, services.messages_in_ranges

    async def counted_per_socket(*args: Any) -> Any:
        fetches.append("per socket")
        return await per_socket(*args)

    def counted_shared(*args: Any) -> Any:
        fetches.append("shared")
        return shared(*args)

    monkeypatch.setattr(consumers, "_messages_after", counted_per_socket)
    monkeypatch.setattr(services, "messages_in_ranges", counted_shared)
    await get_fanout().reconcile()
    for sock in socks:
        assert [(await sock.recv_type("message.new"))["message"]["seq"] for _ in range(3)] == [1, 2, 3]
    assert fetches == ["shared"]


@database_sync_to_async
def end_sessions_quietly(user: Any) -> None:
    """Delete the user's sessions without the logout signal (as if its session.ended event was lost)."""
    for session in Session.objects.all():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            session.delete()


async def test_a_lost_logout_is_repaired_by_the_reconciliation(cast: Any, connect: Any) -> None:
    maya = await connect(cast.maya, cast.pair)
    sam = await connect(cast.sam, cast.pair)
    await end_sessions_quietly(cast.maya)
    await get_fanout().reconcile()
    assert await closed_with(maya) == 4401
    await sam.send(send_frame("still here?", "after"))  # the other session's socket stays
    assert (await sam.recv_type("message.new"))["message"]["client_id"] == "after"


async def test_a_lost_removal_is_repaired_by_the_reconciliation(cast: Any, connect: Any) -> None:
    maya = await connect(cast.maya, cast.pair)
    sam = await connect(cast.sam, cast.pair)
    moved = Membership.objects.filter(room=cast.pair, user=cast.maya)  # no delete signal, no event
    await database_sync_to_async(moved.update)(room=cast.other_pair)
    await get_fanout().reconcile()
    assert await closed_with(maya) == 4403
    await sam.send(send_frame("still here?", "after"))
    assert (await sam.recv_type("message.new"))["message"]["client_id"] == "after"


async def test_a_failed_deferred_delivery_is_logged_without_text_and_later_filled(
    cast: Any, connect: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    maya = await connect(cast.maya, cast.pair)
    await store_quietly(cast.pair, cast.sam, 1)  # seq 1, its wake-up lost: maya must fetch it
    sam = await connect(cast.sam, cast.pair)  # starts after it
    await maya.recv_type("presence")
    working = consumers._messages_after

    async def database_down(*args: Any) -> Any:
        raise OperationalError("database is locked")

    monkeypatch.setattr(consumers, "_messages_after", database_down)
    await sam.send(send_frame("my private words", "s-2"))  # maya's wake-up for seq 2 needs seq 1
    await sam.recv_type("message.new")

    def failure_logged() -> bool:
        return any(r.name == "rooms.consumers" and "failed" in r.getMessage() for r in caplog.records)

    for _ in range(250):
        if failure_logged():
            break
        await asyncio.sleep(0.02)
    assert failure_logged()
    assert not any("private words" in r.getMessage() or "note 0" in r.getMessage() for r in caplog.records)

    monkeypatch.setattr(consumers, "_messages_after", working)  # the database is back
    await sam.send(send_frame("and now?", "s-3"))
    assert [(await maya.recv_type("message.new"))["message"]["seq"] for _ in range(3)] == [1, 2, 3]


def test_the_check_takes_any_number_of_sockets(cast: Any) -> None:
    """More sockets than one statement takes parameters. SQLite's limit is a build option (999 before
    3.32, 32,766 since, 250,000 in Debian's build): the real connection is set to 999, Django's figure."""
    connection.ensure_connection()
    raw = connection.connection
    previous = (
        raw.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999) if connection.vendor == "sqlite" else None
    )
    try:
        pairs = {(10**9 + i, 2 * 10**9 + i) for i in range(3_000)}
        pairs |= {(cast.pair.pk, cast.maya.pk), (cast.pair.pk, cast.charlie.pk)}
        check = services.room_check(pairs, {f"no-such-session-{i}" for i in range(3_000)})
    finally:
        if previous is not None:
            raw.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, previous)
    assert check.last_seqs == {cast.pair.pk: 0}
    assert check.members == {(cast.pair.pk, cast.maya.pk)}
    assert check.live_sessions == set()
