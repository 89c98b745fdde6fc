"""Call services: the logic behind the signaling socket and the calls API (consumers and views delegate).

Contract
- Every function that changes a call runs in a transaction holding the call's row (and, to start a
  call, the room's row), applies ``signaling.state.transition`` for any change of state, and returns
  the ``(group, event)`` pairs to publish once it has committed (``rooms.writer.publish``). It never
  publishes itself. Errors are ``CallError(code, detail)``; events already due (from settling, below)
  ride on the error so the caller still publishes them.
- Settling: time decides some things without anybody acting (the ring timeout, a dropped peer's
  resume window). ``settle_call``/``settle_room`` apply whatever is due as of ``now``; every entry
  point settles first (lazily), and the consumers also settle from timers and heartbeats, so a call
  moves on even if the process that started it died and nobody is connected.
- A peer is gone when its last liveness mark (``seen_at``: every heartbeat while connected, and the
  moment its socket dropped) is a whole resume window old; it then left at that mark.
- Events: ``room.frame`` to the room group (the chat sockets: ``call.ringing``/``call.updated``/
  ``call.ended``, never a peer id); ``call.peer``/``call.removed``/``call.ended`` to each peer's own
  group ``peer.<peer_id>`` (its signaling socket). Peer ids go only to the peers of the same call.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from rooms.models import Membership, Room
from rooms.services import display_name, room_group
from signaling import conf, turn
from signaling.models import Call, CallDecline, CallParticipant
from signaling.state import CallState, Event, is_live, transition

Payload = dict[str, Any]
Events = list[tuple[str, Payload]]
Reason = CallParticipant.LeftReason


class CallError(Exception):
    def __init__(self, code: str, detail: str, events: Events | None = None) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.events: Events = events or []

    def frame(self) -> Payload:
        return {"type": "error", "code": self.code, "detail": self.detail}


def peer_group(peer_id: str) -> str:
    return f"peer.{peer_id}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def ice_config(user_id: int, now: float | None = None) -> tuple[list[Payload], int]:
    """The ICE servers for this user (fresh TURN credentials) and how long they stay valid."""
    ttl = int(conf.get("TURN_TTL"))
    servers = turn.ice_servers(
        stun_urls=conf.get("STUN_URLS"),
        turn_urls=conf.get("TURN_URLS"),
        turn_secret=conf.get("TURN_SECRET"),
        user_id=user_id,
        ttl=ttl,
        now=time.time() if now is None else now,
    )
    return servers, ttl


# --- payloads ----------------------------------------------------------------------------------


def user_payload(user: AbstractBaseUser) -> Payload:
    return {"id": user.pk, "username": user.get_username(), "display_name": display_name(user)}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def call_payload(call: Call) -> Payload:
    """The call as the room sees it (no peer ids)."""
    in_call = list(
        call.participants.filter(left_at__isnull=True).order_by("id").values_list("user_id", flat=True)
    )
    declined = list(call.declines.order_by("id").values_list("user_id", flat=True))
    return {
        "id": call.pk,
        "room": call.room_id,
        "state": call.state,
        "outcome": call.outcome or None,
        "started_by": user_payload(call.started_by),
        "started_at": _iso(call.started_at),
        "ring_deadline": _iso(call.ring_deadline),
        "answered_at": _iso(call.answered_at),
        "ended_at": _iso(call.ended_at),
        "duration": call.duration_seconds,
        "in_call": in_call,
        "declined": declined,
    }


def call_detail_payload(call: Call) -> Payload:
    out = call_payload(call)
    out["participants"] = [
        {
            "user": user_payload(p.user),
            "joined_at": _iso(p.joined_at),
            "left_at": _iso(p.left_at),
            "left_reason": p.left_reason or None,
        }
        for p in call.participants.select_related("user").order_by("id")
    ]
    return out


def _room_frame(call: Call, kind: str) -> tuple[str, Payload]:
    return room_group(call.room_id), {
        "type": "room.frame",
        "frame": {"type": kind, "call": call_payload(call)},
    }


def _tell_peers(
    call: Call, recipients: list[CallParticipant], kind: str, subject: CallParticipant, **extra: Any
) -> Events:
    """``peer.*`` frames about ``subject`` for each of ``recipients`` (except the subject itself).

    Each peer hears of the call only through its own group ``peer.<peer_id>``: one ordered stream per
    socket, so a ``signal`` from a newcomer never overtakes the ``peer.joined`` that introduces it.
    ``polite`` is per pair: the peer that joined later (higher rank) is the polite one.
    """
    events: Events = []
    for r in recipients:
        if r.pk == subject.pk:
            continue
        frame = {"type": kind, "peer_id": subject.peer_id, "user": user_payload(subject.user), **extra}
        if kind in ("peer.joined", "peer.reconnected"):
            frame["polite"] = r.pk > subject.pk
        event = {
            "type": "call.peer",
            "call": call.pk,
            "peer_id": subject.peer_id,
            "rank": subject.pk,
            "frame": frame,
        }
        events.append((peer_group(r.peer_id), event))
    return events


def _removed(call: Call, peer: CallParticipant, reason: str, keep_channel: str = "") -> tuple[str, Payload]:
    """Tell the socket(s) holding ``peer`` that they no longer do (``keep_channel`` is the new holder)."""
    event = {
        "type": "call.removed",
        "call": call.pk,
        "peer_id": peer.peer_id,
        "reason": reason,
        "keep": keep_channel,
    }
    return peer_group(peer.peer_id), event


def _ended_events(call: Call, present: list[CallParticipant]) -> Events:
    payload = call_payload(call)
    events: Events = [
        (peer_group(p.peer_id), {"type": "call.ended", "call": call.pk, "payload": payload}) for p in present
    ]
    events.append(
        (room_group(call.room_id), {"type": "room.frame", "frame": {"type": "call.ended", "call": payload}})
    )
    return events


# --- locking and settling ----------------------------------------------------------------------


def _lock_room(room_id: int) -> bool:
    if connection.features.has_select_for_update:
        return bool(list(Room.objects.select_for_update().filter(pk=room_id).values_list("id")))
    return Room.objects.filter(pk=room_id).exists()


def _live_call(room_id: int) -> Call | None:
    qs = Call.objects.filter(room_id=room_id, state__in=[CallState.RINGING, CallState.ACTIVE])
    return qs.select_for_update().first()


def _lock_call(call_id: int) -> Call | None:
    return Call.objects.select_for_update().filter(pk=call_id).first()


def _present(call: Call) -> list[CallParticipant]:
    return list(call.participants.filter(left_at__isnull=True).select_related("user").order_by("id"))


def _end(call: Call, event: Event, ended_at: datetime) -> Events:
    step = transition(call.state, event)
    call.state = step.state
    call.outcome = step.outcome.value if step.outcome else ""
    call.ended_at = ended_at
    if call.answered_at is not None:
        call.duration = max(ended_at - call.answered_at, timedelta(0))
    call.save(update_fields=["state", "outcome", "ended_at", "duration"])
    present = _present(call)
    call.participants.filter(left_at__isnull=True).update(left_at=ended_at, left_reason=Reason.ENDED)
    return _ended_events(call, present)


def _settle(call: Call, now: datetime) -> Events:
    """Apply what is due on a locked call as of ``now``: expire gone peers, time out the ring, end it."""
    if not is_live(call.state):
        return []
    window = timedelta(seconds=conf.resume_window())
    events: Events = []
    present = _present(call)
    expired = [p for p in present if p.seen_at + window <= now]
    remaining = [p for p in present if p not in expired]
    for p in expired:
        p.left_at, p.left_reason = p.seen_at, Reason.DROPPED
        p.save(update_fields=["left_at", "left_reason"])
        events += _tell_peers(call, remaining, "peer.left", p, reason=Reason.DROPPED.value)
        events.append(_removed(call, p, Reason.DROPPED.value))
    last_left = max((p.left_at for p in expired if p.left_at), default=now)
    if call.state == CallState.RINGING:
        # Whichever came first: the ring timeout, or the caller's resume window closing.
        gave_up_at = last_left + window if not remaining else None
        if gave_up_at is not None and gave_up_at < call.ring_deadline:
            events += _end(call, Event.FAIL, last_left)
        elif call.ring_deadline <= now:
            events += _end(call, Event.TIMEOUT, call.ring_deadline)
        elif expired:
            events.append(_room_frame(call, "call.updated"))
    elif not remaining:
        last = call.participants.exclude(left_at__isnull=True).order_by("-left_at").first()
        events += _end(call, Event.HANG_UP, last.left_at if last and last.left_at else now)
    elif expired:
        events.append(_room_frame(call, "call.updated"))
    return events


def settle_call(call_id: int, now: datetime | None = None) -> Events:
    now = now or timezone.now()
    with transaction.atomic():
        call = _lock_call(call_id)
        return _settle(call, now) if call is not None else []


def settle_room(room_id: int, now: datetime | None = None) -> Events:
    now = now or timezone.now()
    with transaction.atomic():
        call = _live_call(room_id)
        return _settle(call, now) if call is not None else []


def settle_all(now: datetime | None = None) -> Events:
    """Settle every live call (the ``sweep_calls`` command, for a periodic job)."""
    events: Events = []
    live = Call.objects.filter(state__in=[CallState.RINGING, CallState.ACTIVE]).values_list("id", flat=True)
    for call_id in list(live):
        events += settle_call(call_id, now)
    return events


# --- joining -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PeerView:
    peer_id: str
    user: Payload
    rank: int  # join order: a peer is polite toward the peers that joined before it


@dataclass(frozen=True, slots=True)
class Joined:
    call_id: int
    call: Payload
    peer_id: str
    peer_token: str
    rank: int
    peers: list[PeerView]
    created: bool
    resumed: bool
    ring_deadline: datetime
    events: Events = field(default_factory=list)


def join_call(
    user: AbstractBaseUser,
    room_id: int,
    channel_name: str,
    *,
    resume: str | None = None,
    now: datetime | None = None,
) -> Joined:
    """Start the room's call, join it, or (``resume=<peer_token>``) take a dropped peer back.

    The caller has checked membership. Errors: ``call_full``, ``resume_invalid``, ``resume_expired``.
    """
    now = now or timezone.now()
    events = settle_room(room_id, now)
    try:
        try:
            with transaction.atomic():
                result = (
                    _resume(user, room_id, channel_name, resume, now)
                    if resume
                    else _join(user, room_id, channel_name, now)
                )
        except IntegrityError:
            # Another process started a call in this room (or this user joined from another socket)
            # at the same moment: the retry sees its row and joins that call instead.
            with transaction.atomic():
                result = (
                    _resume(user, room_id, channel_name, resume, now)
                    if resume
                    else _join(user, room_id, channel_name, now)
                )
    except CallError as err:
        err.events = events + err.events
        raise
    return replace(result, events=events + result.events)


def _join(user: AbstractBaseUser, room_id: int, channel_name: str, now: datetime) -> Joined:
    if not _lock_room(room_id):
        raise CallError("forbidden", "this room does not exist")
    events: Events = []
    call = _live_call(room_id)
    created = call is None
    if call is None:
        call = Call.objects.create(
            room_id=room_id,
            state=CallState.RINGING,
            started_by_id=user.pk,
            started_at=now,
            ring_deadline=now + timedelta(seconds=conf.ring_timeout()),
        )
    present = _present(call)
    others = [p for p in present if p.user_id != user.pk]
    if len(others) >= conf.max_peers():
        raise CallError(
            "call_full", f"this call already has {len(others)} people (at most {conf.max_peers()})"
        )
    for old in (p for p in present if p.user_id == user.pk):
        # The same person joining again (another tab, a reloaded page): the new socket takes over.
        old.left_at, old.left_reason = now, Reason.REPLACED
        old.save(update_fields=["left_at", "left_reason"])
        events += _tell_peers(call, others, "peer.left", old, reason=Reason.REPLACED.value)
        events.append(_removed(call, old, Reason.REPLACED.value))
    token = secrets.token_urlsafe(32)
    peer = CallParticipant.objects.create(
        call=call,
        user_id=user.pk,
        peer_id=secrets.token_urlsafe(16),
        token_hash=hash_token(token),
        channel_name=channel_name,
        joined_at=now,
        seen_at=now,
    )
    if call.state == CallState.RINGING and others:
        call.state = transition(call.state, Event.ANSWER).state
        call.answered_at = now
        call.save(update_fields=["state", "answered_at"])
    events.append(_room_frame(call, "call.ringing" if created else "call.updated"))
    events += _tell_peers(call, others, "peer.joined", peer)
    return Joined(
        call_id=call.pk,
        call=call_payload(call),
        peer_id=peer.peer_id,
        peer_token=token,
        rank=peer.pk,
        peers=[PeerView(p.peer_id, user_payload(p.user), p.pk) for p in others],
        created=created,
        resumed=False,
        ring_deadline=call.ring_deadline,
        events=events,
    )


def _resume(
    user: AbstractBaseUser, room_id: int, channel_name: str, token: str | None, now: datetime
) -> Joined:
    found = (
        CallParticipant.objects.filter(token_hash=hash_token(token or ""))
        .values_list("pk", "call_id")
        .first()
    )
    call = _lock_call(found[1]) if found else None  # the call's row first, as everywhere else
    peer = CallParticipant.objects.select_related("user").filter(pk=found[0]).first() if found else None
    if call is None or peer is None or peer.user_id != user.pk or call.room_id != room_id:
        raise CallError("resume_invalid", "that peer_token is not one of yours in this room")
    if peer.left_at is not None:
        if peer.left_reason in (Reason.DROPPED, Reason.ENDED):
            raise CallError("resume_expired", "too late to resume: join the call again")
        raise CallError("resume_invalid", "that peer has left the call: join it again")
    old_channel = peer.channel_name
    peer.channel_name, peer.disconnected_at, peer.seen_at = channel_name, None, now
    peer.save(update_fields=["channel_name", "disconnected_at", "seen_at"])
    others = [p for p in _present(call) if p.pk != peer.pk]
    events = _tell_peers(call, others, "peer.reconnected", peer)
    if old_channel and old_channel != channel_name:
        events.append(_removed(call, peer, Reason.REPLACED.value, keep_channel=channel_name))
    return Joined(
        call_id=call.pk,
        call=call_payload(call),
        peer_id=peer.peer_id,
        peer_token=token or "",
        rank=peer.pk,
        peers=[PeerView(p.peer_id, user_payload(p.user), p.pk) for p in others],
        created=False,
        resumed=True,
        ring_deadline=call.ring_deadline,
        events=events,
    )


# --- leaving, dropping, liveness ---------------------------------------------------------------


def leave_call(
    call_id: int, peer_id: str, channel_name: str, *, reason: str = Reason.LEFT, now: datetime | None = None
) -> tuple[Payload | None, Events]:
    """This socket's peer leaves the call. The last one out ends it: ``cancelled`` if it was still
    ringing, ``completed`` if it was active. Leaving a call one is no longer in is a no-op."""
    now = now or timezone.now()
    events = settle_call(call_id, now)
    with transaction.atomic():
        call = _lock_call(call_id)
        if call is None:
            return None, events
        peer = (
            call.participants.filter(peer_id=peer_id, channel_name=channel_name, left_at__isnull=True)
            .select_related("user")
            .first()
        )
        if peer is None:
            return call_payload(call), events
        peer.left_at, peer.left_reason = now, reason
        peer.save(update_fields=["left_at", "left_reason"])
        remaining = _present(call)
        events += _tell_peers(call, remaining, "peer.left", peer, reason=str(reason))
        if not remaining:
            events += _end(call, Event.CANCEL if call.state == CallState.RINGING else Event.HANG_UP, now)
        else:
            events.append(_room_frame(call, "call.updated"))
        return call_payload(call), events


def drop_peer(call_id: int, peer_id: str, channel_name: str, now: datetime | None = None) -> Events:
    """The socket holding this peer closed without leaving: the peer stays in the call for the resume
    window (the others hear ``peer.disconnected``)."""
    now = now or timezone.now()
    with transaction.atomic():
        peer = (
            CallParticipant.objects.select_related("call", "user")
            .filter(peer_id=peer_id, channel_name=channel_name, left_at__isnull=True)
            .first()
        )
        if peer is None:
            return []
        peer.disconnected_at = peer.seen_at = now
        peer.save(update_fields=["disconnected_at", "seen_at"])
        return _tell_peers(peer.call, _present(peer.call), "peer.disconnected", peer)


def touch(
    call_id: int, peer_id: str, channel_name: str, now: datetime | None = None
) -> tuple[str | None, Events]:
    """A connected peer's liveness mark; also settles the call.

    Returns None while this socket holds the peer, else why it no longer does (a ``left_reason``).
    """
    now = now or timezone.now()
    held = CallParticipant.objects.filter(
        call_id=call_id, peer_id=peer_id, channel_name=channel_name, left_at__isnull=True
    ).update(seen_at=now)
    events = settle_call(call_id, now)
    if held:
        return None, events
    row = CallParticipant.objects.filter(peer_id=peer_id).values_list("left_reason", "channel_name").first()
    if row is None or not row[0]:
        return Reason.REPLACED.value, events  # still in the call, but held by another socket
    return str(row[0]), events


def peer_rank(call_id: int, peer_id: str) -> int | None:
    """The join rank of a present peer of this call, or None (not a peer of this call)."""
    return (
        CallParticipant.objects.filter(call_id=call_id, peer_id=peer_id, left_at__isnull=True)
        .values_list("id", flat=True)
        .first()
    )


# --- declining ---------------------------------------------------------------------------------


def decline_call(
    user: AbstractBaseUser, room_id: int, call_id: int | None = None, now: datetime | None = None
) -> tuple[Payload, Events]:
    """A member declines the room's ringing call. It ends ``declined`` once every member who could
    answer (all but the caller) has declined; for a pair that is the other person."""
    now = now or timezone.now()
    events = settle_room(room_id, now)
    try:
        with transaction.atomic():
            call = _live_call(room_id)
            if call is None or call.state != CallState.RINGING or call_id not in (None, call.pk):
                raise CallError("no_call", "no call is ringing in this room")
            if call.started_by_id == user.pk:
                raise CallError("conflict", "you started this call: leave it to cancel it")
            CallDecline.objects.get_or_create(call=call, user_id=user.pk, defaults={"at": now})
            could_answer = set(Membership.objects.filter(room_id=room_id).values_list("user_id", flat=True))
            could_answer.discard(call.started_by_id)
            declined = set(call.declines.values_list("user_id", flat=True))
            if could_answer <= declined:
                events += _end(call, Event.DECLINE, now)
            else:
                events.append(_room_frame(call, "call.updated"))
            return call_payload(call), events
    except CallError as err:
        err.events = events + err.events
        raise


# --- reading -----------------------------------------------------------------------------------


def room_call_state(room_id: int, now: datetime | None = None) -> tuple[Payload | None, Events]:
    """The room's live call (after settling), or None."""
    events = settle_room(room_id, now)
    call = Call.objects.filter(room_id=room_id, state__in=[CallState.RINGING, CallState.ACTIVE]).first()
    return (call_payload(call) if call else None), events


def call_room(call_id: int) -> int | None:
    return Call.objects.filter(pk=call_id).values_list("room_id", flat=True).first()


def call_detail(call_id: int, now: datetime | None = None) -> tuple[Payload, Events]:
    events = settle_call(call_id, now)
    call = Call.objects.select_related("started_by").get(pk=call_id)
    return call_detail_payload(call), events


def room_calls(room_id: int, limit: int = 50, now: datetime | None = None) -> tuple[list[Payload], Events]:
    """The room's calls, newest first."""
    events = settle_room(room_id, now)
    calls = Call.objects.filter(room_id=room_id).select_related("started_by").order_by("-started_at", "-id")
    return [call_payload(c) for c in calls[:limit]], events
