"""rooms.fanout across processes' worth of instances on a real Redis: wake-ups reach the other
process's sockets, each socket hears a message once, and a cut connection ends in a catch-up."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

import pytest
import redis.asyncio as aioredis

from rooms.fanout import Fanout
from tests.support import liveserver as ls

pytestmark = pytest.mark.asyncio


class Sock:
    def __init__(self) -> None:
        self.got: list[int] = []
        self.events: list[dict[str, Any]] = []
        self.catch_ups = 0
        self.event = asyncio.Event()

    async def wake(self, messages: list[dict[str, Any]]) -> None:
        self.got.extend(m["seq"] for m in messages)
        self.event.set()

    async def on_event(self, event: dict[str, Any]) -> None:
        self.events.append(event)
        self.event.set()

    async def catch_up(self) -> None:
        self.catch_ups += 1
        self.event.set()

    async def wait(self, timeout: float = 5.0) -> None:
        await asyncio.wait_for(self.event.wait(), timeout)
        self.event.clear()


@pytest.fixture
def target() -> tuple[str, str]:
    ls.require_service("Redis", ls.redis_problem())
    return ls.redis_url(), f"test-fanout-{secrets.token_hex(4)}"


def msgs(*seqs: int) -> list[dict[str, Any]]:
    return [{"seq": s, "room": 7, "body": f"m{s}"} for s in seqs]


async def test_other_process_sockets_are_woken_once_and_only_while_joined(target: tuple[str, str]) -> None:
    a, b = Fanout(target), Fanout(target)
    here, there, elsewhere = Sock(), Sock(), Sock()
    try:
        await a.join(7, 1, here)
        await b.join(7, 2, there)
        await b.join(8, 3, elsewhere)
        await asyncio.sleep(0.2)  # SUBSCRIBE reaches Redis
        await a.publish({7: msgs(1, 2)})
        await there.wait()
        assert there.got == [1, 2]
        assert here.got == [1, 2]  # woken directly, and its own publish coming back was ignored
        await asyncio.sleep(0.3)
        assert here.got == [1, 2] and elsewhere.got == []

        await b.leave(7, 2, there)
        await asyncio.sleep(0.2)
        await a.publish({7: msgs(3)})
        await asyncio.sleep(0.5)
        assert there.got == [1, 2] and here.got == [1, 2, 3]
    finally:
        await a.close()
        await b.close()


async def test_room_and_user_events_reach_the_right_sockets_in_other_processes(
    target: tuple[str, str],
) -> None:
    a, b = Fanout(target), Fanout(target)
    maya_room7, maya_room8, sam_room7 = Sock(), Sock(), Sock()
    try:
        await b.join(7, 1, maya_room7)
        await b.join(8, 1, maya_room8)
        await b.join(7, 2, sam_room7)
        await asyncio.sleep(0.2)
        await a.send([("user.1", {"type": "session.ended", "session": "k"})])
        await maya_room7.wait()
        await maya_room8.wait()
        await a.send([("room.7", {"type": "chat.typing", "user": 2, "active": True})])
        await sam_room7.wait()
        await asyncio.sleep(0.3)
        assert [e["type"] for e in maya_room7.events] == ["session.ended", "chat.typing"]
        assert [e["type"] for e in maya_room8.events] == ["session.ended"]
        assert [e["type"] for e in sam_room7.events] == ["chat.typing"]
    finally:
        await a.close()
        await b.close()


async def test_a_cut_redis_connection_ends_in_a_catch_up(target: tuple[str, str]) -> None:
    a, b = Fanout(target), Fanout(target)
    there = Sock()
    admin = aioredis.Redis.from_url(target[0])
    try:
        await b.join(7, 2, there)
        await asyncio.sleep(0.2)
        killed = 0
        for client in await admin.client_list():
            if client.get("name") == b.client_name and int(client.get("sub", 0)) > 0:
                killed += await admin.client_kill_filter(_id=client["id"])
        assert killed == 1
        await there.wait(timeout=10)  # the reader notices, reconnects and asks every socket to catch up
        assert there.catch_ups == 1
        await a.publish({7: msgs(5)})  # and it is subscribed again
        await there.wait()
        assert there.got == [5]
    finally:
        await admin.aclose()
        await a.close()
        await b.close()


async def test_without_redis_only_local_sockets_are_woken() -> None:
    fan = Fanout(None)
    one, two = Sock(), Sock()
    await fan.join(1, 10, one)
    await fan.join(2, 20, two)
    await fan.publish({1: msgs(1)})
    assert one.got == [1] and two.got == []
    await fan.leave(1, 10, one)
    await fan.publish({1: msgs(2)})
    assert one.got == [1] and fan.listeners("room.1") == 0 and fan.listeners("user.10") == 0
