"""Create the demo cast (idempotent). Refuses to run with DEBUG off unless --force."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from rooms.models import Membership, Room

PASSWORD = "pain-peer-demo"
PEOPLE = {
    "maya": ("Maya", "mentee"),
    "sam": ("Sam", "mentor"),
    "leo": ("Leo", "mentee"),
    "ana": ("Ana", "mentor"),
    "riley": ("Riley", "moderator"),
}
ROOMS = [
    ("Maya & Sam", Room.Kind.PAIR, [("maya", "mentee"), ("sam", "mentor")]),
    ("Leo & Ana", Room.Kind.PAIR, [("leo", "mentee"), ("ana", "mentor")]),
    (
        "Tuesday workshop",
        Room.Kind.GROUP,
        [("maya", "mentee"), ("leo", "mentee"), ("sam", "mentor"), ("ana", "mentor")],
    ),
]


class Command(BaseCommand):
    help = "Create the demo users and rooms (every password: pain-peer-demo)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="run even with DEBUG off")

    def handle(self, *args: Any, force: bool = False, **options: Any) -> None:
        if not settings.DEBUG and not force:
            raise CommandError("seed_demo creates users with a public password; with DEBUG off, pass --force")
        User = get_user_model()
        with transaction.atomic():
            users = {}
            for username, (first, kind) in PEOPLE.items():
                user, _ = User.objects.get_or_create(username=username, defaults={"first_name": first})
                user.first_name = first
                user.set_password(PASSWORD)
                if kind == "moderator":
                    user.is_staff = True
                    user.save()
                    perms = Permission.objects.filter(
                        content_type__app_label="moderation", codename__in=["moderate_conversations"]
                    )
                    user.user_permissions.add(*perms)
                else:
                    user.save()
                users[username] = user
            for name, kind, members in ROOMS:
                room, _ = Room.objects.get_or_create(name=name, defaults={"kind": kind})
                for username, role in members:
                    Membership.objects.update_or_create(
                        room=room, user=users[username], defaults={"role": role}
                    )
        self.stdout.write("Demo logins (password for all: pain-peer-demo):")
        for username, (_, kind) in PEOPLE.items():
            self.stdout.write(f"  {username:<6} {kind}")
