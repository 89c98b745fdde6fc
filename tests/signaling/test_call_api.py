"""The calls HTTP API (in process): ICE servers, decline, a call's record, a room's call history,
and the device check's refusals. Access: members only; 401 when not logged in."""

from __future__ import annotations

import json
import time

import pytest
from django.test import AsyncClient

from signaling import turn
from tests.signaling.conftest import get_call

pytestmark = pytest.mark.django_db(transaction=True)


async def client_for(user) -> AsyncClient:
    client = AsyncClient()
    if user is not None:
        await client.aforce_login(user)
    return client


async def test_ice_servers_none_configured_means_host_candidates_only(cast):
    resp = await (await client_for(cast.maya)).get("/api/calls/ice-servers/")
    assert resp.status_code == 200
    assert resp.json() == {"ice_servers": [], "ttl": 4 * 3600}


async def test_ice_servers_with_stun_and_turn(cast, settings):
    settings.STUN_URLS = ["stun:stun.example.org:3478"]
    settings.TURN_URLS = ["turn:turn.example.org:3478?transport=udp", "turns:turn.example.org:5349"]
    settings.TURN_SECRET = "north-shore-secret"
    settings.TURN_TTL = 600
    before = int(time.time())
    data = (await (await client_for(cast.sam)).get("/api/calls/ice-servers/")).json()
    stun, relay = data["ice_servers"]
    assert stun == {"urls": ["stun:stun.example.org:3478"]}
    assert relay["urls"] == settings.TURN_URLS and data["ttl"] == 600
    expiry, user_id = relay["username"].split(":")
    assert user_id == str(cast.sam.pk) and before + 600 <= int(expiry) <= int(time.time()) + 600
    assert turn.verify("north-shore-secret", relay["username"], relay["credential"], time.time())
    assert not turn.verify("another-secret", relay["username"], relay["credential"], time.time())


async def test_anonymous_gets_401_everywhere(cast):
    anon = await client_for(None)
    for method, path in (
        ("get", "/api/calls/ice-servers/"),
        ("get", "/api/calls/1/"),
        ("get", f"/api/calls/rooms/{cast.pair.pk}/"),
        ("post", "/api/calls/1/decline"),
        ("post", "/api/calls/device-check"),
    ):
        resp = await getattr(anon, method)(path)
        assert resp.status_code == 401, (path, resp.status_code)
        assert resp.json()["error"]["code"] == "not_logged_in"


async def test_decline_over_http(cast, calls, connect):
    sam_chat = await connect(cast.sam, cast.pair)
    maya = await calls(cast.maya, cast.pair)
    m = await maya.join()
    call_id = m["call_id"]
    await sam_chat.recv_type("call.ringing")

    assert (await (await client_for(cast.charlie)).post(f"/api/calls/{call_id}/decline")).status_code == 403
    assert (await (await client_for(cast.leo)).post(f"/api/calls/{call_id}/decline")).status_code == 403
    own = await (await client_for(cast.maya)).post(f"/api/calls/{call_id}/decline")
    assert own.status_code == 409 and own.json()["error"]["code"] == "conflict"
    assert (await (await client_for(cast.sam)).get(f"/api/calls/{call_id}/decline")).status_code == 405

    sam = await client_for(cast.sam)
    resp = await sam.post(f"/api/calls/{call_id}/decline")
    assert resp.status_code == 200 and resp.json()["call"]["outcome"] == "declined"
    assert (await maya.recv_type("call.ended"))["call"]["outcome"] == "declined"
    assert (await sam_chat.recv_type("call.ended"))["call"]["outcome"] == "declined"
    again = await sam.post(f"/api/calls/{call_id}/decline")
    assert again.status_code == 409 and again.json()["error"]["code"] == "no_call"
    assert (await get_call(call_id)).outcome == "declined"
    assert (await sam.post("/api/calls/999999/decline")).status_code == 403


async def test_call_record_and_room_history_for_members_only(cast, calls):
    maya, sam = await calls(cast.maya, cast.pair), await calls(cast.sam, cast.pair)
    first = await maya.join()
    await sam.join()
    await maya.send({"type": "call.leave"})
    await maya.recv_type("call.left")
    await sam.send({"type": "call.leave"})
    await sam.recv_type("call.left")
    second = await maya.join()

    client = await client_for(cast.sam)
    record = (await client.get(f"/api/calls/{first['call_id']}/")).json()["call"]
    assert record["outcome"] == "completed" and record["duration"] is not None
    assert [(p["user"]["username"], p["left_reason"]) for p in record["participants"]] == [
        ("maya", "left"),
        ("sam", "left"),
    ]
    assert all(p["joined_at"] and p["left_at"] for p in record["participants"])
    assert "peer_id" not in json.dumps(record) and first["peer_id"] not in json.dumps(record)
    history = (await client.get(f"/api/calls/rooms/{cast.pair.pk}/")).json()["calls"]
    assert [c["id"] for c in history] == [second["call_id"], first["call_id"]]
    assert history[0]["state"] == "ringing"

    leo = await client_for(cast.leo)
    assert (await leo.get(f"/api/calls/{first['call_id']}/")).status_code == 403
    assert (await leo.get(f"/api/calls/rooms/{cast.pair.pk}/")).status_code == 403
    assert (await leo.get("/api/calls/424242/")).status_code == 403
    assert (await leo.get(f"/api/calls/rooms/{cast.other_pair.pk}/")).json() == {"calls": []}


async def test_device_check_refusals(cast, settings):
    client = await client_for(cast.maya)
    for body in ("not json", json.dumps({"type": "answer", "sdp": "v=0"}), json.dumps({"sdp": "v=0"})):
        resp = await client.post("/api/calls/device-check", body, content_type="application/json")
        assert resp.status_code == 400 and resp.json()["error"]["code"] == "bad_request", body
    bad_sdp = json.dumps({"type": "offer", "sdp": "this is not sdp"})
    resp = await client.post("/api/calls/device-check", bad_sdp, content_type="application/json")
    assert resp.status_code == 400
    settings.DEVICE_CHECK_MAX = 0
    offer = json.dumps({"type": "offer", "sdp": "v=0\r\n"})
    resp = await client.post("/api/calls/device-check", offer, content_type="application/json")
    assert resp.status_code == 503 and resp.json()["error"]["code"] == "busy"
    assert (await client.delete("/api/calls/device-check")).json() == {"closed": False}
    assert (await client.get("/api/calls/device-check")).status_code == 405
