from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin

from rooms.models import Membership, Room


class MembershipFormSet(forms.BaseInlineFormSet):
    """A pair room holds exactly one mentee and one mentor; a group room at least one mentor."""

    def clean(self) -> None:
        super().clean()
        roles = [
            f.cleaned_data.get("role")
            for f in self.forms
            if getattr(f, "cleaned_data", None) and not f.cleaned_data.get("DELETE")
        ]
        kind = getattr(self.instance, "kind", None)
        if kind == Room.Kind.PAIR and sorted(r for r in roles if r) != ["mentee", "mentor"]:
            raise forms.ValidationError("A mentorship pair room has exactly one mentee and one mentor.")
        if kind == Room.Kind.GROUP and "mentor" not in roles:
            raise forms.ValidationError("A group room needs at least one mentor (the host).")


class MembershipInline(admin.TabularInline):
    model = Membership
    formset = MembershipFormSet
    extra = 2
    fields = ("user", "role", "last_read_seq")
    readonly_fields = ("last_read_seq",)
    autocomplete_fields = ("user",)


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "last_seq", "created_at")
    list_filter = ("kind",)
    search_fields = ("name",)
    inlines = [MembershipInline]

    def get_readonly_fields(self, request: Any, obj: Any = None) -> tuple[str, ...]:
        return ("last_seq",)
