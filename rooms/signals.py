"""Close sockets whose session ended (logout) or whose membership was removed, on every process."""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from django.contrib.auth.signals import user_logged_out
from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from rooms.models import Membership
from rooms.services import user_group


def _send_to_user(user_id: int, event: dict[str, Any]) -> None:
    from rooms.writer import publish  # chat sockets through rooms.fanout, the others through the layer

    async_to_sync(publish)([(user_group(user_id), event)])


@receiver(user_logged_out)
def close_sockets_on_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    # Only the sockets of the session that logged out: the person's other devices stay signed in.
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if user is not None:
        _send_to_user(user.pk, {"type": "session.ended", "session": session_key})


@receiver(post_delete, sender=Membership)
def close_sockets_on_removal(sender: Any, instance: Membership, **kwargs: Any) -> None:
    user_id, room_id = instance.user_id, instance.room_id
    transaction.on_commit(lambda: _send_to_user(user_id, {"type": "membership.revoked", "room": room_id}))
