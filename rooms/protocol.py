"""The chat socket's client frames: parse and validate, with no Django and no I/O.

``parse_frame(text)`` turns one websocket text frame into a typed frame or raises ``ProtocolError``
with the error ``code`` of docs/protocol.md. Unknown fields are refused, so a client with a typo
learns of it at once instead of having a field silently ignored.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Final

from chatserver.frames import FieldSpec, ProtocolError, parse_envelope

MAX_CLIENT_ID = 64


@dataclass(frozen=True, slots=True)
class SendFrame:
    client_id: str
    body: str


@dataclass(frozen=True, slots=True)
class SyncFrame:
    after: int


@dataclass(frozen=True, slots=True)
class TypingFrame:
    active: bool


@dataclass(frozen=True, slots=True)
class ReadFrame:
    seq: int


@dataclass(frozen=True, slots=True)
class ReportFrame:
    message_id: int
    reason: str


@dataclass(frozen=True, slots=True)
class HelpFrame:
    note: str


@dataclass(frozen=True, slots=True)
class CallDeclineFrame:
    call_id: int | None


Frame = SendFrame | SyncFrame | TypingFrame | ReadFrame | ReportFrame | HelpFrame | CallDeclineFrame

# type -> (required fields, optional fields)
_FIELDS: Final[FieldSpec] = {
    "message.send": (frozenset({"type", "client_id", "body"}), frozenset()),
    "sync": (frozenset({"type", "after"}), frozenset()),
    "typing": (frozenset({"type", "active"}), frozenset()),
    "read": (frozenset({"type", "seq"}), frozenset()),
    "message.report": (frozenset({"type", "message_id"}), frozenset({"reason"})),
    "help.request": (frozenset({"type"}), frozenset({"note"})),
    "call.decline": (frozenset({"type"}), frozenset({"call_id"})),
}
CLIENT_TYPES: Final = tuple(_FIELDS)


def _seq(value: Any, name: str) -> int:
    # bool is an int in Python: refuse it explicitly.
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ProtocolError("bad_frame", f"'{name}' must be a non-negative integer")
    return value


def _client_id(value: Any) -> str:
    if not isinstance(value, str) or not value or len(value) > MAX_CLIENT_ID or not value.isprintable():
        raise ProtocolError(
            "bad_frame", f"'client_id' must be a non-empty string of at most {MAX_CLIENT_ID} characters"
        )
    return value


def parse_frame(text: str | None, *, max_frame_bytes: int, max_body_chars: int) -> Frame:
    kind, data = parse_envelope(text, _FIELDS, max_frame_bytes=max_frame_bytes, echo_client_id=True)
    if kind == "message.send":
        cid = _client_id(data["client_id"])
        body = data["body"]
        if not isinstance(body, str):
            raise ProtocolError("bad_frame", "'body' must be a string", cid)
        if not body.strip():
            raise ProtocolError("empty", "message body is empty", cid)
        if len(body) > max_body_chars:
            raise ProtocolError("too_long", f"message body is longer than {max_body_chars} characters", cid)
        if "\x00" in body:
            raise ProtocolError("bad_frame", "message body contains a NUL character", cid)
        return SendFrame(client_id=cid, body=body)
    if kind == "sync":
        return SyncFrame(after=_seq(data["after"], "after"))
    if kind == "typing":
        if not isinstance(data["active"], bool):
            raise ProtocolError("bad_frame", "'active' must be true or false")
        return TypingFrame(active=data["active"])
    if kind == "read":
        return ReadFrame(seq=_seq(data["seq"], "seq"))
    if kind == "message.report":
        reason = data.get("reason", "")
        if not isinstance(reason, str) or len(reason) > 1000:
            raise ProtocolError("bad_frame", "'reason' must be a string of at most 1000 characters")
        return ReportFrame(message_id=_seq(data["message_id"], "message_id"), reason=reason)
    if kind == "call.decline":
        call_id = data.get("call_id")
        return CallDeclineFrame(call_id=None if call_id is None else _seq(call_id, "call_id"))
    note = data.get("note", "")
    if not isinstance(note, str) or len(note) > 1000:
        raise ProtocolError("bad_frame", "'note' must be a string of at most 1000 characters")
    return HelpFrame(note=note)


def new_client_id() -> str:
    return str(uuid.uuid4())


__all__ = ["CLIENT_TYPES", "Frame", "ProtocolError", "parse_frame"]
