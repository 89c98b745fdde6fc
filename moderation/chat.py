"""Moderation hooks called by the chat consumer (reports, help requests, after-send notices)."""

from __future__ import annotations

from typing import Any

from rooms.protocol import HelpFrame, ProtocolError, ReportFrame


async def after_send(consumer: Any, message: dict[str, Any], *, created: bool) -> None:
    return None


async def report(consumer: Any, frame: ReportFrame) -> None:
    raise ProtocolError("unknown_type", "reporting is not available yet")


async def help_request(consumer: Any, frame: HelpFrame) -> None:
    raise ProtocolError("unknown_type", "help requests are not available yet")
