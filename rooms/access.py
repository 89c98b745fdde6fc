"""Who may see a room: the one place that answers it (sockets and HTTP views both ask here)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from rooms.models import Membership


class NotAMember(Exception):
    """The user is not a member of that room (or the room does not exist: we do not say which)."""


def membership_for(user: AbstractBaseUser | AnonymousUser, room_id: int) -> Membership:
    if not user.is_authenticated or not 0 < room_id < 2**63:
        raise NotAMember(room_id)
    try:
        return Membership.objects.select_related("room", "user").get(room_id=room_id, user_id=user.pk)
    except Membership.DoesNotExist:
        raise NotAMember(room_id) from None


# Close codes every socket of ours uses after accepting the handshake (docs/protocol.md).
CLOSE_NOT_LOGGED_IN = 4401
CLOSE_FORBIDDEN = 4403

_membership_for = database_sync_to_async(membership_for)


async def admit_member(consumer: AsyncWebsocketConsumer, room_id: int) -> Membership | None:
    """Accept the handshake, then close with 4401 (not logged in) or 4403 (not a member) and return
    None, or return the user's membership of the room."""
    await consumer.accept()
    user = consumer.scope["user"]
    if not user.is_authenticated:
        await consumer.close(code=CLOSE_NOT_LOGGED_IN)
        return None
    try:
        return await _membership_for(user, room_id)
    except NotAMember:
        await consumer.close(code=CLOSE_FORBIDDEN)
        return None


def ended_here(scope: Mapping[str, Any], event: Mapping[str, Any]) -> bool:
    """Whether a ``session.ended`` event (a logout) is about the session this socket was opened with."""
    return event.get("session") in (None, scope.get("session_key"))
