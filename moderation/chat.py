"""Moderation on the chat socket: reports, help requests, and notices shown again on (re)connect.

Called by rooms.consumers.RoomConsumer; the logic lives in moderation.services.
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async

from moderation import services
from rooms.protocol import HelpFrame, ProtocolError, ReportFrame
from rooms.writer import publish

_report = database_sync_to_async(services.report_message)
_help = database_sync_to_async(services.request_help)
_notices = database_sync_to_async(services.notices_on_connect)


async def report(consumer: Any, frame: ReportFrame) -> None:
    try:
        reply, events = await _report(consumer.user_id, consumer.room_id, frame.message_id, frame.reason)
    except LookupError:
        raise ProtocolError("forbidden", "there is no such message in this room") from None
    await consumer.send_frame(reply)
    await publish(events)


async def help_request(consumer: Any, frame: HelpFrame) -> None:
    reply, events = await _help(consumer.user_id, consumer.room_id, frame.note)
    await consumer.send_frame(reply)
    await publish(events)


async def notices(consumer: Any) -> list[dict[str, Any]]:
    frames: list[dict[str, Any]] = await _notices(consumer.user_id, consumer.room_id, consumer.member["role"])
    return frames
