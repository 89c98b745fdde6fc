"""The staff feed ``/ws/moderation/`` (docs/protocol.md): live flags and staff actions. Transport only."""

from __future__ import annotations

import json
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from chatserver.json import dumps
from moderation import services
from moderation.access import is_moderator
from moderation.workflow import IllegalAction
from rooms.services import user_group
from rooms.writer import publish

_queue = database_sync_to_async(services.queue)
_act = database_sync_to_async(services.act)
_conversation = database_sync_to_async(services.conversation_for_review)
_detail = database_sync_to_async(services.flag_detail)
_is_moderator = database_sync_to_async(is_moderator)

MAX_FRAME = 16384
_FIELDS = {
    "flag.action": ({"type", "flag_id", "action"}, {"note", "assignee"}),
    "conversation.open": ({"type", "flag_id"}, {"reason"}),
    "flag.detail": ({"type", "flag_id"}, set()),
}


class StaffError(Exception):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code, self.detail = code, detail


def _parse(text: str | None) -> dict[str, Any]:
    if text is None:
        raise StaffError("bad_frame", "binary frames are not accepted: send JSON text frames")
    if len(text) > MAX_FRAME:
        raise StaffError("too_long", f"frame is larger than {MAX_FRAME} bytes")
    try:
        data = json.loads(text)
    except ValueError:
        raise StaffError("bad_json", "frame is not valid JSON") from None
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        raise StaffError("bad_frame", "frame must be a JSON object with a string 'type'")
    spec = _FIELDS.get(data["type"])
    if spec is None:
        raise StaffError("unknown_type", f"unknown type; expected one of {', '.join(_FIELDS)}")
    required, optional = spec
    if required - set(data):
        raise StaffError("bad_frame", f"missing field(s): {', '.join(sorted(required - set(data)))}")
    if set(data) - required - optional:
        raise StaffError(
            "bad_frame", f"unknown field(s): {', '.join(sorted(set(data) - required - optional))}"
        )
    flag_id = data["flag_id"]
    if isinstance(flag_id, bool) or not isinstance(flag_id, int):
        raise StaffError("bad_frame", "'flag_id' must be an integer")
    for name in ("note", "reason", "action"):
        if name in data and not isinstance(data[name], str):
            raise StaffError("bad_frame", f"'{name}' must be a string")
    assignee = data.get("assignee")
    if assignee is not None and (isinstance(assignee, bool) or not isinstance(assignee, int)):
        raise StaffError("bad_frame", "'assignee' must be a user id or null")
    return data


class ModerationConsumer(AsyncWebsocketConsumer):
    groups_joined = False

    async def connect(self) -> None:
        await self.accept()
        user = self.scope["user"]
        if not user.is_authenticated:
            await self.close(code=4401)
            return
        if not await _is_moderator(user):
            await self.close(code=4403)
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
        except StaffError as err:
            await self._send({"type": "error", "code": err.code, "detail": err.detail})
        except IllegalAction as err:
            await self._send({"type": "error", "code": err.code, "detail": err.detail})
        except LookupError:
            await self._send({"type": "error", "code": "not_found", "detail": "no such flag"})
        except services.Forbidden:
            await self._send({"type": "error", "code": "forbidden", "detail": "you may no longer moderate"})

    async def staff_event(self, event: dict[str, Any]) -> None:
        await self._send(event["frame"])

    async def session_ended(self, event: dict[str, Any]) -> None:
        session = self.scope.get("session")
        if event.get("session") in (None, getattr(session, "session_key", None)):
            await self.close(code=4401)

    async def _send(self, frame: dict[str, Any]) -> None:
        await self.send(text_data=dumps(frame))
