"""The signaling socket through the real ASGI application (in process): the call lifecycle, relay,
access, resume, and what the room's chat sockets hear."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from signaling import timers
from signaling.models import Call, CallParticipant
from tests.conftest import open_socket
from tests.signaling.conftest import get_call, participants

pytestmark = pytest.mark.django_db(transaction=True)


def who(user: Any) -> dict[str, Any]:
    return {"id": user.pk, "username": user.username, "display_name": user.first_name}


async def wait_for(predicate: Any, timeout: float = 5.0) -> None:
    """Poll an async predicate until it holds (a deadline, not a timing assertion)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await predicate():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


# --- starting, ringing, joining -----------------------------------------------------------------


async def test_ringing_reaches_only_the_rooms_chat_sockets(cast, connect, calls):
    sam_chat = await connect(cast.sam, cast.pair)
    maya_chat = await connect(cast.maya, cast.pair)
    leo_chat = await connect(cast.leo, cast.other_pair)
    sam_workshop = await connect(cast.sam, cast.workshop)
    maya = await calls(cast.maya, cast.pair)
    assert maya.state["call"] is None

    joined = await maya.join()
    assert joined["peers"] == [] and joined["polite"] is False
    assert joined["ice_servers"] == [] and joined["resumed"] is False
    assert len(joined["peer_id"]) >= 16 and len(joined["peer_token"]) >= 32

    ringing = await sam_chat.recv_type("call.ringing")
    call = ringing["call"]
    assert call["id"] == joined["call_id"] and call["room"] == cast.pair.pk
    assert call["started_by"] == who(cast.maya) and call["state"] == "ringing"
    assert call["in_call"] == [cast.maya.pk]
    assert "peer_id" not in str(ringing) and joined["peer_id"] not in str(ringing)
    assert (await maya_chat.recv_type("call.ringing"))["call"]["id"] == call["id"]
    assert await leo_chat.silent(0.3)
    assert await sam_workshop.silent(0.05)

    # A member opening the signaling socket now learns of the ringing call.
    sam = await calls(cast.sam, cast.pair)
    assert sam.state["call"]["id"] == call["id"] and sam.state["call"]["state"] == "ringing"


async def test_second_person_answers_peers_and_polite_roles(cast, connect, calls):
    sam_chat = await connect(cast.sam, cast.pair)
    maya, sam = await calls(cast.maya, cast.pair), await calls(cast.sam, cast.pair)
    m = await maya.join()
    s = await sam.join()
    assert s["call_id"] == m["call_id"]
    assert s["peers"] == [{"peer_id": m["peer_id"], "user": who(cast.maya), "polite": True}]
    assert s["polite"] is True  # the newcomer is polite; the one already there is not
    joined = await maya.recv_type("peer.joined")
    assert joined == {"type": "peer.joined", "peer_id": s["peer_id"], "user": who(cast.sam), "polite": False}
    await sam_chat.recv_type("call.ringing")
    updated = await sam_chat.recv_type("call.updated")
    assert updated["call"]["state"] == "active" and updated["call"]["in_call"] == [cast.maya.pk, cast.sam.pk]
    call = await get_call(m["call_id"])
    assert call.state == "active" and call.answered_at is not None


async def test_signal_goes_to_the_target_only(cast, calls):
    maya, sam, leo = [await calls(u, cast.workshop) for u in (cast.maya, cast.sam, cast.leo)]
    m, s, lo = await maya.join(), await sam.join(), await leo.join()
    await maya.recv_type("peer.joined")
    await maya.recv_type("peer.joined")
    await sam.recv_type("peer.joined")
    offer = {"description": {"type": "offer", "sdp": "v=0 fake"}}
    await maya.signal(s["peer_id"], offer)
    assert await sam.recv() == {"type": "signal", "from": m["peer_id"], "data": offer}
    await sam.signal(m["peer_id"], {"candidate": "c1"})
    assert await maya.recv() == {"type": "signal", "from": s["peer_id"], "data": {"candidate": "c1"}}
    assert await leo.silent(0.3)
    assert await maya.silent(0.05) and await sam.silent(0.05)
    # Leo, the third, is polite toward both who came before him.
    assert [p["polite"] for p in lo["peers"]] == [True, True] and lo["polite"] is True


async def test_signal_to_someone_outside_the_call_is_forbidden_and_goes_nowhere(cast, calls, connect):
    from tests.signaling.conftest import snapshot

    maya, sam = await calls(cast.maya, cast.pair), await calls(cast.sam, cast.pair)
    leo, ana = await calls(cast.leo, cast.other_pair), await calls(cast.ana, cast.other_pair)
    leo_chat = await connect(cast.leo, cast.other_pair)
    m, s = await maya.join(), await sam.join()
    lo, an = await leo.join(), await ana.join()
    await maya.recv_type("peer.joined")
    await leo.recv_type("peer.joined")
    await leo_chat.recv_type("call.updated")  # Ana answered Leo's call
    before = await snapshot()
    for target in (lo["peer_id"], an["peer_id"], m["peer_id"], "not-a-peer-id-at-all", s["peer_id"] + "x"):
        await maya.signal(target, {"sdp": "hello?"})
        err = await maya.error()
        assert err["code"] == "forbidden", (target, err)
    for sock in (sam, leo, ana, leo_chat):
        assert await sock.silent(0.2)
    assert await snapshot() == before
    # The socket still works.
    await maya.signal(s["peer_id"], {"ok": 1})
    assert (await sam.recv())["data"] == {"ok": 1}


async def test_call_full(cast, calls, settings):
    settings.CALL_MAX_PEERS = 2
    from tests.signaling.conftest import snapshot

    maya, sam, leo = [await calls(u, cast.workshop) for u in (cast.maya, cast.sam, cast.leo)]
    await maya.join()
    s = await sam.join()
    await maya.recv_type("peer.joined")
    before = await snapshot()
    await leo.send({"type": "call.join"})
    assert (await leo.error())["code"] == "call_full"
    assert await snapshot() == before
    assert await maya.silent(0.2) and await sam.silent(0.05)
    # Once someone leaves there is room, on the same socket.
    await sam.send({"type": "call.leave"})
    await sam.recv_type("call.left")
    left = await maya.recv_type("peer.left")
    assert left["peer_id"] == s["peer_id"] and left["reason"] == "left"
    lo = await leo.join()
    assert [p["user"]["id"] for p in lo["peers"]] == [cast.maya.pk]


# --- ending -------------------------------------------------------------------------------------


async def test_both_leave_completed_with_duration(cast, calls, connect):
    sam_chat = await connect(cast.sam, cast.pair)
    maya, sam = await calls(cast.maya, cast.pair), await calls(cast.sam, cast.pair)
    m = await maya.join()
    await sam.join()
    await asyncio.sleep(0.2)  # so that the call lasts measurably; no assertion on how long
    await maya.send({"type": "call.leave"})
    left = await maya.recv_type("call.left")
    assert left["reason"] == "left" and left["call"]["state"] == "active"
    assert (await sam.recv_type("peer.left"))["peer_id"] == m["peer_id"]
    await sam.send({"type": "call.leave"})
    done = await sam.recv_type("call.left")
    assert done["call"]["state"] == "ended" and done["call"]["outcome"] == "completed"
    ended = await sam_chat.recv_type("call.ended")
    assert ended["call"]["outcome"] == "completed" and ended["call"]["duration"] > 0
    call = await get_call(m["call_id"])
    assert call.state == "ended" and call.outcome == "completed"
    assert call.duration is not None and call.duration > timedelta(0)
    assert call.ended_at == max(p.left_at for p in await _rows(call.pk))
    assert await participants(call.pk) == [("maya", "left"), ("sam", "left")]
    # The next join starts a new call.
    again = await maya.join()
    assert again["call_id"] != m["call_id"]


@database_sync_to_async
def _rows(call_id: int) -> list[CallParticipant]:
    return list(CallParticipant.objects.filter(call_id=call_id))


async def test_caller_leaving_while_ringing_cancels(cast, calls, connect):
    sam_chat = await connect(cast.sam, cast.pair)
    maya = await calls(cast.maya, cast.pair)
    m = await maya.join()
    await maya.send({"type": "call.leave"})
    left = await maya.recv_type("call.left")
    assert left["call"]["outcome"] == "cancelled"
    ended = await sam_chat.recv_type("call.ended")
    assert ended["call"]["outcome"] == "cancelled" and ended["call"]["duration"] is None
    assert (await get_call(m["call_id"])).outcome == "cancelled"


async def test_decline_on_the_signaling_socket_ends_a_pair_call(cast, calls, connect):
    maya_chat = await connect(cast.maya, cast.pair)
    maya, sam = await calls(cast.maya, cast.pair), await calls(cast.sam, cast.pair)
    m = await maya.join()
    await sam.send({"type": "call.decline", "call_id": m["call_id"]})
    declined = await sam.recv_type("call.declined")
    assert declined["call"]["outcome"] == "declined" and declined["call"]["declined"] == [cast.sam.pk]
    ended = await maya.recv_type("call.ended")
    assert ended["call"]["outcome"] == "declined"
    assert (await maya_chat.recv_type("call.ended"))["call"]["outcome"] == "declined"
    assert await participants(m["call_id"]) == [("maya", "ended")]
    # Declining again: nothing rings any more.
    await sam.send({"type": "call.decline"})
    assert (await sam.error())["code"] == "no_call"


async def test_group_call_is_declined_only_when_everyone_declined(cast, calls, connect):
    ana_chat = await connect(cast.ana, cast.workshop)
    maya = await calls(cast.maya, cast.workshop)
    m = await maya.join()
    await ana_chat.recv_type("call.ringing")
    for user in (cast.sam, cast.leo):
        sock = await calls(user, cast.workshop)
        await sock.send({"type": "call.decline"})
        assert (await sock.recv_type("call.declined"))["call"]["state"] == "ringing"
        assert (await ana_chat.recv_type("call.updated"))["call"]["declined"][-1] == user.pk
    ana = await calls(cast.ana, cast.workshop)
    await ana.send({"type": "call.decline"})
    assert (await ana.recv_type("call.declined"))["call"]["outcome"] == "declined"
    assert (await maya.recv_type("call.ended"))["call"]["outcome"] == "declined"
    assert (await get_call(m["call_id"])).state == "ended"


async def test_caller_cannot_decline_own_call(cast, calls):
    maya = await calls(cast.maya, cast.pair)
    await maya.join()
    other = await calls(cast.maya, cast.pair)
    await other.send({"type": "call.decline"})
    assert (await other.error())["code"] == "conflict"


async def test_ring_timeout_makes_it_missed(cast, calls, connect, settings):
    settings.CALL_RING_TIMEOUT = 0.3
    sam_chat = await connect(cast.sam, cast.pair)
    maya = await calls(cast.maya, cast.pair)
    m = await maya.join()
    ended = await maya.recv_type("call.ended", timeout=5)
    assert ended["call"]["outcome"] == "missed" and ended["call"]["id"] == m["call_id"]
    assert (await sam_chat.recv_type("call.ended", timeout=5))["call"]["outcome"] == "missed"
    call = await get_call(m["call_id"])
    assert call.outcome == "missed" and call.ended_at == call.ring_deadline and call.duration is None
    assert await participants(call.pk) == [("maya", "ended")]
    # The socket is free again and may start a new call.
    assert (await maya.join())["call_id"] != m["call_id"]


async def test_ring_timeout_fires_with_nobody_connected(cast, calls, connect, settings):
    settings.CALL_RING_TIMEOUT = 0.3
    sam_chat = await connect(cast.sam, cast.pair)
    maya = await calls(cast.maya, cast.pair)
    m = await maya.join()
    await maya.close()  # the caller's socket is gone; the ring timer still runs
    assert (await sam_chat.recv_type("call.ended", timeout=5))["call"]["outcome"] == "missed"
    assert (await get_call(m["call_id"])).outcome == "missed"


async def test_ring_timeout_after_a_crash_is_applied_on_the_next_access(cast, calls, settings):
    """No timer (as if the process that started the call died): the next access settles the call."""
    settings.CALL_RING_TIMEOUT = 0.2
    maya = await calls(cast.maya, cast.pair)
    m = await maya.join()
    await timers.cancel_all()
    await asyncio.sleep(0.4)
    sam = await calls(cast.sam, cast.pair)  # connecting settles the room
    assert sam.state["call"] is None
    assert (await get_call(m["call_id"])).outcome == "missed"
    assert (await maya.recv_type("call.ended"))["call"]["outcome"] == "missed"


# --- dropping and resuming ----------------------------------------------------------------------


async def test_resume_within_the_window_keeps_the_peer(cast, calls):
    maya, sam = await calls(cast.maya, cast.pair), await calls(cast.sam, cast.pair)
    m = await maya.join()
    s = await sam.join()
    await maya.recv_type("peer.joined")
    await maya.close()
    gone = await sam.recv_type("peer.disconnected")
    assert gone["peer_id"] == m["peer_id"]

    maya2 = await calls(cast.maya, cast.pair)
    r = await maya2.join(resume=m["peer_token"])
    assert r["peer_id"] == m["peer_id"] and r["call_id"] == m["call_id"] and r["resumed"] is True
    assert r["peers"] == [{"peer_id": s["peer_id"], "user": who(cast.sam), "polite": False}]
    back = await sam.recv_type("peer.reconnected")
    assert back == {
        "type": "peer.reconnected",
        "peer_id": m["peer_id"],
        "user": who(cast.maya),
        "polite": True,
    }
    # Signals flow both ways on the new socket.
    await sam.signal(m["peer_id"], {"restart": True})
    assert (await maya2.recv_type("signal"))["data"] == {"restart": True}
    await maya2.signal(s["peer_id"], {"offer": 2})
    assert (await sam.recv_type("signal"))["from"] == m["peer_id"]
    assert await participants(m["call_id"]) == [("maya", None), ("sam", None)]


async def test_resume_after_the_window_is_refused(cast, calls, settings):
    settings.CALL_RESUME_WINDOW = 1.5
    maya, sam = await calls(cast.maya, cast.pair), await calls(cast.sam, cast.pair)
    m = await maya.join()
    s = await sam.join()
    await maya.close()
    left = await sam.recv_type("peer.left", timeout=10)
    assert left["peer_id"] == m["peer_id"] and left["reason"] == "dropped"
    maya2 = await calls(cast.maya, cast.pair)
    await maya2.send({"type": "call.join", "resume": m["peer_token"]})
    err = await maya2.error()
    assert err["code"] == "resume_expired"
    # Sam, connected all along, was kept alive by his heartbeats; Maya may join afresh.
    again = await maya2.join()
    assert again["peer_id"] != m["peer_id"] and again["call_id"] == m["call_id"]
    assert again["peers"][0]["peer_id"] == s["peer_id"]


async def test_a_connected_peer_outlives_the_resume_window(cast, calls, settings):
    settings.CALL_RESUME_WINDOW = 1
    maya, sam = await calls(cast.maya, cast.pair), await calls(cast.sam, cast.pair)
    m = await maya.join()
    await sam.join()
    await maya.recv_type("peer.joined")
    await asyncio.sleep(2.5)
    assert await participants(m["call_id"]) == [("maya", None), ("sam", None)]
    assert await maya.silent(0.05)


async def test_a_peer_whose_process_died_is_dropped(cast, calls, settings):
    """No disconnect was ever recorded (the process was killed): its stale liveness mark gives it away."""
    settings.CALL_RESUME_WINDOW = 1
    sam = await calls(cast.sam, cast.pair)
    s = await sam.join()

    @database_sync_to_async
    def ghost_of_maya() -> None:
        call = Call.objects.get(pk=s["call_id"])
        old = timezone.now() - timedelta(seconds=5)
        CallParticipant.objects.create(
            call=call,
            user=cast.maya,
            peer_id="ghost-peer-id",
            token_hash="0" * 64,
            channel_name="specific.dead-process!x",
            joined_at=old,
            seen_at=old,
        )

    await ghost_of_maya()
    left = await sam.recv_type("peer.left", timeout=5)  # Sam's heartbeat settles the call
    assert left["peer_id"] == "ghost-peer-id" and left["reason"] == "dropped"


async def test_resume_from_a_second_socket_takes_over(cast, calls):
    maya, sam = await calls(cast.maya, cast.pair), await calls(cast.sam, cast.pair)
    m = await maya.join()
    s = await sam.join()
    maya2 = await calls(cast.maya, cast.pair)
    r = await maya2.join(resume=m["peer_token"])
    assert r["peer_id"] == m["peer_id"]
    left = await maya.recv_type("call.left")
    assert left["reason"] == "replaced"
    await sam.recv_type("peer.reconnected")
    await sam.signal(m["peer_id"], {"x": 1})
    assert (await maya2.recv_type("signal"))["data"] == {"x": 1}
    assert await maya.silent(0.2)
    # The old socket is out of the call: its signals are refused.
    await maya.signal(s["peer_id"], {"y": 1})
    assert (await maya.error())["code"] == "not_in_call"


async def test_joining_again_replaces_the_old_peer(cast, calls):
    maya, sam = await calls(cast.maya, cast.pair), await calls(cast.sam, cast.pair)
    m = await maya.join()
    await sam.join()
    await maya.recv_type("peer.joined")
    maya2 = await calls(cast.maya, cast.pair)
    m2 = await maya2.join()
    assert m2["peer_id"] != m["peer_id"] and m2["call_id"] == m["call_id"]
    assert (await maya.recv_type("call.left"))["reason"] == "replaced"
    left = await sam.recv_type("peer.left")
    assert left["peer_id"] == m["peer_id"] and left["reason"] == "replaced"
    assert (await sam.recv_type("peer.joined"))["peer_id"] == m2["peer_id"]
    assert await participants(m["call_id"]) == [("maya", "replaced"), ("sam", None), ("maya", None)]


async def test_resume_with_a_token_that_is_not_yours(cast, calls):
    maya, sam = await calls(cast.maya, cast.pair), await calls(cast.sam, cast.pair)
    m = await maya.join()
    await sam.send({"type": "call.join", "resume": m["peer_token"]})
    assert (await sam.error())["code"] == "resume_invalid"
    leo = await calls(cast.leo, cast.other_pair)
    await leo.send({"type": "call.join", "resume": "made-up-token"})
    assert (await leo.error())["code"] == "resume_invalid"
    assert await maya.silent(0.1)


# --- access -------------------------------------------------------------------------------------


async def test_non_member_refused_4403(cast):
    for user, room in ((cast.charlie, cast.pair), (cast.riley, cast.pair), (cast.leo, cast.pair)):
        sock, ok, _ = await open_socket(user, f"/ws/rooms/{room.pk}/call/")
        assert ok
        assert await sock.comm.receive_output(timeout=3) == {"type": "websocket.close", "code": 4403}
    sock, ok, _ = await open_socket(cast.maya, "/ws/rooms/99999/call/")
    assert await sock.comm.receive_output(timeout=3) == {"type": "websocket.close", "code": 4403}


async def test_anonymous_refused_4401(cast):
    sock, ok, _ = await open_socket(None, f"/ws/rooms/{cast.pair.pk}/call/")
    assert ok
    assert await sock.comm.receive_output(timeout=3) == {"type": "websocket.close", "code": 4401}


async def test_foreign_origin_refused_at_handshake(cast):
    _, ok, _ = await open_socket(
        cast.maya, f"/ws/rooms/{cast.pair.pk}/call/", origin=(b"origin", b"http://evil.example")
    )
    assert not ok


async def test_removed_member_leaves_the_call_and_is_closed(cast, calls):
    maya, sam = await calls(cast.maya, cast.pair), await calls(cast.sam, cast.pair)
    m = await maya.join()
    await sam.join()

    @database_sync_to_async
    def remove() -> None:
        cast.pair.memberships.get(user=cast.maya).delete()

    await remove()
    while True:
        out = await maya.comm.receive_output(timeout=3)
        if out["type"] == "websocket.close":
            assert out["code"] == 4403
            break
    left = await sam.recv_type("peer.left")
    assert left["peer_id"] == m["peer_id"] and left["reason"] == "removed"


async def test_logout_leaves_the_call_and_closes_4401(cast, calls):
    from django.test import Client

    from tests.conftest import ORIGIN, session_cookie

    cookie = await database_sync_to_async(session_cookie)(cast.maya)
    from channels.testing import WebsocketCommunicator

    from chatserver.asgi import application

    comm = WebsocketCommunicator(
        application, f"/ws/rooms/{cast.pair.pk}/call/", headers=[ORIGIN, (b"cookie", cookie)]
    )
    assert (await comm.connect())[0]
    assert (await comm.receive_json_from())["type"] == "call.state"
    await comm.send_json_to({"type": "call.join"})
    m = await comm.receive_json_from()
    sam = await calls(cast.sam, cast.pair)
    await sam.join()

    @database_sync_to_async
    def logout() -> int:
        client = Client()
        client.cookies["sessionid"] = cookie.decode().split("=", 1)[1]
        return client.post("/accounts/logout/").status_code

    assert await logout() == 302
    while (out := await comm.receive_output(timeout=3))["type"] != "websocket.close":
        pass
    assert out["code"] == 4401
    left = await sam.recv_type("peer.left")
    assert left["peer_id"] == m["peer_id"] and left["reason"] == "removed"


async def test_caller_lost_while_ringing_fails(cast, calls, connect, settings):
    settings.CALL_RESUME_WINDOW = 0.5
    settings.CALL_RING_TIMEOUT = 30
    sam_chat = await connect(cast.sam, cast.pair)
    maya = await calls(cast.maya, cast.pair)
    m = await maya.join()
    await maya.close()
    ended = await sam_chat.recv_type("call.ended", timeout=5)
    assert ended["call"]["outcome"] == "failed" and ended["call"]["duration"] is None
    assert await participants(m["call_id"]) == [("maya", "dropped")]


async def test_everyone_dropped_ends_completed_at_the_last_drop(cast, calls, connect, settings):
    settings.CALL_RESUME_WINDOW = 0.5
    sam_chat = await connect(cast.sam, cast.pair)
    maya, sam = await calls(cast.maya, cast.pair), await calls(cast.sam, cast.pair)
    m = await maya.join()
    await sam.join()
    await maya.close()
    await sam.close()
    ended = await sam_chat.recv_type("call.ended", timeout=5)
    assert ended["call"]["outcome"] == "completed" and ended["call"]["duration"] is not None
    call = await get_call(m["call_id"])
    rows = await _rows(call.pk)
    assert call.ended_at == max(p.disconnected_at for p in rows)  # when the last one dropped, not later
    assert {p.left_reason for p in rows} == {"dropped"}


async def test_one_live_call_per_room_is_enforced_by_the_database(cast):
    from django.db import IntegrityError, transaction

    @database_sync_to_async
    def two_live_calls() -> None:
        now = timezone.now()
        fields = {"room": cast.pair, "started_by": cast.maya, "started_at": now, "ring_deadline": now}
        Call.objects.create(state="ringing", **fields)
        with pytest.raises(IntegrityError), transaction.atomic():
            Call.objects.create(state="active", **fields)
        Call.objects.create(state="ended", outcome="missed", **fields)  # ended ones do not count
        Call.objects.create(state="ringing", **{**fields, "room": cast.other_pair})

    await two_live_calls()


async def test_heartbeat_notices_a_removal_whose_event_was_lost(cast, calls, settings):
    settings.CALL_RESUME_WINDOW = 0.9  # heartbeats every 0.3 s
    maya = await calls(cast.maya, cast.pair)
    m = await maya.join()

    @database_sync_to_async
    def remove_quietly() -> None:
        CallParticipant.objects.filter(peer_id=m["peer_id"]).update(
            left_at=timezone.now(), left_reason="removed"
        )

    await remove_quietly()
    left = await maya.recv_type("call.left", timeout=5)
    assert left["reason"] == "removed"
    await maya.signal("anyone", {})
    assert (await maya.error())["code"] == "not_in_call"


async def test_decline_from_the_chat_socket(cast, calls, connect):
    sam_chat = await connect(cast.sam, cast.pair)
    maya = await calls(cast.maya, cast.pair)
    m = await maya.join()
    assert (await sam_chat.recv_type("call.ringing"))["call"]["id"] == m["call_id"]
    await sam_chat.send({"type": "call.decline", "call_id": m["call_id"]})
    declined = await sam_chat.recv_type("call.declined")
    assert declined["call"]["outcome"] == "declined"
    assert (await maya.recv_type("call.ended"))["call"]["outcome"] == "declined"
    # Nothing rings any more: a clear error, and the chat socket keeps working.
    await sam_chat.send({"type": "call.decline"})
    assert (await sam_chat.recv_type("error"))["code"] == "no_call"
    await sam_chat.send({"type": "call.decline", "call_id": "x"})
    assert (await sam_chat.recv_type("error"))["code"] == "bad_frame"
    await sam_chat.send({"type": "message.send", "client_id": "after-decline", "body": "sorry, call later?"})
    assert (await sam_chat.recv_type("message.new"))["message"]["client_id"] == "after-decline"


async def test_logout_on_another_device_keeps_the_call(cast, calls):
    from django.test import Client

    from tests.conftest import session_cookie

    maya = await calls(cast.maya, cast.pair)  # one session
    await maya.join()
    other = await database_sync_to_async(session_cookie)(cast.maya)  # Maya's second device

    @database_sync_to_async
    def logout_other() -> int:
        client = Client()
        client.cookies["sessionid"] = other.decode().split("=", 1)[1]
        return client.post("/accounts/logout/").status_code

    assert await logout_other() == 302
    assert await maya.comm.receive_nothing(timeout=0.5)  # not closed, not left
    sam = await calls(cast.sam, cast.pair)
    joined = await sam.join()
    assert [p["user"]["username"] for p in joined["peers"]] == ["maya"]
