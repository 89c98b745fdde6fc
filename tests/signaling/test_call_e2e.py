"""Calls against a real daphne process, with aiortc peers driven only through the signaling socket's
contract (docs/calls.md): connect, media and data both ways, the call record, resume with an ICE
restart, glare, a server restart mid-call, and the device check.

Media stays on 127.0.0.1 (``iceServers=[]``; aioice's host addresses point at 127.0.0.1 here, and in
the server through tests/signaling/loopback/sitecustomize.py).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import aioice.ice
import pytest
from aiortc import AudioStreamTrack, RTCConfiguration, RTCPeerConnection, RTCSessionDescription

from tests.signaling.rtc import Link, Person, Received, SignalingClient, SynthVideo, wait_until
from tests.support import liveserver as ls
from tests.support.liveserver import LiveServer

pytestmark = pytest.mark.e2e

LOOPBACK_SITE = Path(__file__).resolve().parent / "loopback"
SERVER_ENV = {
    "PYTHONPATH": str(LOOPBACK_SITE),
    "PEERCHAT_LOOPBACK_ICE": "1",
    "STUN_URLS": "",
    "TURN_URLS": "",
    "TURN_SECRET": "",
}
MAYA, SAM = 60, 200  # the luma of each person's synthetic camera


@pytest.fixture(autouse=True)
def loopback_ice() -> Iterator[None]:
    with mock.patch.object(
        aioice.ice, "get_host_addresses", lambda use_ipv4=True, use_ipv6=False: ["127.0.0.1"]
    ):
        yield


@dataclass
class World:
    server: LiveServer
    cast: ls.Cast
    cookies: dict[str, str]
    rooms: list[int]

    def room(self) -> int:
        return self.rooms.pop()

    async def open(self, key: str, room: int) -> SignalingClient:
        url = self.server.ws_url(f"/ws/rooms/{room}/call/")
        return await SignalingClient.open(url, self.server.origin, self.cookies[key], name=key)

    def get(self, key: str, path: str) -> tuple[int, Any]:
        return ls.api_get(self.server, self.cookies[key], path)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    srv = LiveServer(tmp_path_factory.mktemp("signaling-e2e"), name="daphne-signaling", env=SERVER_ENV)
    try:
        srv.start()
        members = [("maya", "mentee"), ("sam", "mentor")]
        cast = ls.create_cast(
            srv, ["maya", "sam", "charlie"], rooms={f"pair {i}": ("pair", members) for i in range(8)}
        )
        cookies = {key: ls.login(srv, person) for key, person in cast.people.items()}
        yield World(srv, cast, cookies, sorted(cast.rooms.values()))
    finally:
        srv.close()


@pytest.fixture
async def people() -> AsyncIterator[list[Person]]:
    made: list[Person] = []
    yield made
    for person in made:
        await person.close()


async def pair_call(world: World, people: list[Person], room: int) -> tuple[Person, Person]:
    """Maya calls, Sam answers and offers; both connected."""
    maya = Person(await world.open("maya", room), MAYA)
    sam = Person(await world.open("sam", room), SAM)
    people += [maya, sam]
    await maya.join()
    await sam.join()
    await wait_until(lambda: len(maya.links) == 1, 15, "maya heard peer.joined")
    await asyncio.gather(maya.link().connected(), sam.link().connected())
    return maya, sam


async def test_mentor_and_mentee_call_media_data_and_record(world: World, people: list[Person]) -> None:
    room = world.room()
    maya, sam = await pair_call(world, people, room)
    assert sam.joined["polite"] is True and maya.link().polite is False

    # Each sees the other's camera.
    await asyncio.gather(maya.link().frames_from(SAM), sam.link().frames_from(MAYA))
    # Data channel messages both ways.
    m_chan, s_chan = await asyncio.gather(maya.link().channel_open(), sam.link().channel_open())
    m_chan.send("hi Sam, pain is a 6 today")
    s_chan.send("thanks Maya, let's start with breathing")
    assert await asyncio.wait_for(sam.link().messages.get(), 10) == "hi Sam, pain is a 6 today"
    assert await asyncio.wait_for(maya.link().messages.get(), 10) == "thanks Maya, let's start with breathing"

    call_id = maya.joined["call_id"]
    await maya.client.send({"type": "call.leave"})
    await maya.client.recv_type("call.left")
    await sam.client.recv_type("peer.left")
    await sam.client.send({"type": "call.leave"})
    left = await sam.client.recv_type("call.left")
    assert left["call"]["outcome"] == "completed"

    status, data = await asyncio.to_thread(world.get, "sam", f"/api/calls/{call_id}/")
    assert status == 200, data
    call = data["call"]
    assert call["state"] == "ended" and call["outcome"] == "completed" and call["duration"] > 0
    assert [(p["user"]["id"], p["left_reason"]) for p in call["participants"]] == [
        (world.cast["maya"].id, "left"),
        (world.cast["sam"].id, "left"),
    ]
    status, history = await asyncio.to_thread(world.get, "maya", f"/api/calls/rooms/{room}/")
    assert status == 200 and history["calls"][0]["id"] == call_id
    assert (await asyncio.to_thread(world.get, "charlie", f"/api/calls/{call_id}/"))[0] == 403


async def test_resume_after_a_dropped_socket_and_ice_restart(world: World, people: list[Person]) -> None:
    room = world.room()
    maya, sam = await pair_call(world, people, room)
    await asyncio.gather(maya.link().frames_from(SAM), sam.link().frames_from(MAYA))
    first = dict(maya.joined)

    await maya.client.close()  # the socket drops; the peer stays in the call for the resume window
    await sam.client.recv_type("peer.disconnected")

    maya.attach(await world.open("maya", room))
    resumed = await maya.join(resume=first["peer_token"])  # new connection, new offer
    assert resumed["peer_id"] == first["peer_id"] and resumed["resumed"] is True
    back = await sam.client.recv_type("peer.reconnected")
    assert back["peer_id"] == first["peer_id"]
    await asyncio.gather(maya.link().connected(), sam.link().connected())
    assert maya.link().generation == 1 and sam.link().generation == 2  # both on fresh connections
    await asyncio.gather(maya.link().frames_from(SAM), sam.link().frames_from(MAYA))


async def test_glare_both_offer_at_once(world: World, people: list[Person]) -> None:
    room = world.room()
    maya = Person(await world.open("maya", room), MAYA, auto_offer=False)
    sam = Person(await world.open("sam", room), SAM, auto_offer=False)
    people += [maya, sam]
    await maya.join()
    await sam.join()
    await wait_until(lambda: len(maya.links) == 1, 15, "maya heard peer.joined")
    polite, impolite = sam.link(), maya.link()
    assert polite.polite and not impolite.polite

    # Hold incoming signals until both offers are out, so that the two offers really cross.
    maya.held.clear()
    sam.held.clear()
    await asyncio.gather(maya.link().offer(), sam.link().offer())
    maya.held.set()
    sam.held.set()

    await asyncio.gather(maya.link().connected(), sam.link().connected())
    assert impolite.ignored_offers == 1 and impolite.rollbacks == 0
    assert polite.rollbacks == 1 and polite.ignored_offers == 0
    await asyncio.gather(maya.link().frames_from(SAM), sam.link().frames_from(MAYA))
    m_chan, s_chan = await asyncio.gather(maya.link().channel_open(), sam.link().channel_open())
    s_chan.send("after glare")
    assert await asyncio.wait_for(maya.link().messages.get(), 10) == "after glare"
    del m_chan


async def test_server_restart_mid_call_peers_resume(world: World, people: list[Person]) -> None:
    """The peer state lives in the database: after a crash and restart both resume their peers."""
    room = world.room()
    maya, sam = await pair_call(world, people, room)
    tokens = {p: dict(p.joined) for p in (maya, sam)}
    world.server.kill()
    await asyncio.gather(maya.client.close(), sam.client.close())
    await asyncio.to_thread(world.server.start, migrate=False)

    for person in (maya, sam):
        person.attach(await world.open("maya" if person is maya else "sam", room))
        person.auto_offer = person is maya
    # Sam resumes first (no offer), then Maya resumes and offers on a fresh connection.
    sam_back = await sam.join(resume=tokens[sam]["peer_token"])
    assert sam_back["peer_id"] == tokens[sam]["peer_id"]
    maya_back = await maya.join(resume=tokens[maya]["peer_token"])
    assert maya_back["peer_id"] == tokens[maya]["peer_id"]
    assert (await sam.client.recv_type("peer.reconnected"))["peer_id"] == maya_back["peer_id"]
    await asyncio.gather(maya.link().connected(), sam.link().connected())
    await asyncio.gather(maya.link().frames_from(SAM), sam.link().frames_from(MAYA))


async def test_device_check_sends_my_own_camera_back(world: World) -> None:
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    pc.addTrack(SynthVideo(90))
    pc.addTrack(AudioStreamTrack())
    got: dict[str, Received] = {}
    pc.on("track", lambda track: got.setdefault(track.kind, Received(track)))
    channel = pc.createDataChannel("echo")
    echoes: asyncio.Queue[str] = asyncio.Queue()
    channel.on("message", echoes.put_nowait)
    try:
        await pc.setLocalDescription(await pc.createOffer())
        body = json.dumps({"type": "offer", "sdp": pc.localDescription.sdp})
        resp = await asyncio.to_thread(_post_device_check, world, "maya", body)
        assert resp.status == 200, resp.text
        answer = resp.json()
        assert answer["type"] == "answer" and answer["expires_in"] > 0
        candidates = [line for line in answer["sdp"].splitlines() if line.startswith("a=candidate:")]
        assert candidates and all(" 127.0.0.1 " in line for line in candidates), candidates
        await pc.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type="answer"))
        await wait_until(lambda: pc.connectionState == "connected", 20, "device check connected")
        await wait_until(lambda: "video" in got and "audio" in got, 20, "both tracks back")
        video = got["video"]
        await wait_until(
            lambda: video.count >= 3 and video.last_luma is not None and abs(video.last_luma - 90) < 12,
            20,
            f"my own frames back (count {video.count}, luma {video.last_luma})",
        )
        await wait_until(lambda: got["audio"].count >= 5, 20, "my own audio back")
        await wait_until(lambda: channel.readyState == "open", 20, "echo channel open")
        channel.send("ping 1")
        assert await asyncio.wait_for(echoes.get(), 10) == "ping 1"
        # Hang up: the server closes its side.
        resp = await asyncio.to_thread(_post_device_check, world, "maya", None, "DELETE")
        assert resp.status == 200 and resp.json() == {"closed": True}
    finally:
        for received in got.values():
            received.stop()
        await pc.close()


def _post_device_check(world: World, key: str, body: str | None, method: str = "POST") -> ls.Response:
    cookie = world.cookies[key]
    token = ls.parse_cookie_header(cookie)["csrftoken"]
    headers = {"Cookie": cookie, "X-CSRFToken": token, "Origin": world.server.origin}
    if body is not None:
        headers["Content-Type"] = "application/json"
    return ls.http_request(world.server, method, "/api/calls/device-check", body=body, headers=headers)


async def test_only_call_peers_hear_signals_over_the_wire(world: World, people: list[Person]) -> None:
    """A forbidden ``to`` over a real socket: an error frame, and the socket goes on working."""
    room = world.room()
    maya, sam = await pair_call(world, people, room)
    await maya.client.signal("someone-else", {"description": {"type": "offer", "sdp": "x"}})
    err = await maya.client.recv_type("error")
    assert err["code"] == "forbidden"
    link: Link = maya.link()
    assert link.pc.connectionState == "connected"


async def test_across_two_server_processes(tmp_path: Path, people: list[Person]) -> None:
    """PostgreSQL + Redis, two daphnes: Maya on one, Sam on the other; Maya drops and resumes on the
    other process (the peer state is in the database, the relay goes through the channel layer)."""
    ls.require_service("PostgreSQL", ls.postgres_problem())
    ls.require_service("Redis", ls.redis_problem())
    with ls.postgres_database() as database_url:
        one = LiveServer(
            tmp_path / "one",
            name="daphne-one",
            database_url=database_url,
            redis_url=ls.redis_url(),
            env=SERVER_ENV,
        )
        two = LiveServer(
            tmp_path / "two",
            name="daphne-two",
            database_url=database_url,
            redis_url=ls.redis_url(),
            env=SERVER_ENV,
        )
        try:
            await asyncio.to_thread(one.start)
            ls.offset_ids(one)
            await asyncio.to_thread(two.start, migrate=False)
            cast = ls.create_cast(
                one, ["maya", "sam"], rooms={"pair": ("pair", [("maya", "mentee"), ("sam", "mentor")])}
            )
            room = cast.rooms["pair"]
            cookies = {key: ls.login(one, person) for key, person in cast.people.items()}
            a = World(one, cast, cookies, [])
            b = World(two, cast, cookies, [])
            maya = Person(await a.open("maya", room), MAYA)
            sam = Person(await b.open("sam", room), SAM)
            people += [maya, sam]
            # Both press "call" at the same moment on different processes: one call, one caller.
            m, s = await asyncio.gather(maya.join(), sam.join())
            assert m["call_id"] == s["call_id"]
            assert sorted([len(m["peers"]), len(s["peers"])]) == [0, 1]
            await wait_until(lambda: len(maya.links) == len(sam.links) == 1, 15, "both know each other")
            await asyncio.gather(maya.link().connected(), sam.link().connected())
            await asyncio.gather(maya.link().frames_from(SAM), sam.link().frames_from(MAYA))

            token = maya.joined["peer_token"]
            await maya.client.close()
            await sam.client.recv_type("peer.disconnected")
            maya.attach(await b.open("maya", room))
            resumed = await maya.join(resume=token)
            assert resumed["peer_id"] == maya.peer_id
            await sam.client.recv_type("peer.reconnected")
            await asyncio.gather(maya.link().connected(), sam.link().connected())
            await asyncio.gather(maya.link().frames_from(SAM), sam.link().frames_from(MAYA))
            for person in (maya, sam):
                await person.close()
            people.clear()
        finally:
            await asyncio.to_thread(one.close)
            await asyncio.to_thread(two.close)
