"""The batching message writer: persist first, then acknowledge and broadcast.

One writer per server process (per event loop). Consumers ``await writer.submit(item)``; the writer
gathers whatever is waiting into one transaction (``rooms.services.store_batch``) on its own database
thread, resolves each sender's future with the stored message, then wakes the room's sockets through
``rooms.fanout`` (directly in this process, over Redis in the others). A socket therefore never hears of a message that is not yet in the database, and one process
stores thousands of messages a second instead of the ~300/s of one awaited insert per message
(../shared/notes/performance.md).
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict, deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from channels.layers import get_channel_layer
from django import db

from rooms.fanout import get_fanout, target_of
from rooms.services import BatchOutcome, Payload, SendItem, StoreResult, store_batch

log = logging.getLogger(__name__)

MAX_BATCH = 500
LINGER = 0.002  # seconds a small batch waits for company
LINGER_UNTIL = 32  # ...unless this many messages are already waiting
RECENT_PER_ROOM = 32
RECENT_ROOMS = 10_000

# One thread owns the writer's database connection for the life of the process.
_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chat-writer")


def _store_in_thread(items: list[SendItem]) -> BatchOutcome:
    db.close_old_connections()
    try:
        return store_batch(items)
    except Exception:
        # A broken connection must not poison the next batch.
        db.connections.close_all()
        raise


class BatchWriter:
    def __init__(self, store: Callable[[list[SendItem]], BatchOutcome] = _store_in_thread) -> None:
        self._store = store
        self._loop = asyncio.get_running_loop()
        self._pending: list[tuple[SendItem, asyncio.Future[StoreResult]]] = []
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        # The last messages this process stored, per room, so that a socket whose acknowledgement
        # overtakes the broadcast of an earlier message fills the gap without a query.
        self._recent: OrderedDict[int, deque[Payload]] = OrderedDict()

    def recent(self, room_id: int, after: int, until: int) -> list[Payload] | None:
        """Messages after < seq <= until of a room if this process stored all of them recently, else None."""
        kept = self._recent.get(room_id)
        if not kept or kept[0]["seq"] > after + 1:
            return None
        out = [m for m in kept if after < m["seq"] <= until]
        return out if len(out) == until - after else None

    def _remember(self, message: Payload) -> None:
        kept = self._recent.get(message["room"])
        if kept is None:
            kept = self._recent[message["room"]] = deque(maxlen=RECENT_PER_ROOM)
            if len(self._recent) > RECENT_ROOMS:
                self._recent.popitem(last=False)
        else:
            self._recent.move_to_end(message["room"])
            if kept and kept[-1]["seq"] != message["seq"] - 1:
                kept.clear()  # another process stored the ones between: keep runs contiguous
        kept.append(message)

    async def submit(self, item: SendItem) -> StoreResult:
        fut: asyncio.Future[StoreResult] = self._loop.create_future()
        self._pending.append((item, fut))
        self._wakeup.set()
        if self._task is None or self._task.done():
            self._task = self._loop.create_task(self._run(), name="chat-writer")
        return await fut

    async def _run(self) -> None:
        layer = get_channel_layer()
        publishing: asyncio.Task[None] | None = None
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            while self._pending:
                if len(self._pending) < LINGER_UNTIL:
                    # A batch has a fixed cost of ~0.6 ms (five queries, a commit, a thread hop): let a
                    # few more messages join it. 2 ms is small against the 100 ms budget.
                    await asyncio.sleep(LINGER)
                batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
                items = [item for item, _ in batch]
                try:
                    outcome = await self._loop.run_in_executor(_executor, self._store, items)
                except Exception as exc:
                    log.exception("storing a batch of %d messages failed", len(items))
                    for _, fut in batch:
                        if not fut.done():
                            fut.set_exception(exc)
                    continue
                for result in outcome.results:
                    if result.created and result.message is not None:
                        self._remember(result.message)
                for (_, fut), result in zip(batch, outcome.results, strict=True):
                    if not fut.done():
                        fut.set_result(result)
                if outcome.rooms or outcome.events:
                    # Publish in the background, after the previous batch's publish (same order), so
                    # the next transaction starts now instead of after the Redis round trips.
                    publishing = self._loop.create_task(_publish_after(publishing, outcome, layer))


async def _publish_after(previous: asyncio.Task[None] | None, outcome: BatchOutcome, layer: Any) -> None:
    if previous is not None:
        await previous
    await get_fanout().publish(outcome.rooms)
    await publish(outcome.events, layer)


_LAYER_USER_EVENTS = frozenset({"session.ended", "membership.revoked"})


async def publish(events: list[tuple[str, dict[str, Any]]], layer: Any = None) -> None:
    """Send (group, event) pairs after their transaction committed; a failed send is logged, not raised.

    ``room.<id>`` events go to the chat sockets through ``rooms.fanout``; ``user.<id>`` events to the
    chat sockets through it and to the user's other sockets (calls, staff) through the channel layer;
    anything else (e.g. the staff group) through the channel layer.
    """
    if not events:
        return
    fanned = [(target, event) for group, event in events if (target := target_of(group))]
    # Room events have no other listener; of user events, the call and staff sockets want these.
    layered = [(g, e) for g, e in events if not target_of(g) or e["type"] in _LAYER_USER_EVENTS]
    if fanned:
        await get_fanout().send(fanned)
    layer = layer or get_channel_layer()
    if layer is None or not layered:
        return
    results = await asyncio.gather(
        *(layer.group_send(group, event) for group, event in layered), return_exceptions=True
    )
    for (group, _), res in zip(layered, results, strict=True):
        if isinstance(res, BaseException):
            # The database holds the message; clients find the gap by seq and fill it.
            log.warning("broadcast to %s failed: %r", group, res)


_writers: dict[asyncio.AbstractEventLoop, BatchWriter] = {}


def get_writer() -> BatchWriter:
    loop = asyncio.get_running_loop()
    writer = _writers.get(loop)
    if writer is None:
        for old in [lp for lp in _writers if lp.is_closed()]:
            del _writers[old]
        writer = _writers[loop] = BatchWriter()
    return writer
