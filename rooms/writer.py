"""The batching message writer: persist first, then acknowledge and broadcast.

One writer per server process (per event loop). Consumers ``await writer.submit(item)``; the writer
gathers whatever is waiting into one transaction (``rooms.services.store_batch``) on its own database
thread, resolves each sender's future with the stored message, then publishes one wake-up event per
room. A socket therefore never hears of a message that is not yet in the database, and one process
stores thousands of messages a second instead of the ~300/s of one awaited insert per message
(../shared/notes/performance.md).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from channels.layers import get_channel_layer
from django import db

from rooms.services import BatchOutcome, SendItem, StoreResult, store_batch

log = logging.getLogger(__name__)

MAX_BATCH = 500

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

    async def submit(self, item: SendItem) -> StoreResult:
        fut: asyncio.Future[StoreResult] = self._loop.create_future()
        self._pending.append((item, fut))
        self._wakeup.set()
        if self._task is None or self._task.done():
            self._task = self._loop.create_task(self._run(), name="chat-writer")
        return await fut

    async def _run(self) -> None:
        layer = get_channel_layer()
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            while self._pending:
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
                for (_, fut), result in zip(batch, outcome.results, strict=True):
                    if not fut.done():
                        fut.set_result(result)
                if outcome.events:
                    await publish(outcome.events, layer)


async def publish(events: list[tuple[str, dict[str, Any]]], layer: Any = None) -> None:
    """Send (group, event) pairs after their transaction committed; a failed send is logged, not raised."""
    layer = layer or get_channel_layer()
    if layer is None or not events:
        return
    results = await asyncio.gather(
        *(layer.group_send(group, event) for group, event in events), return_exceptions=True
    )
    for (group, _), res in zip(events, results, strict=True):
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
