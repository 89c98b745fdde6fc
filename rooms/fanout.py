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
- ``await fanout.join(room_id, user_id, listener)`` after the socket's membership was checked (nobody
  else makes this process subscribe) and before reading the room's ``last_seq``: it returns once Redis
  has confirmed the subscriptions of the room and the user (every joiner waits for them, not only the
  first, and a joiner cancelled meanwhile cancels nobody else's wait: the subscription is the fan-out's
  own task), so nothing committed after that read can be missed. It raises if Redis cannot be reached,
  having registered nothing. ``fanout.leave(room_id, user_id, listener)`` (idempotent, no I/O)
  whenever the socket ends, however it ends.
- ``await fanout.publish({room_id: [message payload, ...]})`` after the transaction committed, in
  commit order.
- ``await fanout.send([(target, event), ...])``: any other event for the chat sockets of a room
  (``room.<id>``: typing, presence, read, banners, call ringing) or of a user (``user.<id>``: logout,
  removal, private notices). ``rooms.writer.publish`` routes events here; chat sockets hold no
  channel-layer channel at all (each one cost a queue, a task and three Redis subscriptions). Local
  sockets are woken before it returns. On the loop that serves sockets (it runs this fan-out's Redis
  reader) the Redis publish follows in the background: one task drains a bounded queue, every event
  waiting at once in one pipeline, in order. On any other loop (a management command, a shell, a signal
  handler through ``async_to_sync``: the loop ends with the call) the publish is awaited, over a
  connection of its own, before ``send`` returns.
- A listener has ``room_id``, ``user_id``, ``session_key``, ``async wake(messages)`` and
  ``async on_event(event)`` (neither may block on I/O; hand slow work to a task), ``position()`` and
  ``reconcile(check)``: after a lost Redis connection and every ``RECONCILE_EVERY`` seconds the sockets
  that were fully connected when the check began are checked against the database (a few queries for
  the whole process, ``rooms.services.room_check``): one whose membership or session is gone closes
  itself; those behind their room's ``last_seq`` are woken with what they missed, fetched once per
  room, not once per socket.
- With no Redis configured (the in-memory channel layer: one process) only local sockets are woken.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections import defaultdict, deque
from collections.abc import Coroutine, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

import redis.asyncio as aioredis
from channels.db import database_sync_to_async
from django.conf import settings

from chatserver.json import dumps

if TYPE_CHECKING:
    from rooms.services import RoomCheck

log = logging.getLogger(__name__)

Payload = dict[str, Any]


_background: set[asyncio.Task[Any]] = set()


def spawn(coro: Coroutine[Any, Any, Any]) -> None:
    """Run a coroutine in the background, keeping a reference until it is done (asyncio keeps only a weak one)."""
    task = asyncio.get_running_loop().create_task(coro)
    _background.add(task)
    task.add_done_callback(_background.discard)


class Listener(Protocol):
    room_id: int
    user_id: int
    session_key: str | None

    async def wake(self, messages: list[Payload]) -> None: ...

    async def on_event(self, event: Payload) -> None: ...

    def position(self) -> int | None:
        """The highest seq it has sent, or None while it is not fully connected (not checked then)."""
        ...

    def reconcile(self, check: RoomCheck) -> bool:
        """Close itself if the check says its membership or session is gone; True if it stays."""
        ...


MESSAGES = "chat.messages"
RECONCILE_EVERY = 30.0  # seconds between checks of this process's sockets against the database (Redis only)
REDIS_TIMEOUT = 5.0
# Events waiting for the Redis publish to other processes. Past it (Redis stalled for long) new events
# are dropped with a warning: their messages are stored, so other processes' sockets fill the gap with
# the room's next message or at their next reconciliation (RECONCILE_EVERY), which also closes sockets
# of removed members and ended sessions. Typing and presence wake-ups so dropped are simply lost.
MAX_QUEUED = 10_000


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


def _targets(room_id: int, user_id: int) -> tuple[str, str]:
    return f"room.{room_id}", f"user.{user_id}"


class Fanout:
    def __init__(self, redis: tuple[str, str] | None) -> None:
        # "room.<id>" / "user.<id>" -> the chat sockets of this process it reaches
        self._local: dict[str, set[Listener]] = {}
        # target -> the task subscribing to it (done once Redis confirmed it; every join waits for it)
        self._subs: dict[str, asyncio.Task[None]] = {}
        # channel -> our SUBSCRIBEs to it not yet confirmed, in the order they were sent
        self._unconfirmed: dict[str, deque[asyncio.Future[None]]] = {}
        self._origin = uuid.uuid4().hex.encode()
        self._url, self._prefix = redis if redis else ("", "")
        self._redis: Any = None
        self._pubsub: Any = None
        self._reader: asyncio.Task[None] | None = None
        self._subscribing = asyncio.Event()  # a SUBSCRIBE was sent: the reader has something to read
        self._sub_lock = asyncio.Lock()
        # the Redis publish to other processes: one task drains the queue, in order
        self._queue: deque[tuple[str, Payload]] = deque()
        self._queued = asyncio.Event()
        self._drainer: asyncio.Task[None] | None = None
        self._dropped = 0
        self._reconciling = False
        self.client_name = f"{self._prefix}-fanout-{self._origin.decode()[:12]}"

    # --- local sockets --------------------------------------------------------------------------

    async def join(self, room_id: int, user_id: int, listener: Listener) -> None:
        """Register a socket; returns once other processes' events for its room and user reach it."""
        for target in _targets(room_id, user_id):
            self._local.setdefault(target, set()).add(listener)
        if not self._url:
            return
        try:
            # Both subscriptions run at once, as the fan-out's own tasks: this joiner being cancelled
            # (its socket went away) cancels no other joiner's wait.
            for task in [self._subscription(target) for target in _targets(room_id, user_id)]:
                await asyncio.shield(task)
        except BaseException:
            self.leave(room_id, user_id, listener)
            raise

    def leave(self, room_id: int, user_id: int, listener: Listener) -> None:
        """Forget a socket (idempotent); a target nobody here needs any more is unsubscribed in the background."""
        for target in _targets(room_id, user_id):
            listeners = self._local.get(target)
            if listeners is None or listener not in listeners:
                continue
            listeners.discard(listener)
            if not listeners:
                del self._local[target]
                if self._url:
                    spawn(self._unsubscribe(target))

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
        """Events for the chat sockets of a room (``room.<id>``) or of a user (``user.<id>``), everywhere.

        Sockets of this process are woken before this returns. On the loop that serves sockets the Redis
        publish for the others is queued (a slow Redis never holds up local delivery); on any other loop
        it is done before this returns, since that loop may end right after (``async_to_sync``)."""
        if not events:
            return
        for target, event in events:
            await self._wake_local(target, event)
        if not self._url:
            return
        if self._serving():
            self._enqueue(events)
        else:
            await self._publish_once(events)

    def _serving(self) -> bool:
        """Whether the running loop is the one this fan-out's Redis reader runs on (it outlives the call)."""
        reader = self._reader
        return reader is not None and not reader.done() and reader.get_loop() is asyncio.get_running_loop()

    def _enqueue(self, events: Sequence[tuple[str, Payload]]) -> None:
        room = MAX_QUEUED - len(self._queue)
        if len(events) > room:
            if not self._dropped:
                log.warning(
                    "fan-out to other processes is %d events behind: dropping new ones until Redis catches "
                    "up (their sockets catch up from the database)",
                    len(self._queue),
                )
            self._dropped += len(events) - max(room, 0)
            events = events[: max(room, 0)]
        self._queue.extend(events)
        self._queued.set()
        if self._drainer is None or self._drainer.done():
            self._drainer = asyncio.get_running_loop().create_task(self._drain(), name="room-fanout-publish")

    async def _drain(self) -> None:
        while True:
            if not self._queue:
                self._queued.clear()
                await self._queued.wait()
                continue
            batch = list(self._queue)
            self._queue.clear()
            await self._publish_batch(self._client(), batch)
            if self._dropped:
                log.warning(
                    "fan-out to other processes dropped %d events while Redis was slow", self._dropped
                )
                self._dropped = 0

    async def _publish_once(self, events: Sequence[tuple[str, Payload]]) -> None:
        """Publish over a connection of its own, closed before returning (for loops that end soon)."""
        redis = aioredis.Redis.from_url(
            self._url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT
        )
        try:
            await self._publish_batch(redis, events)
        finally:
            await redis.aclose()

    async def _publish_batch(self, redis: Any, events: Sequence[tuple[str, Payload]]) -> None:
        try:
            async with redis.pipeline(transaction=False) as pipe:
                for target, event in events:
                    pipe.publish(self._channel(target), self._origin + b" " + dumps(event).encode())
                await pipe.execute()
        except Exception as exc:
            # Messages are stored: other processes' sockets fill the gap with the next one or at their
            # next reconciliation (RECONCILE_EVERY), which also closes sockets of removed members.
            log.warning("fan-out of %d events to other processes failed: %r", len(events), exc)

    # --- Redis ----------------------------------------------------------------------------------

    def _channel(self, target: str) -> str:
        return f"{self._prefix}.fanout.{target}"

    def _client(self) -> Any:
        if self._redis is None:
            # Named, so an operator can tell it apart in CLIENT LIST (and tests can cut it).
            self._redis = aioredis.Redis.from_url(
                self._url,
                client_name=self.client_name,
                socket_timeout=REDIS_TIMEOUT,
                socket_connect_timeout=REDIS_TIMEOUT,
                health_check_interval=30,
            )
            # Subscribe confirmations are read too: a join returns once Redis has its subscription.
            self._pubsub = self._redis.pubsub(ignore_subscribe_messages=False)
        return self._redis

    def _subscription(self, target: str) -> asyncio.Task[None]:
        task = self._subs.get(target)
        if task is None:
            task = asyncio.get_running_loop().create_task(self._subscribe(target), name=f"subscribe {target}")
            self._subs[target] = task
            task.add_done_callback(lambda t: self._subscribe_done(target, t))
        return task

    def _subscribe_done(self, target: str, task: asyncio.Task[None]) -> None:
        # Retrieved here (its joiners may all be gone); a failed subscription is tried again next join.
        if (task.cancelled() or task.exception() is not None) and self._subs.get(target) is task:
            del self._subs[target]

    async def _subscribe(self, target: str) -> None:
        channel = self._channel(target)
        confirmed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        pending: deque[asyncio.Future[None]] | None = None
        try:
            async with self._sub_lock:
                self._client()
                if self._reader is None or self._reader.done():
                    self._reader = asyncio.get_running_loop().create_task(self._read(), name="room-fanout")
                pending = self._unconfirmed.setdefault(channel, deque())
                pending.append(confirmed)
                await self._pubsub.subscribe(channel)
                self._subscribing.set()
            # Sending it is not enough: Redis orders one connection's commands, not ours against another
            # process's PUBLISH. Its confirmation (read by _read) says that publishes from now on reach us.
            await asyncio.wait_for(confirmed, REDIS_TIMEOUT)
        finally:
            if pending is not None:
                with contextlib.suppress(ValueError):
                    pending.remove(confirmed)
                if not pending and self._unconfirmed.get(channel) is pending:
                    del self._unconfirmed[channel]

    def _confirm(self, channel: str) -> None:
        pending = self._unconfirmed.get(channel)
        while pending:
            confirmed = pending.popleft()
            if not confirmed.done():
                confirmed.set_result(None)
                return

    async def _unsubscribe(self, target: str) -> None:
        async with self._sub_lock:
            if target in self._local or self._pubsub is None:  # somebody joined again meanwhile, or closed
                return
            if self._subs.pop(target, None) is None:  # never subscribed (it failed)
                return
            try:
                await self._pubsub.unsubscribe(self._channel(target))
            except Exception as exc:
                log.warning("unsubscribing from %s failed: %r", target, exc)

    async def _read(self) -> None:
        skip = len(f"{self._prefix}.fanout.")
        lost = False
        loop = asyncio.get_running_loop()
        next_check = loop.time() + RECONCILE_EVERY
        while True:
            if loop.time() >= next_check:
                next_check = loop.time() + RECONCILE_EVERY
                spawn(self.reconcile())
            try:
                if not self._pubsub.subscribed:
                    self._subscribing.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._subscribing.wait(), 1.0)
                    continue
                message = await self._pubsub.get_message(timeout=1.0)
                if lost:  # back after a broken connection (redis-py re-subscribed): catch up now
                    lost = False
                    spawn(self.reconcile())
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if not lost:
                    log.warning("room fan-out lost its Redis connection: %r", exc)
                lost = True
                await asyncio.sleep(0.5)
                continue
            if message is None:
                continue
            kind = message["type"]
            if kind == "subscribe":
                self._confirm(message["channel"].decode())
                continue
            if kind != "message":
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

    # --- reconciliation -------------------------------------------------------------------------

    async def reconcile(self) -> None:
        """Check the sockets of this process against the database: a socket whose membership or session is
        gone is closed, sockets behind their room's ``last_seq`` get what they missed (fetched once per
        room). Run after a lost Redis connection and every RECONCILE_EVERY seconds (wake-ups, removals and
        logouts can be lost); one at a time (a call while one runs returns at once)."""
        if self._reconciling:
            return
        self._reconciling = True
        try:
            await self._reconcile()
        finally:
            self._reconciling = False

    async def _reconcile(self) -> None:
        from rooms import services  # Django models: imported late, like the consumers' services

        # Only the sockets fully connected now. One still connecting makes its own checks, possibly after
        # these queries ran: judged by them it could be closed for a membership granted meanwhile.
        everyone = [
            listener
            for listener in {listener for listeners in self._local.values() for listener in listeners}
            if listener.position() is not None
        ]
        if not everyone:
            return
        try:
            check = await database_sync_to_async(services.room_check)(
                {(listener.room_id, listener.user_id) for listener in everyone},
                {listener.session_key for listener in everyone if listener.session_key},
            )
        except Exception as exc:
            log.warning("reconciling %d sockets failed: %r", len(everyone), exc)
            return
        behind: dict[int, list[Listener]] = defaultdict(list)
        for listener in everyone:
            try:
                if not listener.reconcile(check):
                    continue
            except Exception:
                log.exception("reconciling a socket of room %s failed", listener.room_id)
                continue
            position = listener.position()
            last = check.last_seqs.get(listener.room_id)
            if position is not None and last is not None and last > position:
                behind[listener.room_id].append(listener)
        if behind:
            await self._catch_up(behind, check.last_seqs)

    async def _catch_up(self, behind: Mapping[int, list[Listener]], last_seqs: Mapping[int, int]) -> None:
        """Wake the sockets behind with what they missed: one fetch for all their rooms, page by page."""
        from rooms import services

        page = settings.CHAT_HISTORY_PAGE
        todo: dict[int, tuple[int, int]] = {}
        for room_id, listeners in behind.items():
            positions = [p for listener in listeners if (p := listener.position()) is not None]
            if positions:
                todo[room_id] = (min(positions), last_seqs[room_id])
        while todo:
            ranges = {room: (after, min(last, after + page)) for room, (after, last) in todo.items()}
            try:
                fetched = await database_sync_to_async(services.messages_in_ranges)(ranges)
            except Exception as exc:
                log.warning("catching up %d rooms failed: %r", len(ranges), exc)
                return
            for room_id, messages in fetched.items():
                if not messages:
                    continue
                for listener in behind[room_id]:
                    position = listener.position()
                    if position is None or position >= messages[-1]["seq"]:
                        continue  # gone, or has the whole page already
                    try:
                        await listener.wake(messages)  # it skips what it has, in turn with the rest
                    except Exception:
                        log.exception("catching up a socket of room %s failed", room_id)
            todo = {room: (upto, todo[room][1]) for room, (_, upto) in ranges.items() if upto < todo[room][1]}

    async def close(self) -> None:
        """Stop reading, subscribing and publishing (events still queued are dropped); close Redis."""
        tasks = [t for t in (self._reader, self._drainer, *self._subs.values()) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._reader = self._drainer = None
        self._subs.clear()
        self._unconfirmed.clear()
        self._queue.clear()
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
