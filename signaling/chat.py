"""Calls on the chat socket: declining a ringing call from the room page (rooms.consumers delegates here)."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async

from rooms.protocol import ProtocolError
from rooms.writer import publish
from signaling import services

_decline = database_sync_to_async(services.decline_call)


async def decline(consumer: Any, call_id: int | None) -> None:
    try:
        call, events = await _decline(consumer.scope["user"], consumer.room_id, call_id)
    except services.CallError as err:
        await publish(err.events)
        raise ProtocolError(err.code, err.detail) from None
    await publish(events)
    await consumer.send_frame({"type": "call.declined", "call": call})
