"""Crisis escalation through a real daphne process: the staff feed, and the escalation worker
(dashboard closed, worker restarted)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import connect

from tests.support import liveserver as ls
from tests.support.liveserver import ClientPool, LiveServer

pytestmark = pytest.mark.e2e

CRISIS = "I've been saving my pills, I have enough now and I'm taking them all tonight."

_GRANT = """
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
u = get_user_model().objects.get(username=spec)
u.is_staff = True
u.save()
u.user_permissions.add(Permission.objects.get(codename="moderate_conversations"))
result(u.pk)
"""


def setup_people(server: LiveServer) -> tuple[ls.Cast, dict[str, str]]:
    cast = ls.create_cast(server, ["maya", "sam", "riley"])
    members = [(cast["maya"].username, "mentee"), (cast["sam"].username, "mentor")]
    rooms = ls.create_cast(server, rooms={"Maya & Sam": ("pair", members)}).rooms
    cast.rooms.update(rooms)
    server.run_python(f"spec = {cast['riley'].username!r}\n" + _GRANT)
    cookies = {key: ls.login(server, person) for key, person in cast.people.items()}
    return cast, cookies


async def staff_feed(server: LiveServer, cookie: str) -> Any:
    ws = await connect(
        server.ws_url("/ws/moderation/"),
        additional_headers=[("Origin", server.origin), ("Cookie", cookie)],
        proxy=None,
    )
    snapshot = json.loads(await ws.recv())
    assert snapshot["type"] == "flags.snapshot"
    return ws


async def test_crisis_reaches_staff_within_two_seconds_and_mentor_still_gets_it(
    server: LiveServer, chat: ClientPool
) -> None:
    cast, cookies = await asyncio.to_thread(setup_people, server)
    room = cast.rooms["Maya & Sam"]
    feed = await staff_feed(server, cookies["riley"])
    try:
        maya = await chat.join(server, room, cookies["maya"], name="maya")
        sam = await chat.join(server, room, cookies["sam"], name="sam")
        await maya.send_message(CRISIS, "crisis-e2e")
        # The bound: staff learn of it within 2 s (it is usually a few milliseconds).
        frame = json.loads(await asyncio.wait_for(feed.recv(), timeout=2.0))
        assert frame["type"] == "flag.new"
        flag = frame["flag"]
        assert flag["severity"] == "high" and flag["message"]["body"] == CRISIS
        assert flag["subject"]["username"] == cast["maya"].username
        got = await sam.recv_message()
        assert got["body"] == CRISIS and got["client_id"] == "crisis-e2e"
        assert (await sam.recv_type("staff.alerted", skip=frozenset({"presence", "typing", "read"})))[
            "flag_id"
        ] == flag["id"]
        resources = await maya.recv_type("crisis.resources", skip=frozenset({"presence", "message.new"}))
        assert {r["locale"] for r in resources["resources"]} == {"en", "fr"}

        # A mentee cannot open the staff feed.
        with pytest.raises(Exception):  # noqa: B017 - closed right after the handshake
            ws = await staff_feed(server, cookies["maya"])
            await ws.recv()
    finally:
        await feed.close()


def _worker(server: LiveServer, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [ls.PYTHON, "manage.py", "escalation_worker"],
            cwd=ls.REPO_ROOT,
            env=server.env(),
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _wait_for(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


async def test_escalation_with_dashboard_closed_survives_a_worker_restart(
    make_server: Callable[..., LiveServer], chat: ClientPool, tmp_path: Path
) -> None:
    mail_dir = tmp_path / "mail"
    server = make_server(
        "daphne-escalation",
        env={
            "MODERATION_ESCALATE_AFTER": "3",
            "MODERATION_POLL_SECONDS": "1",
            "ONCALL_EMAILS": "oncall@example.org",
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(mail_dir),
        },
    )
    await asyncio.to_thread(server.start)
    cast, cookies = await asyncio.to_thread(setup_people, server)
    room = cast.rooms["Maya & Sam"]
    worker_log = tmp_path / "worker.log"
    worker = _worker(server, worker_log)
    try:
        maya = await chat.join(server, room, cookies["maya"], name="maya")
        await maya.send_message(CRISIS)
        await maya.recv_type("crisis.resources", skip=frozenset({"presence", "message.new"}))
        # The worker dies before the flag is due (no dashboard is open either)...
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
        assert not mail_dir.exists() or not os.listdir(mail_dir)
        # ...and the server restarts too. Nothing about the flag lives outside the database.
        await asyncio.to_thread(server.restart)
        worker = _worker(server, worker_log)
        files = await asyncio.to_thread(
            _wait_for, lambda: mail_dir.exists() and os.listdir(mail_dir), 30, "the escalation email"
        )
        text = (mail_dir / files[0]).read_text()
        assert "oncall@example.org" in text and "Unacknowledged HIGH severity flag" in text
        assert "saving my pills" not in text  # no message contents leave by email
        rows = await asyncio.to_thread(
            server.run_python,
            "from moderation.models import Escalation, AuditEntry\n"
            "result([list(Escalation.objects.values_list('channel', 'ok')),"
            " list(AuditEntry.objects.values_list('action', flat=True))])",
        )
        assert rows == [[["email", True]], ["flag.escalated"]]
        # Escalated once: later checks do not send again.
        await asyncio.sleep(2.5)
        assert len(os.listdir(mail_dir)) == 1
    finally:
        worker.terminate()
        try:
            worker.wait(10)
        except subprocess.TimeoutExpired:
            worker.kill()
        print(worker_log.read_text()[-3000:] if worker_log.exists() else "")
