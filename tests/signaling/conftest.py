"""Helpers for the signaling tests: signaling sockets in process, a snapshot of the calls tables, and
the process-local timers cancelled after each test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from channels.db import database_sync_to_async

from signaling import timers
from signaling.models import Call, CallDecline, CallParticipant
from tests.conftest import Socket, open_socket


class CallSocket(Socket):
    """A signaling socket ``/ws/rooms/<id>/call/``; ``state`` is the ``call.state`` read on connect."""

    state: dict[str, Any]

    async def join(self, resume: str | None = None) -> dict[str, Any]:
        frame: dict[str, Any] = {"type": "call.join"}
        if resume is not None:
            frame["resume"] = resume
        await self.send(frame)
        reply = await self.recv_type("call.joined", "error")
        assert reply["type"] == "call.joined", reply
        return reply

    async def error(self) -> dict[str, Any]:
        return await self.recv_type("error")

    async def signal(self, to: str, data: dict[str, Any]) -> None:
        await self.send({"type": "signal", "to": to, "data": data})


@pytest.fixture
async def calls() -> AsyncIterator[Any]:
    """``await calls(user, room)`` → a connected CallSocket with its ``call.state`` read."""
    opened: list[CallSocket] = []

    async def _open(user: Any, room: Any) -> CallSocket:
        sock, ok, _ = await open_socket(user, f"/ws/rooms/{room.pk}/call/")
        assert ok, "handshake refused"
        call_sock = CallSocket(sock.comm)
        opened.append(call_sock)
        state = await call_sock.recv()
        assert state["type"] == "call.state", state
        call_sock.state = state
        return call_sock

    yield _open
    for sock in opened:
        try:
            await sock.close()
        except Exception:
            pass


@pytest.fixture(autouse=True)
async def _no_leftover_timers() -> AsyncIterator[None]:
    yield
    await timers.cancel_all()


@database_sync_to_async
def snapshot() -> tuple[list[Any], list[Any], list[Any]]:
    """Everything about calls that a refused frame must leave as it was (liveness marks excluded)."""
    return (
        list(Call.objects.order_by("id").values_list("id", "state", "outcome", "answered_at", "ended_at")),
        list(
            CallParticipant.objects.order_by("id").values_list(
                "id", "peer_id", "channel_name", "left_at", "left_reason", "disconnected_at"
            )
        ),
        list(CallDecline.objects.order_by("id").values_list("id", "call_id", "user_id")),
    )


@database_sync_to_async
def get_call(call_id: int) -> Call:
    return Call.objects.get(pk=call_id)


@database_sync_to_async
def participants(call_id: int) -> list[tuple[str, str | None]]:
    return [
        (p.user.get_username(), p.left_reason or None)
        for p in CallParticipant.objects.filter(call_id=call_id).select_related("user").order_by("id")
    ]
