"""Chat services: the logic behind the socket and the HTTP API (consumers and views only delegate).

Contract
- ``store_batch(items)`` stores many messages in one transaction and returns, for each item, the
  stored message payload (the same payload every time for a repeated ``client_id``) plus the events
  to publish once the transaction has committed. Each room's ``last_seq`` row is locked and bumped in
  that transaction, so ``seq`` has no gaps and no duplicates with any number of writing processes.
- Every stored message is screened in the same transaction (``moderation.screening``): a flag can
  never exist without its message nor a message miss its flag.
- Read functions return plain dicts in the wire shapes of docs/protocol.md.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from rooms.models import Membership, Message, Room
from rooms.rendering import render_html

Payload = dict[str, Any]


def room_group(room_id: int) -> str:
    return f"room.{room_id}"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def display_name(user: AbstractBaseUser) -> str:
    full = getattr(user, "get_full_name", lambda: "")()
    return str(full or user.get_username())


def member_payload(membership: Membership) -> Payload:
    user = membership.user
    return {
        "id": user.pk,
        "username": user.get_username(),
        "display_name": display_name(user),
        "role": membership.role,
    }


def message_payload(msg: Message, sender: Payload) -> Payload:
    return {
        "id": msg.pk,
        "seq": msg.seq,
        "room": msg.room_id,
        "client_id": msg.client_id,
        "sender": sender,
        "body": msg.body,
        "html": msg.html,
        "created_at": msg.created_at.isoformat(),
    }


# --- sending -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SendItem:
    room_id: int
    sender_id: int
    sender: Payload  # the sender's member payload (id, username, display_name, role)
    client_id: str
    body: str


@dataclass(slots=True)
class StoreResult:
    message: Payload | None
    created: bool
    error: str | None = None  # "forbidden" when the room vanished under the sender


@dataclass(slots=True)
class BatchOutcome:
    results: list[StoreResult]
    # The new messages per room, for rooms.fanout to wake the room's sockets after commit.
    rooms: dict[int, list[Payload]] = field(default_factory=dict)
    # Other (group, event) pairs for the channel layer after commit, in order (e.g. flag.new).
    events: list[tuple[str, Payload]] = field(default_factory=list)


def store_batch(items: Sequence[SendItem]) -> BatchOutcome:
    """Persist a batch of messages; see the module docstring. Retries once on a unique-key race."""
    try:
        return _store_batch(items)
    except IntegrityError:
        # Another process stored the same client_id between our check and our insert (possible only
        # where locks do not cover it); the retry finds it and answers with the stored message.
        return _store_batch(items)


def _existing(items: Sequence[SendItem]) -> dict[tuple[int, int, str], Message]:
    """Stored messages with the same (room, sender, client_id) as an item: exact lookups on that unique
    index, so the cost does not grow with the rooms' history (the room/client_id IN query scanned it)."""
    keys = list({(it.room_id, it.sender_id, it.client_id) for it in items})
    table = connection.ops.quote_name(Message._meta.db_table)
    if connection.vendor == "postgresql":
        sql = (
            f"SELECT id FROM {table} WHERE (room_id, sender_id, client_id) IN "
            "(SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::text[]))"
        )
        params: list[Any] = [[k[0] for k in keys], [k[1] for k in keys], [k[2] for k in keys]]
    else:  # SQLite: one index probe per OR term (IN lists on all three columns would be crossed)
        sql = f"SELECT id FROM {table} WHERE " + " OR ".join(
            ["(room_id = %s AND sender_id = %s AND client_id = %s)"] * len(keys)
        )
        params = [x for k in keys for x in k]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = [row[0] for row in cursor.fetchall()]
    if not ids:
        return {}
    return {(m.room_id, m.sender_id, m.client_id): m for m in Message.objects.filter(id__in=ids)}


def _store_batch(items: Sequence[SendItem]) -> BatchOutcome:
    from moderation.screening import screen_messages  # moderation depends on rooms, not the reverse

    now = timezone.now()
    results: list[StoreResult | None] = [None] * len(items)
    by_room: dict[int, list[int]] = defaultdict(list)
    for i, item in enumerate(items):
        by_room[item.room_id].append(i)
    room_ids = sorted(by_room)
    table = connection.ops.quote_name(Room._meta.db_table)
    new_rows: list[tuple[int, Message]] = []
    with transaction.atomic():
        if connection.features.has_select_for_update:
            # Lock the rooms in id order first (no deadlock between processes), so the duplicate
            # check below sees every committed message of these rooms.
            list(Room.objects.select_for_update().filter(id__in=room_ids).order_by("id").values_list("id"))
        existing = _existing(items)
        fresh_of: dict[int, list[int]] = {}
        for room_id in room_ids:
            fresh: list[int] = []
            first_of: dict[tuple[int, str], int] = {}
            for i in by_room[room_id]:
                item = items[i]
                old = existing.get((room_id, item.sender_id, item.client_id))
                if old is not None:
                    results[i] = StoreResult(message_payload(old, item.sender), created=False)
                elif (item.sender_id, item.client_id) in first_of:
                    continue  # a repeat inside this batch: answered below from its first copy
                else:
                    first_of[(item.sender_id, item.client_id)] = i
                    fresh.append(i)
            if fresh:
                fresh_of[room_id] = fresh
        bumped: dict[int, int] = {}
        if fresh_of:
            # One statement bumps every room of the batch (one query per batch, not per room).
            cases = " ".join(["WHEN %s THEN %s"] * len(fresh_of))
            marks = ", ".join(["%s"] * len(fresh_of))
            params: list[int] = [x for room_id, fresh in fresh_of.items() for x in (room_id, len(fresh))]
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET last_seq = last_seq + CASE id {cases} END "
                    f"WHERE id IN ({marks}) RETURNING id, last_seq",
                    [*params, *fresh_of],
                )
                bumped = {int(row[0]): int(row[1]) for row in cursor.fetchall()}
        for room_id, fresh in fresh_of.items():
            if room_id not in bumped:  # the room was deleted under the senders
                for i in fresh:
                    results[i] = StoreResult(None, created=False, error="forbidden")
                continue
            first_seq = bumped[room_id] - len(fresh) + 1
            for offset, i in enumerate(fresh):
                item = items[i]
                msg = Message(
                    room_id=room_id,
                    seq=first_seq + offset,
                    sender_id=item.sender_id,
                    client_id=item.client_id,
                    body=item.body,
                    html=render_html(item.body),
                    created_at=now,
                )
                new_rows.append((i, msg))
        Message.objects.bulk_create([m for _, m in new_rows])
        flag_events = screen_messages([(m, items[i].sender) for i, m in new_rows])

    outcome = BatchOutcome(results=[])
    per_room: dict[int, list[Payload]] = defaultdict(list)
    for i, msg in new_rows:
        payload = message_payload(msg, items[i].sender)
        results[i] = StoreResult(payload, created=True)
        per_room[msg.room_id].append(payload)
    # Repeats inside the batch answer with their first copy's message.
    for i, item in enumerate(items):
        if results[i] is None:
            for j in by_room[item.room_id]:
                r = results[j]
                other = items[j]
                if (
                    r is not None
                    and r.message
                    and (other.sender_id, other.client_id) == (item.sender_id, item.client_id)
                ):
                    results[i] = StoreResult(r.message, created=False)
                    break
    outcome.results = [r if r is not None else StoreResult(None, False, "server_error") for r in results]
    outcome.rooms = dict(per_room)
    outcome.events.extend(flag_events)
    return outcome


# --- reading ---------------------------------------------------------------------------------


def members_of(room_id: int) -> dict[int, Payload]:
    return {
        m.user_id: member_payload(m)
        for m in Membership.objects.filter(room_id=room_id).select_related("user")
    }


def messages_after(room_id: int, after: int, limit: int, until: int | None = None) -> list[Payload]:
    """Messages with ``seq > after`` (and ``<= until`` if given), oldest first, at most ``limit``."""
    qs = Message.objects.filter(room_id=room_id, seq__gt=after)
    if until is not None:
        qs = qs.filter(seq__lte=until)
    rows = list(qs.order_by("seq")[:limit])
    if not rows:
        return []
    members = members_of(room_id)
    return [message_payload(m, members.get(m.sender_id) or _former_member(m)) for m in rows]


def messages_before(room_id: int, before: int, limit: int) -> list[Payload]:
    """The ``limit`` messages just before ``seq == before``, oldest first (for loading older history)."""
    rows = list(Message.objects.filter(room_id=room_id, seq__lt=before).order_by("-seq")[:limit])
    rows.reverse()
    if not rows:
        return []
    members = members_of(room_id)
    return [message_payload(m, members.get(m.sender_id) or _former_member(m)) for m in rows]


def _former_member(msg: Message) -> Payload:
    user = msg.sender
    return {"id": user.pk, "username": user.get_username(), "display_name": display_name(user), "role": None}


def last_seq(room_id: int) -> int:
    return int(Room.objects.values_list("last_seq", flat=True).get(pk=room_id))


def membership_exists(membership_id: int) -> bool:
    return Membership.objects.filter(pk=membership_id).exists()


def room_check(pairs: Iterable[tuple[int, int]]) -> tuple[dict[int, int], set[tuple[int, int]]]:
    """For (room, user) pairs: each existing room's ``last_seq`` and which pairs are still memberships."""
    pairs = set(pairs)
    rooms = {room for room, _ in pairs}
    users = {user for _, user in pairs}
    last_seqs = dict(Room.objects.filter(id__in=rooms).values_list("id", "last_seq"))
    found = Membership.objects.filter(room_id__in=rooms, user_id__in=users).values_list("room_id", "user_id")
    return last_seqs, {pair for pair in found if pair in pairs}


def read_markers(room_id: int) -> dict[str, int]:
    return {
        str(uid): seq
        for uid, seq in Membership.objects.filter(room_id=room_id).values_list("user_id", "last_read_seq")
    }


def mark_read(membership_id: int, room_id: int, seq: int) -> int | None:
    """Move a member's read marker forward to ``seq`` (never back, never past the room's last message).

    Returns the new marker when it moved, else None.
    """
    with transaction.atomic():
        top = last_seq(room_id)
        target = min(seq, top)
        moved = Membership.objects.filter(pk=membership_id, last_read_seq__lt=target).update(
            last_read_seq=target
        )
    return target if moved else None


def rooms_for(user: AbstractBaseUser) -> list[Payload]:
    rooms = (
        Room.objects.filter(memberships__user_id=user.pk).order_by("id").prefetch_related("memberships__user")
    )
    out = []
    for room in rooms:
        out.append(
            {
                "id": room.pk,
                "name": room.name,
                "kind": room.kind,
                "members": [member_payload(m) for m in room.memberships.all()],
                "last_seq": room.last_seq,
            }
        )
    return out


def iter_members(room_id: int) -> Iterable[Membership]:
    return Membership.objects.filter(room_id=room_id).select_related("user")
