"""Database side of bench/chat_bench.py, run as a subprocess with the server's environment.

    python -m bench.dbtool seed --pairs 500 --out rooms.json   users, pair rooms, memberships, sessions
    python -m bench.dbtool verify --counts counts.json          every room's seq is 1..last_seq, no gap

Both print one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import timedelta
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatserver.settings")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.contrib.sessions.models import Session  # noqa: E402
from django.db import transaction  # noqa: E402
from django.db.models import Count, Max, Min  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.utils.crypto import get_random_string  # noqa: E402

from rooms.models import Membership, Message, Room  # noqa: E402

BACKEND = "django.contrib.auth.backends.ModelBackend"
KEY_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789"


def seed(pairs: int) -> dict[str, Any]:
    User = get_user_model()
    password = make_password(None)  # unusable, and hashed once: nobody logs in with a password here
    with transaction.atomic():
        users = User.objects.bulk_create(
            [
                User(username=f"bench{i:05d}", first_name=f"Bench {i}", password=password)
                for i in range(pairs * 2)
            ]
        )
        if any(u.pk is None for u in users):  # backends without RETURNING: read the ids back
            users = list(User.objects.filter(username__startswith="bench").order_by("username"))
        rooms = Room.objects.bulk_create([Room(name=f"Bench pair {i}", kind="pair") for i in range(pairs)])
        if any(r.pk is None for r in rooms):
            rooms = list(Room.objects.filter(name__startswith="Bench pair ").order_by("id"))
        memberships = []
        for i, room in enumerate(rooms):
            memberships.append(Membership(room=room, user=users[2 * i], role="mentee"))
            memberships.append(Membership(room=room, user=users[2 * i + 1], role="mentor"))
        Membership.objects.bulk_create(memberships)
        store = SessionStore()
        expire = timezone.now() + timedelta(days=1)
        sessions: list[Session] = []
        keys: dict[int, str] = {}
        for user in users:
            key = get_random_string(32, KEY_CHARS)
            keys[user.pk] = key
            data = {
                "_auth_user_id": str(user.pk),
                "_auth_user_backend": BACKEND,
                "_auth_user_hash": user.get_session_auth_hash(),
            }
            sessions.append(Session(session_key=key, session_data=store.encode(data), expire_date=expire))
        Session.objects.bulk_create(sessions)
    return {
        "rooms": [
            {
                "room": room.pk,
                "members": [
                    {"user": users[2 * i].pk, "session": keys[users[2 * i].pk]},
                    {"user": users[2 * i + 1].pk, "session": keys[users[2 * i + 1].pk]},
                ],
            }
            for i, room in enumerate(rooms)
        ]
    }


def verify(counts: dict[str, Any]) -> dict[str, Any]:
    """Compare the database with what the load client saw (per room: highest seq on each socket)."""
    seen: dict[int, list[int]] = {int(k): v for k, v in counts.items()}
    stats = {
        row["room_id"]: row
        for row in Message.objects.filter(room_id__in=list(seen))
        .values("room_id")
        .annotate(n=Count("id"), lo=Min("seq"), hi=Max("seq"))
    }
    last = dict(Room.objects.filter(id__in=list(seen)).values_list("id", "last_seq"))
    bad_seq: list[int] = []  # rooms whose stored seqs are not exactly 1..last_seq
    unseen: list[int] = []  # rooms where a socket did not see the room's last stored message
    for room_id, socket_max in seen.items():
        row = stats.get(room_id, {"n": 0, "lo": None, "hi": None})
        top = last.get(room_id, 0)
        if row["n"] != top or (top and (row["lo"] != 1 or row["hi"] != top)):
            bad_seq.append(room_id)
        if any(m != top for m in socket_max):
            unseen.append(room_id)
    return {
        "rooms": len(seen),
        "messages_stored": sum(int(r["n"]) for r in stats.values()),
        "rooms_bad_seq": len(bad_seq),
        "rooms_not_fully_delivered": len(unseen),
        "examples": (bad_seq + unseen)[:5],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="cmd", required=True)
    p_seed = sub.add_parser("seed")
    p_seed.add_argument("--pairs", type=int, required=True)
    p_seed.add_argument("--out", required=True)
    p_verify = sub.add_parser("verify")
    p_verify.add_argument("--counts", required=True)
    args = parser.parse_args()
    if args.cmd == "seed":
        data = seed(args.pairs)
        with open(args.out, "w") as fh:
            json.dump(data, fh)
        print(json.dumps({"rooms": len(data["rooms"])}))
    else:
        with open(args.counts) as fh:
            counts = json.load(fh)
        print(json.dumps(verify(counts)))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
