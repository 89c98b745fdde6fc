"""The envelope every socket of ours shares, with no Django and no I/O.

``parse_envelope(text, fields, ...)`` turns one websocket text frame into ``(type, object)`` or raises
``ProtocolError`` with the codes of docs/protocol.md: a binary frame, an oversize frame, bad JSON
(NaN and Infinity included), a non-object, a missing or unknown ``type``, missing or unknown fields.
Each socket then checks the values of its own frame types.
"""

from __future__ import annotations

import json
from typing import Any

# type -> (required fields, optional fields); "type" itself is among the required ones.
FieldSpec = dict[str, tuple[frozenset[str], frozenset[str]]]


class ProtocolError(Exception):
    def __init__(self, code: str, detail: str, client_id: str | None = None) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.client_id = client_id

    def frame(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "error", "code": self.code, "detail": self.detail}
        if self.client_id is not None:
            out["client_id"] = self.client_id
        return out


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_envelope(
    text: str | None, fields: FieldSpec, *, max_frame_bytes: int, echo_client_id: bool = False
) -> tuple[str, dict[str, Any]]:
    """Check the frame's shape. With ``echo_client_id``, field errors carry a readable ``client_id``."""
    if text is None:
        raise ProtocolError("bad_frame", "binary frames are not accepted: send JSON text frames")
    if len(text) > max_frame_bytes or len(text.encode("utf-8", "surrogatepass")) > max_frame_bytes:
        raise ProtocolError("too_long", f"frame is larger than {max_frame_bytes} bytes")
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        raise ProtocolError("bad_json", "frame is not valid JSON") from None
    if not isinstance(data, dict):
        raise ProtocolError("bad_frame", "frame must be a JSON object")
    kind = data.get("type")
    if not isinstance(kind, str):
        raise ProtocolError("bad_frame", "frame has no string 'type'")
    spec = fields.get(kind)
    if spec is None:
        raise ProtocolError(
            "unknown_type", f"unknown type {kind[:40]!r}; expected one of {', '.join(fields)}"
        )
    required, optional = spec
    raw_id = data.get("client_id")
    client_id = raw_id if echo_client_id and isinstance(raw_id, str) else None
    keys = set(data)
    missing = required - keys
    if missing:
        raise ProtocolError(
            "bad_frame", f"missing field(s) for {kind}: {', '.join(sorted(missing))}", client_id
        )
    extra = keys - required - optional
    if extra:
        names = ", ".join(sorted(k[:40] for k in extra))
        raise ProtocolError("bad_frame", f"unknown field(s) for {kind}: {names}", client_id)
    return kind, data
