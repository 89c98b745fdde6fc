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
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from chatserver.wsauth import live_sessions
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
    return _former_payload(msg.sender)


def _former_payload(user: AbstractBaseUser) -> Payload:
    return {"id": user.pk, "username": user.get_username(), "display_name": display_name(user), "role": None}


def last_seq(room_id: int) -> int:
    return int(Room.objects.values_list("last_seq", flat=True).get(pk=room_id))


def membership_exists(membership_id: int) -> bool:
    return Membership.objects.filter(pk=membership_id).exists()


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _max_params() -> int:
    """Parameters one statement may take here (SQLite: 999 for Django; PostgreSQL: kept to 5,000)."""
    return min(connection.features.max_query_params or 5000, 5000)


@dataclass(frozen=True, slots=True)
class RoomCheck:
    """What the database says about a process's sockets (``room_check``), for rooms.fanout's reconciliation."""

    last_seqs: dict[int, int]  # each existing room's last_seq
    members: set[tuple[int, int]]  # the (room, user) pairs asked about that are still memberships
    live_sessions: set[str] | None  # the session keys asked about still alive; None: not known

    def is_member(self, room_id: int, user_id: int) -> bool:
        return room_id in self.last_seqs and (room_id, user_id) in self.members

    def session_alive(self, session_key: str | None) -> bool:
        return session_key is None or self.live_sessions is None or session_key in self.live_sessions


def room_check(pairs: Iterable[tuple[int, int]], session_keys: Collection[str] = ()) -> RoomCheck:
    """For (room, user) pairs and session keys: each existing room's ``last_seq``, which pairs are still
    memberships and which sessions are alive (chatserver.wsauth.live_sessions). Three queries for up to
    ~500 pairs (SQLite's parameter limit; PostgreSQL ~2,500), more beyond, any number of sockets."""
    pairs = set(pairs)
    limit = _max_params()
    last_seqs: dict[int, int] = {}
    for rooms in _chunks(sorted({room for room, _ in pairs}), limit - 1):
        last_seqs.update(Room.objects.filter(id__in=rooms).values_list("id", "last_seq"))
    members: set[tuple[int, int]] = set()
    for chunk in _chunks(sorted(pairs), limit // 2 - 1):
        found = Membership.objects.filter(
            room_id__in={room for room, _ in chunk}, user_id__in={user for _, user in chunk}
        ).values_list("room_id", "user_id")
        members.update(pair for pair in found if pair in pairs)
    return RoomCheck(last_seqs, members, live_sessions(session_keys))


def messages_in_ranges(ranges: Mapping[int, tuple[int, int]]) -> dict[int, list[Payload]]:
    """For each room, its messages with ``after < seq <= upto``, oldest first: two queries (messages,
    senders) per 300 rooms, whatever the number of sockets that need them. ``seq`` has no gaps, so a
    range of n holds at most n messages: keep ranges to a page."""
    out: dict[int, list[Payload]] = {room: [] for room in ranges}
    # 3 parameters per room; SQLite also parses an OR chain into a tree at most 1,000 deep.
    for chunk in _chunks(sorted(ranges.items()), min(300, _max_params() // 3 - 1)):
        where = Q()
        for room, (after, upto) in chunk:
            where |= Q(room_id=room, seq__gt=after, seq__lte=upto)
        rows = list(Message.objects.filter(where).order_by("room_id", "seq"))
        if not rows:
            continue
        senders = {
            (m.room_id, m.user_id): member_payload(m)
            for m in Membership.objects.filter(room_id__in=[room for room, _ in chunk]).select_related("user")
        }
        gone = {m.sender_id for m in rows if (m.room_id, m.sender_id) not in senders}
        former = {user.pk: _former_payload(user) for user in get_user_model().objects.filter(pk__in=gone)}
        for m in rows:
            sender = senders.get((m.room_id, m.sender_id)) or former[m.sender_id]
            out[m.room_id].append(message_payload(m, sender))
    return out


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
