"""Screening of stored messages, called by rooms.services.store_batch inside its transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def screen_messages(messages: Sequence[tuple[Any, dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]]:
    if not messages:
        return []
    from moderation.services import flags_for_messages

    return flags_for_messages(messages)
