"""Per-process fan-out of stored messages to the sockets of their room.

Why not the channel layer: with ``group_send`` every message makes a Redis round trip and then wakes
each socket of the room through its own queue and task, even when sender and reader live in this very
process. Measured with the chat benchmark (bench/README.md) that cost ~45% of the server's CPU per
message. Here the writer hands each committed batch to the local sockets of the room directly, and
publishes it once per room on Redis for the other processes, which do the same for theirs.

It is only a wake-up, like the group broadcast it replaces: a socket that misses one fills the gap from
the database by ``seq`` when the next message arrives (``RoomConsumer._deliver``), and after a lost Redis
connection every local socket catches up from the database at once.

Contract
- ``await fanout.join(room_id, user_id, listener)`` before reading the room's ``last_seq`` (so nothing
  committed after that read can be missed); ``await fanout.leave(room_id, user_id, listener)`` on
  disconnect.
- ``await fanout.publish({room_id: [message payload, ...]})`` after the transaction committed, in
  commit order.
- ``await fanout.send([(target, event), ...])``: any other event for the chat sockets of a room
  (``room.<id>``: typing, presence, read, banners, call ringing) or of a user (``user.<id>``: logout,
  removal, private notices). ``rooms.writer.publish`` routes events here; chat sockets hold no
  channel-layer channel at all (each one cost a queue, a task and three Redis subscriptions).
- A listener has ``async wake(messages)`` and ``async on_event(event)`` (neither may block on I/O;
  hand slow work to a task) and ``async catch_up()``.
- With no Redis configured (the in-memory channel layer: one process) only local sockets are woken.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Coroutine, Mapping, Sequence
from typing import Any, Protocol

import redis.asyncio as aioredis
from django.conf import settings

from chatserver.json import dumps

log = logging.getLogger(__name__)

Payload = dict[str, Any]


_background: set[asyncio.Task[Any]] = set()


def spawn(coro: Coroutine[Any, Any, Any]) -> None:
    """Run a coroutine in the background, keeping a reference until it is done (asyncio keeps only a weak one)."""
    task = asyncio.get_running_loop().create_task(coro)
    _background.add(task)
    task.add_done_callback(_background.discard)


class Listener(Protocol):
    async def wake(self, messages: list[Payload]) -> None: ...

    async def on_event(self, event: Payload) -> None: ...

    async def catch_up(self) -> None: ...


MESSAGES = "chat.messages"


def redis_target() -> tuple[str, str] | None:
    """(Redis URL, channel prefix) when the default channel layer is on Redis, else None."""
    config: dict[str, Any] = settings.CHANNEL_LAYERS.get("default", {})
    if "redis" not in str(config.get("BACKEND", "")).lower():
        return None
    options: dict[str, Any] = config.get("CONFIG", {})
    hosts = options.get("hosts") or []
    if not hosts:
        return None
    host = hosts[0]
    url = host.get("address") if isinstance(host, dict) else host
    if not isinstance(url, str):
        return None
    return url, str(options.get("prefix", "asgi"))


def target_of(group: str) -> str | None:
    """``room.<id>`` / ``user.<id>`` (rooms.services.room_group / user_group) for the fan-out, else None."""
    kind, _, ident = group.partition(".")
    return group if kind in ("room", "user") and ident.isdigit() else None


class Fanout:
    def __init__(self, redis: tuple[str, str] | None) -> None:
        # "room.<id>" / "user.<id>" -> the chat sockets of this process it reaches
        self._local: dict[str, set[Listener]] = {}
        self._origin = uuid.uuid4().hex.encode()
        self._url, self._prefix = redis if redis else ("", "")
        self._redis: Any = None
        self._pubsub: Any = None
        self._reader: asyncio.Task[None] | None = None
        self._sub_lock = asyncio.Lock()
        self.client_name = f"{self._prefix}-fanout-{self._origin.decode()[:12]}"

    # --- local sockets --------------------------------------------------------------------------

    async def join(self, room_id: int, user_id: int, listener: Listener) -> None:
        for target in (f"room.{room_id}", f"user.{user_id}"):
            listeners = self._local.setdefault(target, set())
            listeners.add(listener)
            if self._url and len(listeners) == 1:
                await self._subscribe(target)

    async def leave(self, room_id: int, user_id: int, listener: Listener) -> None:
        for target in (f"room.{room_id}", f"user.{user_id}"):
            listeners = self._local.get(target)
            if listeners is None:
                continue
            listeners.discard(listener)
            if not listeners:
                del self._local[target]
                if self._url:
                    await self._unsubscribe(target)

    def listeners(self, target: str) -> int:
        return len(self._local.get(target, ()))

    async def _wake_local(self, target: str, event: Payload) -> None:
        for listener in list(self._local.get(target, ())):
            try:
                if event["type"] == MESSAGES:
                    await listener.wake(event["messages"])
                else:
                    await listener.on_event(event)
            except Exception:  # one broken socket must not stop the others' wake-ups
                log.exception("fan-out of %s to a socket of %s failed", event.get("type"), target)

    # --- publishing -----------------------------------------------------------------------------

    async def publish(self, batches: Mapping[int, list[Payload]]) -> None:
        """Newly stored messages, per room, in commit order."""
        await self.send(
            [(f"room.{room_id}", {"type": MESSAGES, "messages": m}) for room_id, m in batches.items()]
        )

    async def send(self, events: Sequence[tuple[str, Payload]]) -> None:
        """Events for the chat sockets of a room (``room.<id>``) or of a user (``user.<id>``), everywhere."""
        for target, event in events:
            await self._wake_local(target, event)
        if not self._url or not events:
            return
        try:
            redis = self._client()
            async with redis.pipeline(transaction=False) as pipe:
                for target, event in events:
                    pipe.publish(self._channel(target), self._origin + b" " + dumps(event).encode())
                await pipe.execute()
        except Exception as exc:
            # Messages are stored: other processes' sockets fill the gap with the next one. A lost
            # typing or presence event is only cosmetic.
            log.warning("fan-out of %d events failed: %r", len(events), exc)

    # --- Redis ----------------------------------------------------------------------------------

    def _channel(self, target: str) -> str:
        return f"{self._prefix}.fanout.{target}"

    def _client(self) -> Any:
        if self._redis is None:
            # Named, so an operator can tell it apart in CLIENT LIST (and tests can cut it).
            self._redis = aioredis.Redis.from_url(self._url, client_name=self.client_name)
            self._pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        return self._redis

    async def _subscribe(self, target: str) -> None:
        async with self._sub_lock:
            self._client()
            await self._pubsub.subscribe(self._channel(target))
            if self._reader is None or self._reader.done():
                self._reader = asyncio.get_running_loop().create_task(self._read(), name="room-fanout")

    async def _unsubscribe(self, target: str) -> None:
        async with self._sub_lock:
            if target in self._local:  # somebody joined again meanwhile
                return
            try:
                await self._pubsub.unsubscribe(self._channel(target))
            except Exception as exc:
                log.warning("unsubscribing from %s failed: %r", target, exc)

    async def _read(self) -> None:
        skip = len(f"{self._prefix}.fanout.")
        lost = False
        while True:
            try:
                if not self._pubsub.subscribed:
                    await asyncio.sleep(0.1)
                    continue
                message = await self._pubsub.get_message(timeout=1.0)
                if lost:  # back after a broken connection (redis-py re-subscribed): catch up
                    lost = False
                    self._catch_up_all()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if not lost:
                    log.warning("room fan-out lost its Redis connection: %r", exc)
                lost = True
                await asyncio.sleep(0.5)
                continue
            if message is None or message.get("type") != "message":
                continue
            data: bytes = message["data"]
            origin, _, body = data.partition(b" ")
            if origin == self._origin:
                continue  # our own publish: local sockets were woken directly
            channel: bytes = message["channel"]
            try:
                target = channel[skip:].decode()
                event = json.loads(body)
                if not isinstance(event, dict) or not isinstance(event.get("type"), str):
                    raise ValueError("not an event")
            except ValueError:
                log.warning("ignoring a malformed fan-out message on %r", channel)
                continue
            await self._wake_local(target, event)

    def _catch_up_all(self) -> None:
        everyone = {listener for listeners in self._local.values() for listener in listeners}
        for listener in everyone:
            spawn(listener.catch_up())

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            try:
                await self._reader
            except asyncio.CancelledError:
                pass
            self._reader = None
        if self._redis is not None:
            await self._pubsub.aclose()
            await self._redis.aclose()
            self._redis = self._pubsub = None


_fanouts: dict[asyncio.AbstractEventLoop, Fanout] = {}


def get_fanout() -> Fanout:
    loop = asyncio.get_running_loop()
    fanout = _fanouts.get(loop)
    if fanout is None:
        for old in [lp for lp in _fanouts if lp.is_closed()]:
            del _fanouts[old]
        fanout = _fanouts[loop] = Fanout(redis_target())
    return fanout
