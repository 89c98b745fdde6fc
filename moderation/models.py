"""Flags, escalations and the append-only audit log."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models


class Flag(models.Model):
    class Severity(models.TextChoices):
        HIGH = "high", "High (imminent)"
        MEDIUM = "medium", "Medium (review)"
        LOW = "low", "Low (report)"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        RESOLVED = "resolved", "Resolved"
        DISMISSED = "dismissed", "Dismissed"

    class Source(models.TextChoices):
        DETECTOR = "detector", "Detector"
        REPORT = "report", "Reported by a member"
        HELP = "help", "Help request"

    room = models.ForeignKey("rooms.Room", on_delete=models.PROTECT, related_name="flags")
    message = models.ForeignKey(
        "rooms.Message", on_delete=models.PROTECT, null=True, blank=True, related_name="flags"
    )
    source = models.CharField(max_length=10, choices=Source.choices)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    subject = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    severity = models.CharField(max_length=8, choices=Severity.choices)
    categories = models.JSONField(default=list)
    evidence = models.JSONField(default=list)
    about_other = models.BooleanField(default=False)
    reason = models.TextField(blank=True)
    status = models.CharField(max_length=14, choices=Status.choices, default=Status.OPEN)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    notes = models.JSONField(default=list)  # [{"by", "at", "text"}], appended by staff actions
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        permissions = [("moderate_conversations", "Can review flagged conversations and act on flags")]
        indexes = [models.Index(fields=["status", "severity", "created_at"])]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"flag {self.pk} ({self.severity}, {self.status})"


class Escalation(models.Model):
    flag = models.ForeignKey(Flag, on_delete=models.PROTECT, related_name="escalations")
    channel = models.CharField(max_length=10)  # "email" | "webhook"
    target = models.CharField(max_length=500)
    ok = models.BooleanField()
    detail = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"escalation of flag {self.flag_id} by {self.channel}"


class AuditEntry(models.Model):
    """Append-only: who did what, when and why. Rows are never updated nor deleted."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    action = models.CharField(max_length=40)
    flag = models.ForeignKey(Flag, on_delete=models.PROTECT, null=True, blank=True, related_name="audit")
    room = models.ForeignKey("rooms.Room", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reason = models.TextField(blank=True)
    detail = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_id} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise RuntimeError("audit entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("audit entries are append-only")
