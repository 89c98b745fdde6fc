"""The pages: home by role, a room, the moderation queue. Live data comes over the sockets and the JSON
API (docs/protocol.md); these views only check access and hand the page what it needs to start."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import Permission
from django.db.models import Count, F, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from moderation import services as moderation_services
from moderation.access import PERMISSION, is_moderator
from moderation.resources import crisis_resources
from rooms import services
from rooms.access import NotAMember, membership_for
from rooms.models import Membership, Message

# How many open flags the staff home page lists before pointing to the full queue.
HOME_QUEUE_LIMIT = 10
# Messages per request when the room page loads its history (newest first, then older on scroll).
HISTORY_PAGE = 50


def forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "frontend/forbidden.html", {"message": message}, status=403)


def _help_room(memberships: list[Membership]) -> Membership | None:
    """The room an "I need help now" press from outside a room goes to: the mentee's pair room first."""
    as_mentee = [m for m in memberships if m.role == Membership.Role.MENTEE]
    pairs = [m for m in as_mentee if m.room.kind == "pair"]
    candidates = pairs or as_mentee
    return candidates[0] if candidates else None


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert user.is_authenticated  # login_required
    memberships = list(
        Membership.objects.filter(user_id=user.pk).select_related("room").order_by("room__kind", "room_id")
    )
    rooms = {r["id"]: r for r in services.rooms_for(user)}
    # Unread: messages from others after my read marker, per room (one query).
    unread = dict(
        Message.objects.filter(
            room__memberships__user_id=user.pk, seq__gt=F("room__memberships__last_read_seq")
        )
        .exclude(sender_id=user.pk)
        .values("room_id")
        .annotate(n=Count("id"))
        .values_list("room_id", "n")
    )
    entries = []
    for m in memberships:
        room = rooms.get(m.room_id)
        if room is None:
            continue
        others = [p for p in room["members"] if p["id"] != user.pk]
        entries.append(
            {
                **room,
                "role": m.role,
                "unread": unread.get(m.room_id, 0),
                "mentors": [p for p in others if p["role"] == "mentor"],
                "mentees": [p for p in others if p["role"] == "mentee"],
            }
        )
    mentee_rooms = [e for e in entries if e["role"] == "mentee"]
    mentor_rooms = [e for e in entries if e["role"] == "mentor"]
    moderator = is_moderator(user)
    queue: list[dict[str, Any]] = moderation_services.queue() if moderator else []
    help_room = _help_room(memberships)
    context = {
        "mentee_pairs": [e for e in mentee_rooms if e["kind"] == "pair"],
        "mentee_groups": [e for e in mentee_rooms if e["kind"] != "pair"],
        "mentor_pairs": [e for e in mentor_rooms if e["kind"] == "pair"],
        "mentor_groups": [e for e in mentor_rooms if e["kind"] != "pair"],
        "has_rooms": bool(entries),
        "is_moderator": moderator,
        "queue": queue[:HOME_QUEUE_LIMIT],
        "queue_total": len(queue),
        "queue_high": sum(1 for f in queue if f["severity"] == "high"),
        "help_room_id": help_room.room_id if help_room else None,
        "crisis_resources": crisis_resources() if help_room else [],
        "nav": "home",
        # Incoming calls ring on the home page too (frontend/static/frontend/incoming.js).
        "call_rooms": {"me": user.pk, "rooms": [{"id": e["id"], "name": e["name"]} for e in entries]}
        if entries
        else None,
    }
    return render(request, "frontend/home.html", context)


@login_required
def room(request: HttpRequest, room_id: int) -> HttpResponse:
    try:
        membership = membership_for(request.user, room_id)
    except NotAMember:
        return forbidden(request, "You are not a member of this room, or it does not exist.")
    members = services.members_of(room_id)
    me = services.member_payload(membership)
    page_data = {
        "room": {"id": room_id, "name": membership.room.name, "kind": membership.room.kind},
        "me": me,
        "members": sorted(members.values(), key=lambda p: (p["role"] != "mentor", p["display_name"])),
        "lastRead": membership.last_read_seq,
        "lastSeq": membership.room.last_seq,
        "historyPage": HISTORY_PAGE,
        # Shown at once on "I need help now", and to anyone (mentors too) whose message is flagged high.
        "resources": crisis_resources(),
    }
    context = {
        "room": membership.room,
        "me": me,
        "members": page_data["members"],
        "page_data": page_data,
        "is_mentee": me["role"] == "mentee",
        "help_room_id": room_id if me["role"] == "mentee" else None,
        "is_moderator": is_moderator(request.user),
    }
    return render(request, "frontend/room.html", context)


def _moderators() -> list[dict[str, Any]]:
    """Staff who can moderate (assignable), by name."""
    app_label, codename = PERMISSION.split(".")
    perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
    query = Q(is_superuser=True)
    if perm is not None:
        query |= Q(user_permissions=perm) | Q(groups__permissions=perm)
    users = get_user_model().objects.filter(query, is_staff=True, is_active=True).distinct()
    people = [
        {"id": u.pk, "username": u.get_username(), "display_name": services.display_name(u)}
        for u in users
        if is_moderator(u)
    ]
    return sorted(people, key=lambda p: str(p["display_name"]).lower())


@login_required
def moderation(request: HttpRequest) -> HttpResponse:
    if not is_moderator(request.user):
        return forbidden(request, "The moderation queue is for staff who moderate conversations.")
    user = request.user
    page_data = {
        "me": {"id": user.pk, "username": user.get_username(), "display_name": services.display_name(user)},  # type: ignore[arg-type]
        "moderators": _moderators(),
    }
    return render(
        request,
        "frontend/moderation.html",
        {"page_data": page_data, "is_moderator": True, "nav": "moderation"},
    )
