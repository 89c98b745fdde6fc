"""Flags from chat to staff: screening, crisis resources, banners, the staff feed, actions, audit."""

from __future__ import annotations

import json
import logging
import uuid
from datetime import timedelta
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from moderation.models import AuditEntry, Escalation, Flag
from rooms.models import Message
from tests.conftest import open_socket

pytestmark = pytest.mark.django_db(transaction=True)

CRISIS = "I'm going to end my life tonight."
PAIN_TALK = "This flare is killing me, I'd kill for a night's sleep"


def send_frame(body: str, client_id: str | None = None) -> dict[str, Any]:
    return {"type": "message.send", "client_id": client_id or str(uuid.uuid4()), "body": body}


async def staff_socket(user: Any) -> Any:
    sock, ok, _ = await open_socket(user, "/ws/moderation/")
    assert ok
    snapshot = await sock.recv()
    assert snapshot["type"] == "flags.snapshot"
    sock.snapshot = snapshot["flags"]
    return sock


@database_sync_to_async
def flags() -> list[Flag]:
    return list(Flag.objects.order_by("id"))


@database_sync_to_async
def audit_actions() -> list[tuple[str, str | None]]:
    return list(AuditEntry.objects.order_by("id").values_list("action", "actor__username"))


async def test_crisis_message_is_delivered_flagged_and_staff_told(cast, connect, caplog):
    caplog.set_level(logging.DEBUG)
    riley = await staff_socket(cast.riley)
    maya = await connect(cast.maya, cast.pair)
    sam = await connect(cast.sam, cast.pair)
    await maya.send(send_frame(CRISIS, "crisis-1"))

    # The mentor gets the message itself, never held back, and the banner that staff were alerted.
    got = await sam.recv_type("message.new")
    assert got["message"]["body"] == CRISIS
    banner = await sam.recv_type("staff.alerted")
    assert banner["room"] == cast.pair.pk and banner["seq"] == 1 and "9-1-1" in banner["protocol"]
    # The sender gets its ack and private crisis resources, in English and French.
    assert (await maya.recv_type("message.new"))["message"]["client_id"] == "crisis-1"
    resources = await maya.recv_type("crisis.resources")
    locales = {r["locale"]: r for r in resources["resources"]}
    assert set(locales) == {"en", "fr"} and any("9-8-8" in line for line in locales["en"]["lines"])
    # Staff see the flag live, with the evidence.
    new = await riley.recv_type("flag.new")
    flag = new["flag"]
    assert flag["severity"] == "high" and "suicide" in flag["categories"] and flag["status"] == "open"
    assert flag["message"]["seq"] == 1 and flag["room"]["id"] == cast.pair.pk
    assert flag["evidence"] and all(CRISIS[e["start"] : e["end"]] == e["text"] for e in flag["evidence"])
    # The flag is stored with its message; the body never reached a log line.
    stored = await flags()
    assert len(stored) == 1 and stored[0].message_id == got["message"]["id"]
    assert CRISIS not in caplog.text and "end my life" not in caplog.text


async def test_pain_talk_is_not_flagged(cast, connect):
    riley = await staff_socket(cast.riley)
    maya = await connect(cast.maya, cast.pair)
    await maya.send(send_frame(PAIN_TALK))
    await maya.recv_type("message.new")
    assert await maya.silent(0.3)
    assert await riley.silent(0.2)
    assert await flags() == []


async def test_other_rooms_do_not_see_the_banner(cast, connect):
    ana = await connect(cast.ana, cast.other_pair)
    maya = await connect(cast.maya, cast.pair)
    await maya.send(send_frame(CRISIS))
    await maya.recv_type("crisis.resources")
    assert await ana.silent(0.3)


async def test_notices_are_shown_again_on_reconnect(cast, connect):
    maya = await connect(cast.maya, cast.pair)
    await maya.send(send_frame(CRISIS))
    await maya.recv_type("crisis.resources")
    sam = await connect(cast.sam, cast.pair)  # the mentor opens the room later
    assert (await sam.recv_type("staff.alerted"))["seq"] == 1
    maya2 = await connect(cast.maya, cast.pair)
    assert (await maya2.recv_type("crisis.resources"))["room"] == cast.pair.pk


async def test_non_staff_refused_from_feed_and_api(cast):
    for user, code in ((cast.maya, 4403), (cast.sam, 4403), (None, 4401)):
        sock, ok, _ = await open_socket(user, "/ws/moderation/")
        assert (await sock.comm.receive_output(timeout=3)) == {"type": "websocket.close", "code": code}

    @database_sync_to_async
    def api_status() -> list[int]:
        c = Client()
        c.force_login(cast.sam)
        return [
            c.get("/api/moderation/flags/").status_code,
            Client().get("/api/moderation/flags/").status_code,
        ]

    assert await api_status() == [403, 401]


async def test_report_and_help_request_create_flags(cast, connect):
    riley = await staff_socket(cast.riley)
    maya = await connect(cast.maya, cast.pair)
    sam = await connect(cast.sam, cast.pair)
    await sam.send(send_frame("you should just stop taking everything"))
    msg = (await sam.recv_type("message.new"))["message"]
    await maya.recv_type("message.new")

    await maya.send({"type": "message.report", "message_id": msg["id"], "reason": "this felt unsafe"})
    receipt = await maya.recv_type("report.received")
    assert receipt["message_id"] == msg["id"]
    reported = (await riley.recv_type("flag.new"))["flag"]
    assert reported["source"] == "report" and reported["raised_by"]["username"] == "maya"
    assert reported["subject"]["username"] == "sam" and reported["reason"] == "this felt unsafe"
    # Reporting again is idempotent.
    await maya.send({"type": "message.report", "message_id": msg["id"], "reason": "again"})
    assert (await maya.recv_type("report.received"))["flag_id"] == receipt["flag_id"]

    await maya.send({"type": "help.request"})
    helped = await maya.recv_type("help.received")
    await maya.recv_type("crisis.resources")
    assert (await sam.recv_type("staff.alerted"))["flag_id"] == helped["flag_id"]
    help_flag = (await riley.recv_type("flag.new"))["flag"]
    assert help_flag["source"] == "help" and help_flag["severity"] == "high"
    assert len(await flags()) == 2


async def test_report_of_a_message_from_another_room_is_refused(cast, connect):
    leo = await connect(cast.leo, cast.other_pair)
    await leo.send(send_frame("hello"))
    other_msg = (await leo.recv_type("message.new"))["message"]
    maya = await connect(cast.maya, cast.pair)
    await maya.send({"type": "message.report", "message_id": other_msg["id"], "reason": "x"})
    err = await maya.recv_type("error")
    assert err["code"] == "forbidden"
    assert await flags() == []
    await maya.send(send_frame("still works"))
    assert (await maya.recv_type("message.new"))["message"]["seq"] == 1


async def test_staff_actions_update_every_staff_socket_and_are_audited(cast, connect):
    @database_sync_to_async
    def second_moderator() -> Any:
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Permission

        jo = get_user_model().objects.create_user("jo", password="x", is_staff=True)
        jo.user_permissions.add(Permission.objects.get(codename="moderate_conversations"))
        return jo

    jo = await second_moderator()
    riley = await staff_socket(cast.riley)
    jo_sock = await staff_socket(jo)
    maya = await connect(cast.maya, cast.pair)
    await maya.send(send_frame(CRISIS))
    flag_id = (await riley.recv_type("flag.new"))["flag"]["id"]
    await jo_sock.recv_type("flag.new")

    await riley.send(
        {"type": "flag.action", "flag_id": flag_id, "action": "acknowledge", "note": "calling her now"}
    )
    for sock in (riley, jo_sock):
        updated = (await sock.recv_type("flag.updated"))["flag"]
        assert updated["status"] == "acknowledged" and updated["acknowledged_at"]
        assert updated["notes"][0]["text"] == "calling her now"
    await riley.send({"type": "flag.action", "flag_id": flag_id, "action": "assign", "assignee": jo.pk})
    assert (await jo_sock.recv_type("flag.updated"))["flag"]["assignee"]["username"] == "jo"
    assert (await riley.recv_type("flag.updated"))["flag"]["assignee"]["username"] == "jo"
    await jo_sock.send({"type": "conversation.open", "flag_id": flag_id, "reason": "context before calling"})
    convo = await jo_sock.recv_type("conversation")
    assert [m["body"] for m in convo["messages"]] == [CRISIS]
    await jo_sock.send(
        {"type": "flag.action", "flag_id": flag_id, "action": "resolve", "note": "safe, with family"}
    )
    assert (await riley.recv_type("flag.updated"))["flag"]["status"] == "resolved"

    assert await audit_actions() == [
        ("flag.acknowledge", "riley"),
        ("flag.assign", "riley"),
        ("conversation.opened", "jo"),
        ("flag.resolve", "jo"),
    ]
    # A closed flag refuses more actions and nothing changes.
    await riley.send({"type": "flag.action", "flag_id": flag_id, "action": "dismiss", "note": "x"})
    assert (await riley.recv_type("error"))["code"] == "conflict"
    assert len(await audit_actions()) == 4


@pytest.mark.parametrize(
    "frame,code",
    [
        ("nope", "bad_json"),
        ('{"type": "flag.delete", "flag_id": 1}', "unknown_type"),
        ('{"type": "flag.action", "flag_id": "1", "action": "acknowledge"}', "bad_frame"),
        ('{"type": "flag.action", "flag_id": 1, "action": "acknowledge", "x": 1}', "bad_frame"),
        ('{"type": "flag.action", "flag_id": 1, "action": "explode"}', "bad_action"),
        ('{"type": "flag.action", "flag_id": 1, "action": "dismiss"}', "note_required"),
        ('{"type": "flag.action", "flag_id": 999, "action": "acknowledge"}', "not_found"),
        ('{"type": "flag.action", "flag_id": 1, "action": "assign", "assignee": 0}', "bad_request"),
    ],
)
async def test_bad_staff_frames_get_errors_and_change_nothing(cast, connect, frame, code):
    maya = await connect(cast.maya, cast.pair)
    await maya.send(send_frame(CRISIS))
    await maya.recv_type("crisis.resources")
    riley = await staff_socket(cast.riley)
    flag_id = riley.snapshot[0]["id"]
    await riley.send_text(frame.replace('"flag_id": 1,', f'"flag_id": {flag_id},'))
    err = await riley.recv_type("error")
    assert err["code"] == code and err["detail"]
    assert [f.status for f in await flags()] == ["open"]
    assert await audit_actions() == []
    await riley.send({"type": "flag.action", "flag_id": flag_id, "action": "acknowledge"})
    assert (await riley.recv_type("flag.updated"))["flag"]["status"] == "acknowledged"


async def test_snapshot_is_ordered_by_severity_then_age(cast, connect):
    maya = await connect(cast.maya, cast.pair)
    sam = await connect(cast.sam, cast.pair)
    await sam.send(send_frame("hello"))
    msg = (await sam.recv_type("message.new"))["message"]
    await maya.send({"type": "message.report", "message_id": msg["id"], "reason": "odd"})  # medium, oldest
    await maya.recv_type("report.received")
    await maya.send(send_frame(CRISIS))  # high
    await maya.recv_type("crisis.resources")
    await maya.send({"type": "help.request"})  # high, newest
    await maya.recv_type("help.received")
    riley = await staff_socket(cast.riley)
    assert [(f["severity"], f["source"]) for f in riley.snapshot] == [
        ("high", "detector"),
        ("high", "help"),
        ("medium", "report"),
    ]


def make_flag(cast: Any, seconds_ago: int, severity: str = "high") -> Flag:
    from rooms import services

    sender = {"id": cast.maya.pk, "username": "maya", "display_name": "Maya", "role": "mentee"}
    services.store_batch([services.SendItem(cast.pair.pk, cast.maya.pk, sender, str(uuid.uuid4()), "x")])
    msg = Message.objects.order_by("-id").first()
    flag = Flag.objects.create(
        room=cast.pair, message=msg, source="detector", subject=cast.maya, severity=severity
    )
    Flag.objects.filter(pk=flag.pk).update(created_at=timezone.now() - timedelta(seconds=seconds_ago))
    return flag


def test_unacknowledged_high_flag_is_escalated_once(cast, settings):
    settings.ONCALL_EMAILS = ["oncall@example.org"]
    settings.MODERATION_ESCALATE_AFTER = 120
    old = make_flag(cast, 300)
    make_flag(cast, 10)  # too young
    make_flag(cast, 300, "medium")  # not high
    acked = make_flag(cast, 300)
    Flag.objects.filter(pk=acked.pk).update(status="acknowledged")

    call_command("escalation_worker", "--once")
    call_command("escalation_worker", "--once")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["oncall@example.org"] and f"#{old.pk}" in mail.outbox[0].subject
    assert "x" not in mail.outbox[0].body.split("Review it now")[0].split()  # no message text in the mail
    assert list(Escalation.objects.values_list("flag_id", "channel", "ok")) == [(old.pk, "email", True)]
    assert Flag.objects.get(pk=old.pk).escalated_at is not None
    assert list(AuditEntry.objects.values_list("action", "flag_id", "actor")) == [
        ("flag.escalated", old.pk, None)
    ]


def test_escalation_webhook_is_called(cast, settings):
    import http.server
    import threading

    received: list[dict[str, Any]] = []

    class Hook(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings.ESCALATION_WEBHOOK_URL = f"http://127.0.0.1:{server.server_port}/hook"
        settings.ONCALL_EMAILS = []
        flag = make_flag(cast, 500)
        call_command("escalation_worker", "--once")
    finally:
        server.shutdown()
    assert [r["flag_id"] for r in received] == [flag.pk] and received[0]["severity"] == "high"
    assert list(Escalation.objects.values_list("channel", "ok")) == [("webhook", True)]


def test_http_api_lists_acts_and_audits(cast):
    flag = make_flag(cast, 5)
    c = Client()
    c.force_login(cast.riley)
    listed = c.get("/api/moderation/flags/").json()["flags"]
    assert [f["id"] for f in listed] == [flag.pk]
    bad = c.post("/api/moderation/flags/", data="{", content_type="application/json")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "bad_json"
    resp = c.post(
        "/api/moderation/flags/",
        data={"flag_id": flag.pk, "action": "acknowledge", "note": "on it"},
        content_type="application/json",
    )
    assert resp.status_code == 200 and resp.json()["flag"]["status"] == "acknowledged"
    again = c.post(
        f"/api/moderation/flags/{flag.pk}/", data={"action": "acknowledge"}, content_type="application/json"
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"
    convo = c.get(f"/api/moderation/flags/{flag.pk}/conversation?reason=check").json()
    assert [m["seq"] for m in convo["messages"]] == [1]
    detail = c.get(f"/api/moderation/flags/{flag.pk}/").json()["flag"]
    assert [a["action"] for a in detail["audit"]] == ["flag.acknowledge", "conversation.opened"]
    assert detail["audit"][1]["reason"] == "check"
