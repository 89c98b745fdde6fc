"""The chat socket through the real ASGI application (in process): messaging, access, bad input."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from channels.db import database_sync_to_async

from rooms.models import Message
from tests.conftest import open_socket

pytestmark = pytest.mark.django_db(transaction=True)


def send_frame(body: str, client_id: str | None = None) -> dict[str, Any]:
    return {"type": "message.send", "client_id": client_id or str(uuid.uuid4()), "body": body}


@database_sync_to_async
def stored(room: Any) -> list[tuple[int, str, str]]:
    return list(Message.objects.filter(room=room).order_by("seq").values_list("seq", "client_id", "body"))


async def test_pair_exchange_both_ways(cast, connect):
    maya = await connect(cast.maya, cast.pair)
    sam = await connect(cast.sam, cast.pair)
    await maya.send(send_frame("Rough night, pain at 7/10", "m-1"))
    ack = await maya.recv_type("message.new")
    got = await sam.recv_type("message.new")
    assert ack == got
    msg = got["message"]
    assert msg["seq"] == 1 and msg["client_id"] == "m-1" and msg["body"] == "Rough night, pain at 7/10"
    assert msg["sender"] == {"id": cast.maya.pk, "username": "maya", "display_name": "Maya", "role": "mentee"}
    assert msg["room"] == cast.pair.pk and msg["id"] and msg["created_at"]

    await sam.send(send_frame("I'm here. Want to try the breathing exercise?", "s-1"))
    reply = await maya.recv_type("message.new")
    assert reply["message"]["seq"] == 2 and reply["message"]["sender"]["role"] == "mentor"
    assert await stored(cast.pair) == [
        (1, "m-1", "Rough night, pain at 7/10"),
        (2, "s-1", "I'm here. Want to try the breathing exercise?"),
    ]


async def test_messages_stay_in_their_room(cast, connect):
    maya = await connect(cast.maya, cast.pair)
    leo = await connect(cast.leo, cast.other_pair)
    await maya.send(send_frame("only for Sam"))
    await maya.recv_type("message.new")
    assert await leo.silent(0.3)


async def test_non_member_refused_4403(cast):
    sock, ok, code = await open_socket(cast.charlie, f"/ws/rooms/{cast.pair.pk}/")
    assert ok  # accepted, then closed with the application code
    out = await sock.comm.receive_output(timeout=3)
    assert out == {"type": "websocket.close", "code": 4403}


async def test_moderator_is_not_a_member(cast):
    sock, ok, _ = await open_socket(cast.riley, f"/ws/rooms/{cast.pair.pk}/")
    out = await sock.comm.receive_output(timeout=3)
    assert out == {"type": "websocket.close", "code": 4403}


async def test_missing_room_refused_4403(cast):
    sock, ok, _ = await open_socket(cast.maya, "/ws/rooms/99999/")
    out = await sock.comm.receive_output(timeout=3)
    assert out == {"type": "websocket.close", "code": 4403}


async def test_anonymous_refused_4401(cast):
    sock, ok, _ = await open_socket(None, f"/ws/rooms/{cast.pair.pk}/")
    out = await sock.comm.receive_output(timeout=3)
    assert out == {"type": "websocket.close", "code": 4401}


@pytest.mark.parametrize(
    "origin",
    [(b"origin", b"http://evil.example"), (b"origin", b"http://127.0.0.1.evil.example"), None],
    ids=["foreign", "lookalike", "absent"],
)
async def test_foreign_origin_refused_at_handshake(cast, origin):
    sock, ok, _ = await open_socket(cast.maya, f"/ws/rooms/{cast.pair.pk}/", origin=origin)
    assert not ok


async def test_xss_body_is_escaped_and_links_are_safe(cast, connect):
    maya = await connect(cast.maya, cast.pair)
    body = '<img src=x onerror=alert(1)> <a href="javascript:alert(2)">x</a> see https://example.org/pain?x=1&y=2'
    await maya.send(send_frame(body))
    msg = (await maya.recv_type("message.new"))["message"]
    assert msg["body"] == body  # stored as typed
    html = msg["html"]
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert '<a href="javascript' not in html and '&lt;a href="javascript:alert(2)"&gt;' in html
    assert '<a href="https://example.org/pain?x=1&amp;y=2" rel="nofollow noopener">' in html


async def test_same_client_id_stores_one_message(cast, connect):
    maya = await connect(cast.maya, cast.pair)
    answers = []
    for _ in range(3):
        await maya.send(send_frame("only once please", "dup-1"))
        answers.append((await maya.recv_type("message.new"))["message"])
    assert answers[0] == answers[1] == answers[2]
    await maya.close()
    again = await connect(cast.maya, cast.pair)
    await again.send(send_frame("only once please", "dup-1"))
    assert (await again.recv_type("message.new"))["message"] == answers[0]
    assert await stored(cast.pair) == [(1, "dup-1", "only once please")]


async def test_same_client_id_from_two_users_is_two_messages(cast, connect):
    maya = await connect(cast.maya, cast.pair)
    sam = await connect(cast.sam, cast.pair)
    await maya.send(send_frame("a", "same"))
    await maya.recv_type("message.new")
    assert (await sam.recv_type("message.new"))["message"]["seq"] == 1
    await sam.send(send_frame("b", "same"))
    assert (await sam.recv_type("message.new"))["message"]["seq"] == 2
    assert [row[1:] for row in await stored(cast.pair)] == [("same", "a"), ("same", "b")]


async def test_resume_after_gets_missed_messages_in_order_then_live(cast, connect, settings):
    settings.CHAT_RATE_LIMIT = (1000, 1)
    sam = await connect(cast.sam, cast.pair)
    for i in range(50):
        await sam.send(send_frame(f"note {i}"))
        await sam.recv_type("message.new")
    maya = await connect(cast.maya, cast.pair, "?after=0")
    frames = [await maya.recv_type("message.new", "sync.done") for _ in range(51)]
    assert [f["message"]["seq"] for f in frames[:50]] == list(range(1, 51))
    assert frames[50] == {"type": "sync.done", "last_seq": 50}
    await sam.send(send_frame("live one"))
    assert (await maya.recv_type("message.new"))["message"]["seq"] == 51


async def test_sync_frame_fills_a_gap(cast, connect):
    sam = await connect(cast.sam, cast.pair)
    for i in range(5):
        await sam.send(send_frame(f"n{i}"))
        await sam.recv_type("message.new")
    maya = await connect(cast.maya, cast.pair)
    assert maya.state["last_seq"] == 5
    await maya.send({"type": "sync", "after": 2})
    got = [await maya.recv_type("message.new", "sync.done") for _ in range(4)]
    assert [f["message"]["seq"] for f in got[:3]] == [3, 4, 5]
    assert got[3] == {"type": "sync.done", "last_seq": 5}


async def test_resume_after_beyond_last_seq_still_gets_new_messages(cast, connect):
    maya = await connect(cast.maya, cast.pair, "?after=1000")
    assert (await maya.recv_type("sync.done"))["last_seq"] == 0
    sam = await connect(cast.sam, cast.pair)
    await sam.send(send_frame("hello"))
    assert (await maya.recv_type("message.new"))["message"]["seq"] == 1


async def test_typing_presence_and_read_markers(cast, connect):
    maya = await connect(cast.maya, cast.pair)
    assert maya.state["online"] == [cast.maya.pk]
    assert maya.state["read"] == {str(cast.maya.pk): 0, str(cast.sam.pk): 0}
    sam = await connect(cast.sam, cast.pair)
    assert sorted(sam.state["online"]) == sorted([cast.maya.pk, cast.sam.pk])
    assert await maya.recv_type("presence") == {"type": "presence", "user": cast.sam.pk, "online": True}

    await sam.send({"type": "typing", "active": True})
    assert await maya.recv_type("typing") == {"type": "typing", "user": cast.sam.pk, "active": True}

    await sam.send(send_frame("hi Maya"))
    await maya.recv_type("message.new")
    await maya.send({"type": "read", "seq": 1})
    assert await sam.recv_type("read") == {"type": "read", "user": cast.maya.pk, "seq": 1}
    # Markers never move back and never past the last message.
    await maya.send({"type": "read", "seq": 0})
    await maya.send({"type": "read", "seq": 99})
    assert await sam.silent(0.3)

    await sam.close()
    assert await maya.recv_type("presence") == {"type": "presence", "user": cast.sam.pk, "online": False}
    again = await connect(cast.sam, cast.pair)
    assert again.state["read"][str(cast.maya.pk)] == 1


async def test_typing_is_not_echoed_to_the_typist(cast, connect):
    maya = await connect(cast.maya, cast.pair)
    await maya.send({"type": "typing", "active": True})
    assert await maya.silent(0.3)


async def test_flood_is_rate_limited_and_socket_survives(cast, connect, settings):
    maya = await connect(cast.maya, cast.pair)
    codes = []
    for i in range(22):
        await maya.send(send_frame(f"flood {i}", f"f-{i}"))
        frame = await maya.recv_type("message.new", "error")
        codes.append(frame.get("code", "ok"))
        if frame["type"] == "error":
            assert frame["code"] == "rate_limited" and frame["client_id"] == f"f-{i}"
            assert 0 < frame["retry_after"] <= 10
    assert codes.count("ok") == 20 and codes[20:] == ["rate_limited", "rate_limited"]
    assert len(await stored(cast.pair)) == 20
    # Still open: typing and reads still work.
    await maya.send({"type": "read", "seq": 20})
    sam = await connect(cast.sam, cast.pair)
    assert sam.state["read"][str(cast.maya.pk)] == 20


BAD_INPUT = [
    ("not json", "bad_json", None),
    ('{"type": "message.send", "client_id": "x", "body": NaN}', "bad_json", None),
    ("[1, 2]", "bad_frame", None),
    ('"just a string"', "bad_frame", None),
    ('{"body": "no type"}', "bad_frame", None),
    ('{"type": 7}', "bad_frame", None),
    ('{"type": "message.delete"}', "unknown_type", None),
    ('{"type": "message.send", "body": "no client id"}', "bad_frame", None),
    ('{"type": "message.send", "client_id": "c1"}', "bad_frame", "c1"),
    ('{"type": "message.send", "client_id": "c2", "body": "x", "extra": 1}', "bad_frame", "c2"),
    ('{"type": "message.send", "client_id": "c3", "body": 12}', "bad_frame", "c3"),
    ('{"type": "message.send", "client_id": "", "body": "x"}', "bad_frame", None),
    ('{"type": "message.send", "client_id": "' + "k" * 65 + '", "body": "x"}', "bad_frame", None),
    ('{"type": "message.send", "client_id": "c4", "body": ""}', "empty", "c4"),
    ('{"type": "message.send", "client_id": "c5", "body": "  \\n\\t "}', "empty", "c5"),
    (json.dumps({"type": "message.send", "client_id": "c6", "body": "x" * 4001}), "too_long", "c6"),
    (json.dumps({"type": "message.send", "client_id": "c7", "body": "a\x00b"}), "bad_frame", "c7"),
    (json.dumps({"type": "message.send", "client_id": "c8", "body": "y" * 70000}), "too_long", None),
    ('{"type": "sync", "after": -1}', "bad_frame", None),
    ('{"type": "sync", "after": "3"}', "bad_frame", None),
    ('{"type": "sync", "after": true}', "bad_frame", None),
    ('{"type": "typing", "active": "yes"}', "bad_frame", None),
    ('{"type": "read", "seq": 1.5}', "bad_frame", None),
]


@pytest.mark.parametrize(
    "text,code,client_id", BAD_INPUT, ids=[f"{c}-{i}" for i, (_, c, _) in enumerate(BAD_INPUT)]
)
async def test_bad_input_gets_error_and_socket_keeps_working(cast, connect, text, code, client_id):
    maya = await connect(cast.maya, cast.pair)
    sam = await connect(cast.sam, cast.pair)
    await maya.send(send_frame("before"))
    await maya.recv_type("message.new")
    await sam.recv_type("message.new")
    before = await stored(cast.pair)

    await maya.send_text(text)
    err = await maya.recv_type("error")
    assert err["code"] == code, err
    assert isinstance(err["detail"], str) and err["detail"]
    assert err.get("client_id") == client_id
    assert await stored(cast.pair) == before  # nothing changed
    assert await sam.silent(0.2)  # nothing reached the room

    await maya.send(send_frame("after", "after-1"))
    assert (await maya.recv_type("message.new"))["message"]["client_id"] == "after-1"


async def test_binary_frame_refused_and_socket_keeps_working(cast, connect):
    maya = await connect(cast.maya, cast.pair)
    await maya.comm.send_to(bytes_data=b'{"type": "message.send"}')
    err = await maya.recv_type("error")
    assert err["code"] == "bad_frame" and "binary" in err["detail"]
    await maya.send(send_frame("still here"))
    assert (await maya.recv_type("message.new"))["message"]["seq"] == 1


async def test_bad_after_query_reports_error_and_stays_open(cast, connect):
    maya = await connect(cast.maya, cast.pair, "?after=abc")
    err = await maya.recv_type("error")
    assert err["code"] == "bad_frame" and "after" in err["detail"]
    await maya.send(send_frame("ok"))
    assert (await maya.recv_type("message.new"))["message"]["seq"] == 1


async def test_removed_member_socket_is_closed(cast, connect):
    maya = await connect(cast.maya, cast.pair)

    @database_sync_to_async
    def remove() -> None:
        cast.pair.memberships.get(user=cast.maya).delete()

    await remove()
    while True:
        out = await maya.comm.receive_output(timeout=3)
        if out["type"] == "websocket.close":
            assert out["code"] == 4403
            break


async def test_dropped_broadcast_is_filled_from_the_database(cast, connect):
    """The channel layer may drop a wake-up; the next message reveals the gap and the socket fills it."""
    from rooms import services

    maya = await connect(cast.maya, cast.pair)
    sam = await connect(cast.sam, cast.pair)
    await maya.recv_type("presence")
    sender = {"id": cast.sam.pk, "username": "sam", "display_name": "Sam", "role": "mentor"}

    @database_sync_to_async
    def store_without_broadcast() -> None:
        services.store_batch(
            [services.SendItem(cast.pair.pk, cast.sam.pk, sender, "lost-wakeup", "did you get this?")]
        )

    await store_without_broadcast()  # stored, but nobody was told
    assert await maya.silent(0.2)
    await sam.send(send_frame("and this?", "next"))
    first = await maya.recv_type("message.new")
    second = await maya.recv_type("message.new")
    assert [first["message"]["client_id"], second["message"]["client_id"]] == ["lost-wakeup", "next"]
    assert [first["message"]["seq"], second["message"]["seq"]] == [1, 2]


async def test_logout_closes_the_socket(cast, connect):
    from django.test import Client

    from tests.conftest import session_cookie

    cookie = await database_sync_to_async(session_cookie)(cast.maya)
    from channels.testing import WebsocketCommunicator

    from chatserver.asgi import application
    from tests.conftest import ORIGIN

    comm = WebsocketCommunicator(
        application, f"/ws/rooms/{cast.pair.pk}/", headers=[ORIGIN, (b"cookie", cookie)]
    )
    ok, _ = await comm.connect()
    assert ok
    assert (await comm.receive_json_from())["type"] == "room.state"

    @database_sync_to_async
    def logout() -> int:
        client = Client()
        client.cookies["sessionid"] = cookie.decode().split("=", 1)[1]
        return client.post("/accounts/logout/").status_code

    assert await logout() == 302
    out = await comm.receive_output(timeout=3)
    assert out == {"type": "websocket.close", "code": 4401}


async def test_room_state_comes_first_even_when_events_arrive_during_connect(cast, connect, monkeypatch):
    """Events for a socket still connecting wait for room.state (and the resume) instead of overtaking it."""
    import asyncio

    from rooms import consumers

    sam = await connect(cast.sam, cast.pair)
    original = consumers._room_state

    async def slow_room_state(room_id: int) -> Any:
        await asyncio.sleep(0.4)
        return await original(room_id)

    monkeypatch.setattr(consumers, "_room_state", slow_room_state)
    joining = asyncio.create_task(connect(cast.maya, cast.pair))  # connect() asserts room.state is first
    await asyncio.sleep(0.2)
    await sam.send({"type": "typing", "active": True})
    maya = await joining
    assert await maya.recv_type("typing") == {"type": "typing", "user": cast.sam.pk, "active": True}


async def test_a_socket_whose_handler_crashed_is_forgotten(cast, connect, monkeypatch):
    """However a socket ends, it stops being a listener of its room and user (no leak, no ghost wake-ups)."""
    from rooms import consumers
    from rooms.fanout import get_fanout

    maya = await connect(cast.maya, cast.pair)
    sam = await connect(cast.sam, cast.pair)
    fanout = get_fanout()
    assert fanout.listeners(f"room.{cast.pair.pk}") == 2 and fanout.listeners(f"user.{cast.maya.pk}") == 1

    async def broken_mark_read(*args: Any) -> Any:
        raise RuntimeError("database went away")

    monkeypatch.setattr(consumers, "_mark_read", broken_mark_read)
    await maya.send({"type": "read", "seq": 0})
    with pytest.raises(RuntimeError):
        await maya.comm.wait(timeout=3)
    assert fanout.listeners(f"room.{cast.pair.pk}") == 1 and fanout.listeners(f"user.{cast.maya.pk}") == 0
    await sam.send(send_frame("still here?", "after-crash"))
    assert (await sam.recv_type("message.new"))["message"]["client_id"] == "after-crash"


async def test_a_socket_admitted_after_its_session_ended_is_closed(cast, monkeypatch):
    """A logout between the handshake's session check and the socket joining the fan-out is not missed."""
    from rooms import consumers

    def session_gone(session_key: str | None, user_id: int) -> bool:
        return False

    monkeypatch.setattr(consumers, "_session_alive", session_gone)
    sock, ok, _ = await open_socket(cast.maya, f"/ws/rooms/{cast.pair.pk}/")
    assert ok  # accepted, then closed with the contract's code
    assert (await sock.comm.receive_output(timeout=3)) == {"type": "websocket.close", "code": 4401}
