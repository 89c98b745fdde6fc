"""The signaling socket's client frames: parse and validate, with no Django and no I/O.

``parse_frame(text, ...)`` turns one websocket text frame into a typed frame or raises
``ProtocolError`` with an error ``code`` of docs/calls.md. Unknown fields are refused. A signal's
``data`` is opaque to the server (SDP, ICE candidates, anything the clients agree on) but bounded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from chatserver.frames import FieldSpec, ProtocolError, parse_envelope

MAX_PEER_ID = 64
MAX_TOKEN = 128


@dataclass(frozen=True, slots=True)
class JoinFrame:
    resume: str | None


@dataclass(frozen=True, slots=True)
class LeaveFrame:
    pass


@dataclass(frozen=True, slots=True)
class DeclineFrame:
    call_id: int | None


@dataclass(frozen=True, slots=True)
class SignalFrame:
    to: str
    data: dict[str, Any]


Frame = JoinFrame | LeaveFrame | DeclineFrame | SignalFrame

# type -> (required fields, optional fields)
_FIELDS: Final[FieldSpec] = {
    "call.join": (frozenset({"type"}), frozenset({"resume"})),
    "call.leave": (frozenset({"type"}), frozenset()),
    "call.decline": (frozenset({"type"}), frozenset({"call_id"})),
    "signal": (frozenset({"type", "to", "data"}), frozenset()),
}
CLIENT_TYPES: Final = tuple(_FIELDS)


def _short_string(value: Any, name: str, limit: int) -> str:
    if not isinstance(value, str) or not value or len(value) > limit or not value.isprintable():
        raise ProtocolError("bad_frame", f"'{name}' must be a non-empty string of at most {limit} characters")
    return value


def _oversize_sdp(value: Any, limit: int, depth: int = 0) -> bool:
    """True if any ``sdp`` string in ``value`` (objects and arrays, a few levels deep) is over ``limit``."""
    if depth > 4:
        return False
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "sdp" and isinstance(item, str) and len(item.encode("utf-8", "surrogatepass")) > limit:
                return True
            if isinstance(item, dict | list) and _oversize_sdp(item, limit, depth + 1):
                return True
    elif isinstance(value, list):
        return any(_oversize_sdp(item, limit, depth + 1) for item in value)
    return False


def parse_frame(text: str | None, *, max_frame_bytes: int, max_sdp_bytes: int) -> Frame:
    kind, data = parse_envelope(text, _FIELDS, max_frame_bytes=max_frame_bytes)
    if kind == "call.join":
        resume = data.get("resume")
        return JoinFrame(resume=None if resume is None else _short_string(resume, "resume", MAX_TOKEN))
    if kind == "call.leave":
        return LeaveFrame()
    if kind == "call.decline":
        call_id = data.get("call_id")
        if call_id is not None and (isinstance(call_id, bool) or not isinstance(call_id, int) or call_id < 1):
            raise ProtocolError("bad_frame", "'call_id' must be a positive integer")
        return DeclineFrame(call_id=call_id)
    to = _short_string(data["to"], "to", MAX_PEER_ID)
    payload = data["data"]
    if not isinstance(payload, dict):
        raise ProtocolError("bad_frame", "'data' must be a JSON object")
    if _oversize_sdp(payload, max_sdp_bytes):
        raise ProtocolError("too_long", f"an 'sdp' in 'data' is larger than {max_sdp_bytes} bytes")
    return SignalFrame(to=to, data=payload)
