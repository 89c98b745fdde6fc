"""The staff feed ``/ws/moderation/`` (docs/protocol.md): live flags and staff actions. Transport only."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from chatserver.frames import FieldSpec, ProtocolError, parse_envelope
from chatserver.json import dumps
from moderation import services
from moderation.access import is_moderator
from moderation.workflow import IllegalAction
from rooms.access import CLOSE_FORBIDDEN, CLOSE_NOT_LOGGED_IN, ended_here
from rooms.services import user_group
from rooms.writer import publish

_queue = database_sync_to_async(services.queue)
_act = database_sync_to_async(services.act)
_conversation = database_sync_to_async(services.conversation_for_review)
_detail = database_sync_to_async(services.flag_detail)
_is_moderator = database_sync_to_async(is_moderator)

MAX_FRAME = 16384
_FIELDS: FieldSpec = {
    "flag.action": (frozenset({"type", "flag_id", "action"}), frozenset({"note", "assignee"})),
    "conversation.open": (frozenset({"type", "flag_id"}), frozenset({"reason"})),
    "flag.detail": (frozenset({"type", "flag_id"}), frozenset()),
}


def _parse(text: str | None) -> dict[str, Any]:
    _, data = parse_envelope(text, _FIELDS, max_frame_bytes=MAX_FRAME)
    flag_id = data["flag_id"]
    if isinstance(flag_id, bool) or not isinstance(flag_id, int):
        raise ProtocolError("bad_frame", "'flag_id' must be an integer")
    for name in ("note", "reason", "action"):
        if name in data and not isinstance(data[name], str):
            raise ProtocolError("bad_frame", f"'{name}' must be a string")
    assignee = data.get("assignee")
    if assignee is not None and (isinstance(assignee, bool) or not isinstance(assignee, int)):
        raise ProtocolError("bad_frame", "'assignee' must be a user id or null")
    return data


class ModerationConsumer(AsyncWebsocketConsumer):
    groups_joined = False

    async def connect(self) -> None:
        await self.accept()
        user = self.scope["user"]
        if not user.is_authenticated:
            await self.close(code=CLOSE_NOT_LOGGED_IN)
            return
        if not await _is_moderator(user):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.user = user
        self.groups = [services.STAFF_GROUP, user_group(user.pk)]
        for group in self.groups:
            await self.channel_layer.group_add(group, self.channel_name)
        self.groups_joined = True
        await self._send({"type": "flags.snapshot", "flags": await _queue()})

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        try:
            data = _parse(text_data)
            kind = data["type"]
            if kind == "flag.action":
                payload, event = await _act(
                    self.user, data["flag_id"], data["action"], data.get("note", ""), data.get("assignee")
                )
                await publish([event])
            elif kind == "conversation.open":
                convo = await _conversation(self.user, data["flag_id"], data.get("reason", ""))
                await self._send({"type": "conversation", **convo})
            else:
                await self._send({"type": "flag.detail", "flag": await _detail(self.user, data["flag_id"])})
        except ProtocolError as err:
            await self._send(err.frame())
        except IllegalAction as err:
            await self._send({"type": "error", "code": err.code, "detail": err.detail})
        except LookupError:
            await self._send({"type": "error", "code": "not_found", "detail": "no such flag"})
        except services.Forbidden:
            await self._send({"type": "error", "code": "forbidden", "detail": "you may no longer moderate"})

    async def staff_event(self, event: dict[str, Any]) -> None:
        await self._send(event["frame"])

    async def membership_revoked(self, event: dict[str, Any]) -> None:
        """A room membership of this staff user ended: nothing to do on the moderation socket."""

    async def session_ended(self, event: dict[str, Any]) -> None:
        if ended_here(self.scope, event):
            await self.close(code=CLOSE_NOT_LOGGED_IN)

    async def _send(self, frame: dict[str, Any]) -> None:
        await self.send(text_data=dumps(frame))
