"""Admin: flags and escalations to look up, the audit log read-only. No message text is shown here:
staff read conversations only through the moderation page, which is audited."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from moderation.models import AuditEntry, Escalation, Flag


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Flag)
class FlagAdmin(ReadOnlyAdmin):
    list_display = ("id", "severity", "status", "source", "room", "subject", "created_at", "escalated_at")
    list_filter = ("severity", "status", "source")
    fields = (
        "room",
        "message_ref",
        "source",
        "subject",
        "raised_by",
        "severity",
        "categories",
        "about_other",
        "status",
        "assignee",
        "created_at",
        "acknowledged_at",
        "closed_at",
        "escalated_at",
    )
    readonly_fields = fields

    @admin.display(description="message")
    def message_ref(self, obj: Flag) -> str:
        return f"#{obj.message.seq} (open it from the moderation page)" if obj.message else "-"


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyAdmin):
    list_display = ("flag", "channel", "target", "ok", "created_at")
    list_filter = ("channel", "ok")


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "actor", "action", "flag", "room", "reason")
    list_filter = ("action",)
    search_fields = ("actor__username", "reason")
