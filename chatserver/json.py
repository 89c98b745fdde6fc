"""Compact JSON for the wire (UTF-8 text as is, no spaces)."""

from __future__ import annotations

import json
from typing import Any

_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def dumps(value: Any) -> str:
    return _encoder.encode(value)
