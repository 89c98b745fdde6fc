"""Who may moderate: staff holding ``moderation.moderate_conversations`` (the one place that decides)."""

from __future__ import annotations

from typing import Any

PERMISSION = "moderation.moderate_conversations"


def is_moderator(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_staff and user.has_perm(PERMISSION))
