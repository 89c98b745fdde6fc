"""Calls, who was in them and when (docs/calls.md).

- ``Call``: one per ring; its ``state`` follows ``signaling.state``. At most one live (ringing or
  active) call per room, enforced by a partial unique index. ``answered_at`` is the first moment two
  people were in it, ``ended_at`` the last leave, ``duration`` the difference (None if nobody
  answered): the program counts held sessions from it.
- ``CallParticipant``: one row per join (a peer). ``peer_id`` is what the other peers see; the
  ``peer_token`` that lets a dropped socket resume is stored only as its SHA-256. ``channel_name`` is
  the socket that holds the peer now; ``disconnected_at`` is set when it dropped, ``seen_at`` is its
  last liveness mark (so a peer whose server process died is noticed too). A user is at most once
  present (``left_at IS NULL``) in a call.
- ``CallDecline``: who declined a ringing call.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q

from rooms.models import Room
from signaling.state import CallState, Outcome


class Call(models.Model):
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="calls")
    state = models.CharField(
        max_length=8, choices=[(s.value, s.value) for s in CallState], default=CallState.RINGING.value
    )
    outcome = models.CharField(
        max_length=10, choices=[(o.value, o.value) for o in Outcome], blank=True, default=""
    )
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField()
    ring_deadline = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    duration = models.DurationField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["room"],
                condition=Q(state__in=[CallState.RINGING.value, CallState.ACTIVE.value]),
                name="one_live_call_per_room",
            )
        ]
        indexes = [models.Index(fields=["room", "-started_at"], name="call_room_recent")]
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"call {self.pk} in room {self.room_id} ({self.state})"

    @property
    def duration_seconds(self) -> float | None:
        return None if self.duration is None else round(self.duration / timedelta(seconds=1), 3)


class CallParticipant(models.Model):
    class LeftReason(models.TextChoices):
        LEFT = "left", "Left the call"
        DROPPED = "dropped", "Connection lost and not resumed in time"
        REPLACED = "replaced", "Joined again from another socket"
        ENDED = "ended", "The call ended"
        REMOVED = "removed", "Logged out or removed from the room"

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    peer_id = models.CharField(max_length=32, unique=True)
    token_hash = models.CharField(max_length=64, unique=True)
    channel_name = models.CharField(max_length=200, blank=True, default="")
    joined_at = models.DateTimeField()
    seen_at = models.DateTimeField()
    disconnected_at = models.DateTimeField(null=True, blank=True)
    left_at = models.DateTimeField(null=True, blank=True)
    left_reason = models.CharField(max_length=8, choices=LeftReason.choices, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["call", "user"], condition=Q(left_at__isnull=True), name="present_once_per_call"
            )
        ]
        ordering = ["call_id", "id"]

    def __str__(self) -> str:
        return f"peer of user {self.user_id} in call {self.call_id}"


class CallDecline(models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="declines")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["call", "user"], name="decline_once_per_call")]

    def __str__(self) -> str:
        return f"user {self.user_id} declined call {self.call_id}"
