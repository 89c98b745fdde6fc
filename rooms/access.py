"""Who may see a room: the one place that answers it (sockets and HTTP views both ask here)."""

from __future__ import annotations

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
