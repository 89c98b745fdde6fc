"""Who is online in a room: the open sockets of each (room, user).

In-memory for the embedded default (one process). In Redis when ``REDIS_URL`` is set, so every
process sees the same room (see ``RedisPresence``): nobody stays online for good after a server
stops or crashes.

``join`` returns True when the user just came online (their first socket in the room), ``leave``
True when they just went offline (their last socket closed).
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import secrets
from collections import defaultdict
from typing import Protocol

import redis
import redis.asyncio as aioredis
from django.conf import settings

HEARTBEAT = 20.0
STALE_AFTER = 60.0


class PresenceStore(Protocol):
    async def join(self, room_id: int, user_id: int, channel: str) -> bool: ...
    async def leave(self, room_id: int, user_id: int, channel: str) -> bool: ...
    async def online(self, room_id: int) -> list[int]: ...


class MemoryPresence:
    def __init__(self) -> None:
        self._sockets: dict[int, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))

    async def join(self, room_id: int, user_id: int, channel: str) -> bool:
        sockets = self._sockets[room_id][user_id]
        sockets.add(channel)
        return len(sockets) == 1

    async def leave(self, room_id: int, user_id: int, channel: str) -> bool:
        room = self._sockets[room_id]
        sockets = room.get(user_id)
        if not sockets:
            return False
        sockets.discard(channel)
        if not sockets:
            del room[user_id]
            return True
        return False

    async def online(self, room_id: int) -> list[int]:
        return sorted(uid for uid, sockets in self._sockets.get(room_id, {}).items() if sockets)


class RedisPresence:
    """Presence in Redis, shared by every process.

    One set per room holds ``<user id>:<server id>:<channel>`` per socket. Each process has a random
    server id and a liveness key renewed every ``HEARTBEAT`` seconds with a ``STALE_AFTER`` expiry,
    deleted at a clean exit. An entry counts only while its server's key lives, so the sockets of a
    stopped or crashed process stop counting at once (clean stop) or within ``STALE_AFTER`` (crash),
    even though daphne never runs ``disconnect`` for them.
    """

    def __init__(self, url: str, prefix: str) -> None:
        self._url = url
        self._redis = aioredis.from_url(url, max_connections=200)
        self._prefix = prefix
        self._server = secrets.token_hex(8)
        self._task: asyncio.Task[None] | None = None
        atexit.register(self._forget_server)

    def _key(self, room_id: int) -> str:
        return f"{self._prefix}:presence:{room_id}"

    def _server_key(self, server: str) -> str:
        return f"{self._prefix}:presence-server:{server}"

    async def _live_users(self, room_id: int) -> list[int]:
        members = [
            m.decode() if isinstance(m, bytes) else m for m in await self._redis.smembers(self._key(room_id))
        ]
        if not members:
            return []
        parsed = [m.split(":", 2) for m in members]
        servers = sorted({server for _, server, _ in parsed})
        alive = await self._redis.mget([self._server_key(s) for s in servers])
        live = {s for s, flag in zip(servers, alive, strict=True) if flag is not None}
        dead = [m for m, (_, server, _) in zip(members, parsed, strict=True) if server not in live]
        if dead:
            await self._redis.srem(self._key(room_id), *dead)
        return sorted({int(uid) for uid, server, _ in parsed if server in live})

    async def join(self, room_id: int, user_id: int, channel: str) -> bool:
        if self._task is None or self._task.done():
            await self._beat()
            self._task = asyncio.get_running_loop().create_task(self._heartbeat(), name="presence-heartbeat")
        before = await self._live_users(room_id)
        await self._redis.sadd(self._key(room_id), f"{user_id}:{self._server}:{channel}")
        return user_id not in before

    async def leave(self, room_id: int, user_id: int, channel: str) -> bool:
        await self._redis.srem(self._key(room_id), f"{user_id}:{self._server}:{channel}")
        return user_id not in await self._live_users(room_id)

    async def online(self, room_id: int) -> list[int]:
        return await self._live_users(room_id)

    async def _beat(self) -> None:
        await self._redis.set(self._server_key(self._server), "1", ex=int(STALE_AFTER))

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT)
            with contextlib.suppress(Exception):  # Redis away: the key lapses and comes back next beat
                await self._beat()

    def _forget_server(self) -> None:
        with contextlib.suppress(Exception):
            redis.Redis.from_url(self._url, socket_timeout=2).delete(self._server_key(self._server))


_stores: dict[asyncio.AbstractEventLoop, PresenceStore] = {}


def get_presence() -> PresenceStore:
    loop = asyncio.get_running_loop()
    store = _stores.get(loop)
    if store is None:
        for old in [lp for lp in _stores if lp.is_closed()]:
            del _stores[old]
        if settings.REDIS_URL:
            store = RedisPresence(settings.REDIS_URL, settings.CHANNEL_PREFIX)
        else:
            store = MemoryPresence()
        _stores[loop] = store
    return store
