"""The chat against a real daphne process, over real sockets and HTTP (docs/protocol.md).

Every test runs twice: on SQLite with the in-memory channel layer (the embedded default) and on
PostgreSQL with the Redis pub/sub channel layer (a deployment).
"""

from __future__ import annotations

import asyncio
import uuid

import pytest
from websockets.exceptions import InvalidStatus

from tests.e2e.conftest import PairRoom
from tests.support import liveserver as ls
from tests.support.liveserver import ClientPool, Seen

pytestmark = pytest.mark.e2e

CLOSE_NOT_LOGGED_IN = 4401
CLOSE_FORBIDDEN = 4403


async def test_mentee_and_mentor_exchange_messages_both_ways(pair: PairRoom, chat: ClientPool) -> None:
    srv, maya_p, sam_p = pair.server, pair.person("maya"), pair.person("sam")
    maya = await chat.join(srv, pair.room, pair.cookie("maya"), name="maya")
    sam = await chat.join(srv, pair.room, pair.cookie("sam"), name="sam")
    assert maya.state is not None and sam.state is not None
    assert maya.state["last_seq"] == 0
    assert {maya_p.id, sam_p.id} <= set(sam.state["online"])

    hello = await maya.send_message("hello <b>Sam</b>")
    ack = await maya.recv_message()
    heard = await sam.recv_message()
    assert ack == heard
    assert (ack["seq"], ack["client_id"], ack["room"]) == (1, hello, pair.room)
    assert ack["sender"]["id"] == maya_p.id and ack["sender"]["role"] == "mentee"
    assert ack["body"] == "hello <b>Sam</b>"
    assert "<b>" not in ack["html"]  # rendered as text, never as the sender's markup

    reply = await sam.send_message("hi Maya")
    ack2 = await sam.recv_message()
    heard2 = await maya.recv_message()
    assert ack2 == heard2
    assert (ack2["seq"], ack2["client_id"], ack2["sender"]["id"]) == (2, reply, sam_p.id)
    assert ack2["sender"]["role"] == "mentor"

    # The HTTP history says the same, to both members.
    for key in ("maya", "sam"):
        messages, last_seq = await asyncio.to_thread(ls.room_messages, srv, pair.cookie(key), pair.room)
        assert last_seq == 2
        assert [(m["seq"], m["id"], m["client_id"], m["body"]) for m in messages] == [
            (m["seq"], m["id"], m["client_id"], m["body"]) for m in (ack, ack2)
        ]
    status, rooms = await asyncio.to_thread(ls.api_get, srv, pair.cookie("maya"), "/api/rooms/")
    assert status == 200
    listed = {r["id"]: r for r in rooms["rooms"]}
    assert listed[pair.room]["last_seq"] == 2
    assert {m["id"] for m in listed[pair.room]["members"]} == {maya_p.id, sam_p.id}


async def test_outsiders_are_refused(pair: PairRoom, chat: ClientPool) -> None:
    srv = pair.server
    # Logged in, not a member: accepted then closed with 4403, without a word about the room.
    charlie = await chat.connect(srv, pair.room, pair.cookie("charlie"), name="charlie")
    assert await charlie.wait_closed() == CLOSE_FORBIDDEN
    assert charlie.frames == []
    # A room that does not exist looks the same.
    nowhere = await chat.connect(srv, 2**40, pair.cookie("maya"), name="maya-nowhere")
    assert await nowhere.wait_closed() == CLOSE_FORBIDDEN
    # Not logged in: 4401.
    anonymous = await chat.connect(srv, pair.room, None, name="anonymous")
    assert await anonymous.wait_closed() == CLOSE_NOT_LOGGED_IN
    assert anonymous.frames == []
    # A page on another site cannot open a socket with the member's cookie: refused at the handshake.
    with pytest.raises(InvalidStatus) as refused:
        await chat.connect(srv, pair.room, pair.cookie("maya"), origin="http://evil.example")
    assert refused.value.response.status_code == 403
    with pytest.raises(InvalidStatus) as no_origin:
        await chat.connect(srv, pair.room, pair.cookie("maya"), origin="")
    assert no_origin.value.response.status_code == 403

    # The HTTP API agrees.
    path = f"/api/rooms/{pair.room}/messages"
    assert (await asyncio.to_thread(ls.api_get, srv, pair.cookie("charlie"), path))[0] == 403
    assert (await asyncio.to_thread(ls.api_get, srv, None, path))[0] == 401


async def test_resume_after_disconnect_gets_exactly_the_missed_messages(
    pair: PairRoom, chat: ClientPool
) -> None:
    srv = pair.server
    maya = await chat.join(srv, pair.room, pair.cookie("maya"), name="maya")
    sam = await chat.join(srv, pair.room, pair.cookie("sam"), name="sam")
    await sam.send_message("before the break")
    await sam.recv_message()
    last_seen = (await maya.recv_message())["seq"]
    await maya.close()

    missed = [await sam.send_message(f"while you were away #{i}") for i in range(50)]
    acks = await sam.collect_messages(50)
    assert [a["client_id"] for a in acks] == missed

    maya = await chat.join(srv, pair.room, pair.cookie("maya"), after=last_seen, name="maya-again")
    assert maya.state is not None and maya.state["last_seq"] == last_seen + 50
    frames = await maya.frames_until("sync.done")
    caught_up = [f["message"] for f in frames[:-1] if f["type"] == "message.new"]
    assert [f["type"] for f in frames[:-1]] == ["message.new"] * 50, frames
    assert [m["seq"] for m in caught_up] == list(range(last_seen + 1, last_seen + 51))
    assert [m["client_id"] for m in caught_up] == missed
    assert [(m["id"], m["body"]) for m in caught_up] == [(a["id"], a["body"]) for a in acks]
    assert frames[-1]["last_seq"] == last_seen + 50

    live = await sam.send_message("and now live")
    got = await maya.recv_message()
    assert (got["seq"], got["client_id"]) == (last_seen + 51, live)


async def test_same_client_id_stores_one_message(pair: PairRoom, chat: ClientPool) -> None:
    srv = pair.server
    maya = await chat.join(srv, pair.room, pair.cookie("maya"), name="maya")
    sam = await chat.join(srv, pair.room, pair.cookie("sam"), name="sam")
    client_id = str(uuid.uuid4())

    await maya.send_message("only once, please", client_id)
    first = await maya.recv_message()
    await maya.send_message("only once, please", client_id)  # e.g. no ack seen before a hiccup
    second = await maya.recv_message()
    await maya.close()
    maya = await chat.join(srv, pair.room, pair.cookie("maya"), after=first["seq"], name="maya-again")
    await maya.recv_type("sync.done")
    await maya.send_message("only once, please", client_id)  # resent after reconnecting
    third = await maya.recv_message()

    for answer in (first, second, third):
        assert (answer["id"], answer["seq"], answer["client_id"]) == (first["id"], first["seq"], client_id)

    # The other member heard it once: the next message he gets is the one sent after it.
    marker = await maya.send_message("next")
    await maya.recv_message()
    heard = [await sam.recv_message(), await sam.recv_message()]
    assert [m["client_id"] for m in heard] == [client_id, marker]

    messages, last_seq = await asyncio.to_thread(ls.room_messages, srv, pair.cookie("sam"), pair.room)
    assert [m["client_id"] for m in messages] == [client_id, marker]
    assert [m["seq"] for m in messages] == [1, 2] and last_seq == 2
    assert messages[0]["id"] == first["id"]


async def test_logout_closes_the_socket(pair: PairRoom, chat: ClientPool) -> None:
    srv, maya_p = pair.server, pair.person("maya")
    cookie = await asyncio.to_thread(ls.login, srv, maya_p)  # a session of its own, ended below
    other_cookie = await asyncio.to_thread(ls.login, srv, maya_p)  # Maya on a second device
    maya = await chat.join(srv, pair.room, cookie, name="maya")
    maya_elsewhere = await chat.join(srv, pair.room, other_cookie, name="maya-second-device")
    sam = await chat.join(srv, pair.room, pair.cookie("sam"), name="sam")

    resp = await asyncio.to_thread(ls.logout, srv, cookie)
    assert resp.status == 302, resp.text
    assert resp.set_cookies().get("sessionid", "gone") is None  # the session cookie is deleted

    assert await maya.wait_closed() == CLOSE_NOT_LOGGED_IN
    # The session is over: the same cookie no longer opens a socket nor reads the API.
    again = await chat.connect(srv, pair.room, cookie, name="maya-stale")
    assert await again.wait_closed() == CLOSE_NOT_LOGGED_IN
    assert (await asyncio.to_thread(ls.api_get, srv, cookie, "/api/rooms/"))[0] == 401
    # Only that session ended: the socket of Maya's other device stays open, and so does Sam's.
    assert (await asyncio.to_thread(ls.api_get, srv, other_cookie, "/api/rooms/"))[0] == 200
    hello = await sam.send_message("still there?")
    assert (await maya_elsewhere.recv_message())["client_id"] == hello


async def test_after_beyond_the_end_or_malformed(pair: PairRoom, chat: ClientPool) -> None:
    srv = pair.server
    sam = await chat.join(srv, pair.room, pair.cookie("sam"), name="sam")
    first = await sam.send_message("one")
    await sam.recv_message()

    # An after beyond the room's last seq is taken as the last seq: nothing to catch up, then live.
    ahead = await chat.join(srv, pair.room, pair.cookie("maya"), after=1000, name="maya-ahead")
    assert [f["type"] for f in await ahead.frames_until("sync.done")] == ["sync.done"]
    # A malformed after: an error, no catch-up, and the socket stays open (a sync frame still works).
    odd = await chat.join(srv, pair.room, pair.cookie("maya"), after="-1", name="maya-odd")
    error = await odd.recv_type("error")
    assert error["code"] == "bad_frame"
    await odd.send({"type": "sync", "after": 0})
    frames = await odd.frames_until("sync.done")
    assert [f["message"]["client_id"] for f in frames[:-1]] == [first]
    assert frames[-1]["last_seq"] == 1

    second = await sam.send_message("two")
    for client in (ahead, odd):
        got = await client.recv_message()
        assert (got["seq"], got["client_id"]) == (2, second)


async def test_server_restart_loses_and_repeats_nothing(pair: PairRoom, chat: ClientPool) -> None:
    srv = pair.server
    maya = await chat.join(srv, pair.room, pair.cookie("maya"), name="maya")
    sam = await chat.join(srv, pair.room, pair.cookie("sam"), name="sam")
    seen = Seen()  # everything Maya receives, over all her connections
    sent: list[str] = []

    for i in range(3):
        sent.append(await sam.send_message(f"before restart #{i}"))
        await sam.recv_message()
        seen.add(await maya.recv_message())

    await asyncio.to_thread(srv.stop)
    # Both sockets end with the process (the close code depends on how it went down).
    await maya.wait_closed()
    await sam.wait_closed()
    await asyncio.to_thread(srv.start, migrate=False)

    # Sam is back first and talks while Maya is still away.
    sam = await chat.join(srv, pair.room, pair.cookie("sam"), after=3, name="sam-again")
    assert [f["type"] for f in await sam.frames_until("sync.done")] == ["sync.done"]
    for i in range(4):
        sent.append(await sam.send_message(f"after restart #{i}"))
    await sam.collect_messages(4)

    maya = await chat.join(srv, pair.room, pair.cookie("maya"), after=seen.contiguous_to, name="maya-again")
    for frame in await maya.frames_until("sync.done"):
        if frame["type"] == "message.new":
            seen.add(frame["message"])
    for i in range(2):
        sent.append(await sam.send_message(f"live after restart #{i}"))
    for message in await maya.collect_messages(2):
        seen.add(message)

    assert seen.duplicates == []
    assert seen.seqs == list(range(1, 10))
    assert [seen.by_seq[s]["client_id"] for s in seen.seqs] == sent
    messages, last_seq = await asyncio.to_thread(ls.room_messages, srv, pair.cookie("maya"), pair.room)
    assert [m["client_id"] for m in messages] == sent and last_seq == 9


async def test_presence_forgets_sockets_of_a_stopped_server(
    pair: PairRoom, chat: ClientPool, request: pytest.FixtureRequest
) -> None:
    srv = pair.server
    sam = await chat.join(srv, pair.room, pair.cookie("sam"), name="sam")
    await asyncio.to_thread(srv.stop)
    await sam.wait_closed()
    await asyncio.to_thread(srv.start, migrate=False)

    maya = await chat.join(srv, pair.room, pair.cookie("maya"), name="maya")
    assert maya.state is not None
    assert maya.state["online"] == [pair.person("maya").id], "Sam has no socket open"
