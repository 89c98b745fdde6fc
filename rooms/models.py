"""Rooms, who is in them, and what was said.

A room's ``last_seq`` is its message counter: a writer takes the row lock by incrementing it in the
transaction that inserts the messages, so ``seq`` runs 1, 2, 3 … with no gap and no duplicate even
with several processes writing (``rooms.services.store_batch``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Room(models.Model):
    class Kind(models.TextChoices):
        PAIR = "pair", "Mentorship pair (one mentee, one mentor)"
        GROUP = "group", "Group / workshop"

    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.PAIR)
    last_seq = models.BigIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class Membership(models.Model):
    class Role(models.TextChoices):
        MENTEE = "mentee", "Mentee"
        MENTOR = "mentor", "Mentor"

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=8, choices=Role.choices)
    last_read_seq = models.BigIntegerField(default=0)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["room", "user"], name="membership_once_per_room")]
        ordering = ["room_id", "role", "user_id"]

    def __str__(self) -> str:
        return f"{self.user} as {self.role} in {self.room_id}"


class Message(models.Model):
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="messages")
    seq = models.BigIntegerField()
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    client_id = models.CharField(max_length=64)
    body = models.TextField()
    html = models.TextField()
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["room", "seq"], name="message_seq_unique"),
            models.UniqueConstraint(fields=["room", "sender", "client_id"], name="message_client_id_unique"),
        ]
        ordering = ["room_id", "seq"]

    def __str__(self) -> str:  # never the body: message contents stay out of logs and admin lists
        return f"message {self.room_id}#{self.seq}"
