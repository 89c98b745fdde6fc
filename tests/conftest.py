"""The cast (hc/test.py style): Maya (mentee) and Sam (mentor) share a pair room; Leo and Ana share
another; all four are in the Tuesday workshop; Riley is a moderator; Charlie has no room at all."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client

from chatserver.asgi import application
from rooms.models import Membership, Room

ORIGIN = (b"origin", b"http://127.0.0.1:8000")


@dataclass
class Cast:
    maya: Any
    sam: Any
    leo: Any
    ana: Any
    riley: Any
    charlie: Any
    pair: Room
    other_pair: Room
    workshop: Room


def make_cast() -> Cast:
    User = get_user_model()

    def user(name: str) -> Any:
        return User.objects.create_user(name, password="pw-" + name, first_name=name.title())

    maya, sam, leo, ana, riley, charlie = (user(n) for n in ("maya", "sam", "leo", "ana", "riley", "charlie"))
    riley.is_staff = True
    riley.save()
    riley.user_permissions.add(Permission.objects.get(codename="moderate_conversations"))
    pair = Room.objects.create(name="Maya & Sam", kind="pair")
    other_pair = Room.objects.create(name="Leo & Ana", kind="pair")
    workshop = Room.objects.create(name="Tuesday workshop", kind="group")
    for room, members in (
        (pair, [(maya, "mentee"), (sam, "mentor")]),
        (other_pair, [(leo, "mentee"), (ana, "mentor")]),
        (workshop, [(maya, "mentee"), (leo, "mentee"), (sam, "mentor"), (ana, "mentor")]),
    ):
        for u, role in members:
            Membership.objects.create(room=room, user=u, role=role)
    return Cast(maya, sam, leo, ana, riley, charlie, pair, other_pair, workshop)


@pytest.fixture
def cast(transactional_db: None) -> Cast:
    return make_cast()


def session_cookie(user: Any) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


class Socket:
    """A test client for the chat socket: send frames, receive frames, skip ones we don't care about."""

    state: dict[str, Any]
    snapshot: list[dict[str, Any]]

    def __init__(self, comm: WebsocketCommunicator) -> None:
        self.comm = comm

    async def send(self, frame: dict[str, Any]) -> None:
        await self.comm.send_json_to(frame)

    async def send_text(self, text: str) -> None:
        await self.comm.send_to(text_data=text)

    async def recv(self, timeout: float = 3) -> dict[str, Any]:
        return await self.comm.receive_json_from(timeout=timeout)

    async def recv_type(self, *types: str, timeout: float = 3) -> dict[str, Any]:
        """The next frame of one of these types, skipping presence/typing/read noise."""
        while True:
            frame = await self.recv(timeout)
            if frame["type"] in types:
                return frame

    async def silent(self, timeout: float = 0.2) -> bool:
        return await self.comm.receive_nothing(timeout=timeout)

    async def close(self) -> None:
        await self.comm.disconnect()


async def open_socket(
    user: Any | None, path: str, *, origin: tuple[bytes, bytes] | None = ORIGIN
) -> tuple[Socket, bool, int | None]:
    headers = []
    if origin is not None:
        headers.append(origin)
    if user is not None:
        cookie = await database_sync_to_async(session_cookie)(user)
        headers.append((b"cookie", cookie))
    comm = WebsocketCommunicator(application, path, headers=headers)
    connected, code = await comm.connect(timeout=5)
    return Socket(comm), connected, code


@pytest.fixture
async def connect() -> AsyncIterator[Any]:
    """``await connect(user, room)`` → a connected Socket, its room.state already read."""
    opened: list[Socket] = []

    async def _connect(user: Any, room: Room, query: str = "") -> Socket:
        sock, ok, _ = await open_socket(user, f"/ws/rooms/{room.pk}/{query}")
        assert ok, "handshake refused"
        opened.append(sock)
        state = await sock.recv()
        assert state["type"] == "room.state", state
        sock.state = state
        return sock

    yield _connect
    for sock in opened:
        try:
            await sock.close()
        except Exception:
            pass
