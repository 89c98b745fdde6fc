"""Who is online in a room: a count of open sockets per (room, user).

In-memory for the embedded default (one process); in Redis when ``REDIS_URL`` is set, so every
process sees the same room. ``join`` returns True when the user just came online (first socket),
``leave`` True when they just went offline (last socket closed).

Known limit: a process killed without closing its sockets leaves its counts behind in Redis until
they expire (``PRESENCE_TTL``, refreshed by every join and leave in that room).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Protocol

from django.conf import settings

PRESENCE_TTL = 24 * 3600


class PresenceStore(Protocol):
    async def join(self, room_id: int, user_id: int) -> bool: ...
    async def leave(self, room_id: int, user_id: int) -> bool: ...
    async def online(self, room_id: int) -> list[int]: ...


class MemoryPresence:
    def __init__(self) -> None:
        self._counts: dict[int, dict[int, int]] = defaultdict(dict)

    async def join(self, room_id: int, user_id: int) -> bool:
        room = self._counts[room_id]
        room[user_id] = room.get(user_id, 0) + 1
        return room[user_id] == 1

    async def leave(self, room_id: int, user_id: int) -> bool:
        room = self._counts[room_id]
        left = room.get(user_id, 0) - 1
        if left <= 0:
            room.pop(user_id, None)
            return True
        room[user_id] = left
        return False

    async def online(self, room_id: int) -> list[int]:
        return sorted(self._counts.get(room_id, {}))


class RedisPresence:
    def __init__(self, url: str) -> None:
        import redis.asyncio as aioredis

        self._redis = aioredis.from_url(url, max_connections=200)

    @staticmethod
    def _key(room_id: int) -> str:
        return f"peerchat:presence:{room_id}"

    async def join(self, room_id: int, user_id: int) -> bool:
        key = self._key(room_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hincrby(key, str(user_id), 1)
            pipe.expire(key, PRESENCE_TTL)
            count, _ = await pipe.execute()
        return int(count) == 1

    async def leave(self, room_id: int, user_id: int) -> bool:
        key = self._key(room_id)
        count = int(await self._redis.hincrby(key, str(user_id), -1))
        if count <= 0:
            await self._redis.hdel(key, str(user_id))
            return True
        return False

    async def online(self, room_id: int) -> list[int]:
        raw = await self._redis.hgetall(self._key(room_id))
        return sorted(int(uid) for uid, count in raw.items() if int(count) > 0)


_stores: dict[asyncio.AbstractEventLoop, PresenceStore] = {}


def get_presence() -> PresenceStore:
    loop = asyncio.get_running_loop()
    store = _stores.get(loop)
    if store is None:
        for old in [lp for lp in _stores if lp.is_closed()]:
            del _stores[old]
        store = RedisPresence(settings.REDIS_URL) if settings.REDIS_URL else MemoryPresence()
        _stores[loop] = store
    return store
