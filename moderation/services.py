"""Moderation services: flags from screening, reports and help requests; staff actions; escalation.

Contract
- ``flags_for_messages`` runs inside the message transaction (``rooms.services.store_batch``): a
  flag is stored with its message or not at all. It returns the events to publish after commit:
  ``flag.new`` to the staff group, and for high severity the sender's crisis resources and the
  room mentors' "staff alerted" banner.
- ``act(actor, flag_id, action, note, assignee)`` checks permission and the workflow, changes the
  flag, writes an audit entry in the same transaction, and returns the ``flag.updated`` event.
- ``conversation_for_review`` returns the messages around a flag and writes an audit entry.
- ``escalate_due(now)`` escalates open high-severity flags older than MODERATION_ESCALATE_AFTER once.
- Message bodies never go to logs; log lines carry ids only.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from moderation.access import is_moderator
from moderation.models import AuditEntry, Escalation, Flag
from moderation.resources import crisis_resources
from moderation.workflow import IllegalAction, queue_key, transition
from rooms.models import Message
from rooms.services import display_name, messages_after, room_group, user_group

log = logging.getLogger(__name__)
Payload = dict[str, Any]
STAFF_GROUP = "moderation"


# --- payloads ---------------------------------------------------------------------------------


def _user_brief(user: Any) -> Payload | None:
    if user is None:
        return None
    return {"id": user.pk, "username": user.get_username(), "display_name": display_name(user)}


def flag_payload(flag: Flag) -> Payload:
    msg = flag.message
    return {
        "id": flag.pk,
        "room": {"id": flag.room_id, "name": flag.room.name, "kind": flag.room.kind},
        "message": None
        if msg is None
        else {"id": msg.pk, "seq": msg.seq, "body": msg.body, "created_at": msg.created_at.isoformat()},
        "source": flag.source,
        "subject": _user_brief(flag.subject),
        "raised_by": _user_brief(flag.raised_by),
        "severity": flag.severity,
        "categories": flag.categories,
        "evidence": flag.evidence,
        "about_other": flag.about_other,
        "reason": flag.reason,
        "status": flag.status,
        "assignee": _user_brief(flag.assignee),
        "notes": flag.notes,
        "created_at": flag.created_at.isoformat(),
        "acknowledged_at": flag.acknowledged_at.isoformat() if flag.acknowledged_at else None,
        "closed_at": flag.closed_at.isoformat() if flag.closed_at else None,
        "escalated_at": flag.escalated_at.isoformat() if flag.escalated_at else None,
    }


def _load(flag_ids: Sequence[int]) -> list[Flag]:
    return list(
        Flag.objects.filter(pk__in=flag_ids).select_related(
            "room", "message", "subject", "raised_by", "assignee"
        )
    )


def _staff_event(kind: str, flag: Flag) -> tuple[str, Payload]:
    return (STAFF_GROUP, {"type": "staff.event", "frame": {"type": kind, "flag": flag_payload(flag)}})


def _high_severity_events(flag: Flag, sender_id: int) -> list[tuple[str, Payload]]:
    resources = {
        "type": "crisis.resources",
        "room": flag.room_id,
        "flag_id": flag.pk,
        "message_id": flag.message_id,
        "resources": crisis_resources(),
    }
    banner = {
        "type": "staff.alerted",
        "room": flag.room_id,
        "flag_id": flag.pk,
        "message_id": flag.message_id,
        "seq": flag.message.seq if flag.message else None,
        "protocol": settings.CRISIS_PROTOCOL_TEXT,
    }
    return [
        (user_group(sender_id), {"type": "chat.private", "room": flag.room_id, "frame": resources}),
        (room_group(flag.room_id), {"type": "chat.role_notice", "role": "mentor", "frame": banner}),
    ]


# --- creating flags ---------------------------------------------------------------------------


def flags_for_messages(messages: Sequence[tuple[Message, Payload]]) -> list[tuple[str, Payload]]:
    """Screen stored messages; store a flag for each flagged one (call inside the message transaction)."""
    from moderation.detector import detect

    new: list[tuple[Flag, int]] = []
    for msg, sender in messages:
        verdict = detect(msg.body)
        if not verdict.flagged:
            continue
        data = verdict.to_dict()
        new.append(
            (
                Flag(
                    room_id=msg.room_id,
                    message=msg,
                    source=Flag.Source.DETECTOR,
                    subject_id=msg.sender_id,
                    severity=data["severity"],
                    categories=data["categories"],
                    evidence=data["evidence"],
                    about_other=data.get("about_other", False),
                ),
                int(sender["id"]),
            )
        )
    if not new:
        return []
    Flag.objects.bulk_create([f for f, _ in new])
    loaded = {f.pk: f for f in _load([f.pk for f, _ in new])}
    events: list[tuple[str, Payload]] = []
    for f, sender_id in new:
        flag = loaded[f.pk]
        log.warning(
            "flag %s raised: room=%s message=%s severity=%s",
            flag.pk,
            flag.room_id,
            flag.message_id,
            flag.severity,
        )
        events.append(_staff_event("flag.new", flag))
        if flag.severity == Flag.Severity.HIGH:
            events.extend(_high_severity_events(flag, sender_id))
    return events


def report_message(
    reporter_id: int, room_id: int, message_id: int, reason: str
) -> tuple[Payload, list[tuple[str, Payload]]]:
    """A member reports a message of their room. Raises LookupError if it is not in that room."""
    with transaction.atomic():
        try:
            msg = Message.objects.get(pk=message_id, room_id=room_id)
        except Message.DoesNotExist:
            raise LookupError(message_id) from None
        existing = Flag.objects.filter(
            message=msg, source=Flag.Source.REPORT, raised_by_id=reporter_id
        ).first()
        if existing is not None:
            return {"type": "report.received", "message_id": msg.pk, "flag_id": existing.pk}, []
        flag = Flag.objects.create(
            room_id=room_id,
            message=msg,
            source=Flag.Source.REPORT,
            raised_by_id=reporter_id,
            subject_id=msg.sender_id,
            severity=Flag.Severity.MEDIUM,
            reason=reason,
        )
        flag = _load([flag.pk])[0]
        events = [_staff_event("flag.new", flag)]
    return {"type": "report.received", "message_id": msg.pk, "flag_id": flag.pk}, events


def request_help(user_id: int, room_id: int, note: str) -> tuple[Payload, list[tuple[str, Payload]]]:
    """'I need help now': a high-severity flag, the crisis resources, and the mentor's banner."""
    with transaction.atomic():
        flag = Flag.objects.create(
            room_id=room_id,
            source=Flag.Source.HELP,
            raised_by_id=user_id,
            subject_id=user_id,
            severity=Flag.Severity.HIGH,
            categories=[],
            reason=note,
        )
        flag = _load([flag.pk])[0]
        events = [_staff_event("flag.new", flag), *_high_severity_events(flag, user_id)]
    log.warning("help request: flag %s room=%s user=%s", flag.pk, room_id, user_id)
    return {"type": "help.received", "flag_id": flag.pk}, events


def notices_on_connect(user_id: int, room_id: int, role: str) -> list[Payload]:
    """Frames to show again when a member (re)connects: open high flags they should still see."""
    since = timezone.now() - timedelta(hours=24)
    open_high = Flag.objects.filter(
        room_id=room_id,
        severity=Flag.Severity.HIGH,
        status__in=["open", "acknowledged"],
        created_at__gte=since,
    ).select_related("room", "message")
    frames: list[Payload] = []
    for flag in open_high.order_by("created_at"):
        for group, event in _high_severity_events(flag, flag.subject_id):
            if group == user_group(user_id) and flag.subject_id == user_id:
                frames.append(event["frame"])
            elif group == room_group(room_id) and role == event["role"]:
                frames.append(event["frame"])
    return frames


# --- staff ------------------------------------------------------------------------------------


class Forbidden(Exception):
    pass


def queue(statuses: Sequence[str] = ("open", "acknowledged")) -> list[Payload]:
    flags = Flag.objects.filter(status__in=statuses).select_related(
        "room", "message", "subject", "raised_by", "assignee"
    )
    ordered = sorted(flags, key=lambda f: queue_key(f.severity, f.created_at.timestamp()))
    return [flag_payload(f) for f in ordered]


def audit(
    actor: Any,
    action: str,
    *,
    flag: Flag | None = None,
    room_id: int | None = None,
    reason: str = "",
    **detail: Any,
) -> None:
    AuditEntry.objects.create(
        actor=actor,
        action=action,
        flag=flag,
        room_id=room_id or (flag.room_id if flag else None),
        reason=reason,
        detail=detail,
    )


def audit_trail(flag_id: int) -> list[Payload]:
    return [
        {
            "id": e.pk,
            "actor": _user_brief(e.actor),
            "action": e.action,
            "reason": e.reason,
            "detail": e.detail,
            "at": e.created_at.isoformat(),
        }
        for e in AuditEntry.objects.filter(flag_id=flag_id).select_related("actor").order_by("id")
    ]


def act(
    actor: Any, flag_id: int, action: str, note: str = "", assignee_id: int | None = None
) -> tuple[Payload, tuple[str, Payload]]:
    """Apply a staff action. Raises Forbidden, LookupError or IllegalAction; changes nothing then."""
    if not is_moderator(actor):
        raise Forbidden()
    if not isinstance(note, str) or len(note) > 4000:
        raise IllegalAction("bad_request", "'note' must be a string of at most 4000 characters")
    now = timezone.now()
    with transaction.atomic():
        try:
            flag = Flag.objects.select_for_update().get(pk=flag_id)
        except Flag.DoesNotExist:
            raise LookupError(flag_id) from None
        step = transition(flag.status, action, note)  # type: ignore[arg-type]
        if action == "assign":
            if assignee_id is None:
                flag.assignee = None
            else:
                assignee = get_user_model().objects.filter(pk=assignee_id).first()
                if assignee is None or not is_moderator(assignee):
                    raise IllegalAction(
                        "bad_request", "the assignee must be a member of staff who can moderate"
                    )
                flag.assignee = assignee
        flag.status = step.status
        if step.acknowledges and flag.acknowledged_at is None:
            flag.acknowledged_at = now
        if step.closes:
            flag.closed_at = now
        if note.strip():
            flag.notes = [
                *flag.notes,
                {"by": actor.get_username(), "at": now.isoformat(), "action": action, "text": note},
            ]
        flag.save()
        audit(actor, f"flag.{action}", flag=flag, reason=note, status=flag.status, assignee=flag.assignee_id)
        flag = _load([flag.pk])[0]
        payload = flag_payload(flag)
    return payload, _staff_event("flag.updated", flag)


def conversation_for_review(actor: Any, flag_id: int, reason: str = "", around: int = 20) -> Payload:
    """The conversation around a flag, for staff; every call is written to the audit log."""
    if not is_moderator(actor):
        raise Forbidden()
    with transaction.atomic():
        try:
            flag = Flag.objects.select_related("room", "message").get(pk=flag_id)
        except Flag.DoesNotExist:
            raise LookupError(flag_id) from None
        centre = flag.message.seq if flag.message else flag.room.last_seq
        start = max(0, centre - around - 1)
        messages = messages_after(flag.room_id, start, 2 * around + 1)
        audit(
            actor,
            "conversation.opened",
            flag=flag,
            reason=reason,
            seq_from=start + 1,
            seq_to=start + len(messages),
        )
    return {"flag_id": flag.pk, "room": {"id": flag.room_id, "name": flag.room.name}, "messages": messages}


def flag_detail(actor: Any, flag_id: int) -> Payload:
    if not is_moderator(actor):
        raise Forbidden()
    flags = _load([flag_id])
    if not flags:
        raise LookupError(flag_id)
    return {**flag_payload(flags[0]), "audit": audit_trail(flag_id)}


# --- escalation -------------------------------------------------------------------------------


def escalate_due(now: datetime | None = None) -> list[tuple[str, Payload]]:
    """Escalate every open high flag unacknowledged for MODERATION_ESCALATE_AFTER seconds, once.

    Safe to run from several workers at once: each flag is claimed under a row lock.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.MODERATION_ESCALATE_AFTER)
    events: list[tuple[str, Payload]] = []
    due = list(
        Flag.objects.filter(severity="high", status="open", escalated_at__isnull=True, created_at__lte=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[:100]
    )
    for flag_id in due:
        with transaction.atomic():
            qs = (
                Flag.objects.select_for_update(skip_locked=True)
                if _skip_locked()
                else Flag.objects.select_for_update()
            )
            flag = (
                qs.filter(pk=flag_id, status="open", escalated_at__isnull=True).select_related("room").first()
            )
            if flag is None:
                continue
            _notify_oncall(flag)
            flag.escalated_at = now
            flag.save(update_fields=["escalated_at", "updated_at"])
            audit(
                None,
                "flag.escalated",
                flag=flag,
                reason=f"unacknowledged for {settings.MODERATION_ESCALATE_AFTER}s",
            )
        events.append(_staff_event("flag.updated", _load([flag_id])[0]))
    return events


def _skip_locked() -> bool:
    from django.db import connection

    return bool(connection.features.has_select_for_update_skip_locked)


def _notify_oncall(flag: Flag) -> None:
    link = f"{settings.SITE_URL.rstrip('/')}/moderation/#flag-{flag.pk}"
    # No message contents leave the system by email or webhook: only what staff need to act.
    subject = f"[peerchat] Unacknowledged HIGH severity flag #{flag.pk} in room {flag.room.name}"
    body = (
        f"A high-severity flag (#{flag.pk}, {', '.join(flag.categories) or flag.source}) raised at "
        f"{flag.created_at:%Y-%m-%d %H:%M %Z} has not been acknowledged for "
        f"{settings.MODERATION_ESCALATE_AFTER} seconds.\n\nReview it now: {link}\n"
    )
    if settings.ONCALL_EMAILS:
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, settings.ONCALL_EMAILS, fail_silently=False)
            Escalation.objects.create(
                flag=flag, channel="email", target=",".join(settings.ONCALL_EMAILS), ok=True
            )
        except Exception as exc:  # a mail outage must not stop the webhook nor lose the record
            log.error("escalation email for flag %s failed: %s", flag.pk, type(exc).__name__)
            Escalation.objects.create(
                flag=flag,
                channel="email",
                target=",".join(settings.ONCALL_EMAILS),
                ok=False,
                detail=str(exc)[:500],
            )
    if settings.ESCALATION_WEBHOOK_URL:
        data = json.dumps(
            {
                "flag_id": flag.pk,
                "severity": flag.severity,
                "categories": flag.categories,
                "room": flag.room_id,
                "url": link,
                "created_at": flag.created_at.isoformat(),
            }
        ).encode()
        req = urllib.request.Request(
            settings.ESCALATION_WEBHOOK_URL, data=data, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:  # the operator-configured URL
                ok = 200 <= resp.status < 300
                detail = f"HTTP {resp.status}"
        except Exception as exc:
            ok, detail = False, str(exc)[:500]
            log.error("escalation webhook for flag %s failed: %s", flag.pk, detail)
        Escalation.objects.create(
            flag=flag, channel="webhook", target=settings.ESCALATION_WEBHOOK_URL, ok=ok, detail=detail
        )
    if not settings.ONCALL_EMAILS and not settings.ESCALATION_WEBHOOK_URL:
        log.error(
            "flag %s needs escalation but no ONCALL_EMAILS nor ESCALATION_WEBHOOK_URL is configured", flag.pk
        )
        Escalation.objects.create(
            flag=flag, channel="none", target="", ok=False, detail="no on-call contact configured"
        )
