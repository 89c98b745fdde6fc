"""rooms.fanout across processes' worth of instances on a real Redis: wake-ups reach the other
process's sockets, each socket hears a message once, every joiner waits for the subscription, a failed
subscription registers nothing, a cut connection ends in a reconciliation against the database, a
publish from a short-lived loop is not lost, and a stalled Redis neither grows the publish queue without
bound nor keeps a closed fan-out publishing. A stalled Redis is a real one behind tests.rooms.stallproxy."""

from __future__ import annotations

import asyncio
import secrets
from typing import TYPE_CHECKING, Any

import pytest
import redis.asyncio as aioredis
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async

from rooms import services, writer
from rooms.fanout import MAX_QUEUED, Fanout
from tests.rooms.stallproxy import StallProxy
from tests.support import liveserver as ls

if TYPE_CHECKING:
    from rooms.services import RoomCheck

pytestmark = pytest.mark.asyncio


class Sock:
    def __init__(self, room_id: int = 7, user_id: int = 1, *, ready: bool = True) -> None:
        self.room_id = room_id
        self.user_id = user_id
        self.session_key: str | None = None
        self.ready = ready  # fully connected (room.state sent)
        self.got: list[int] = []
        self.events: list[dict[str, Any]] = []
        self.reconciled: list[tuple[dict[int, int], set[tuple[int, int]]]] = []
        self.event = asyncio.Event()

    async def wake(self, messages: list[dict[str, Any]]) -> None:
        self.got.extend(m["seq"] for m in messages)
        self.event.set()

    async def on_event(self, event: dict[str, Any]) -> None:
        self.events.append(event)
        self.event.set()

    def position(self) -> int | None:
        return max(self.got, default=0) if self.ready else None

    def reconcile(self, check: RoomCheck) -> bool:
        self.reconciled.append((dict(check.last_seqs), set(check.members)))
        self.event.set()
        return True

    async def wait(self, timeout: float = 5.0) -> None:
        await asyncio.wait_for(self.event.wait(), timeout)
        self.event.clear()


@pytest.fixture
def target() -> tuple[str, str]:
    ls.require_service("Redis", ls.redis_problem())
    return ls.redis_url(), f"test-fanout-{secrets.token_hex(4)}"


@pytest.fixture
async def proxy(target: tuple[str, str]) -> Any:
    """A stallable way to the same Redis: ``proxy.url``."""
    stall = StallProxy(target[0])
    stall.url = await stall.start()  # type: ignore[attr-defined]
    yield stall
    await stall.close()


def redis_layer(url: str, prefix: str) -> dict[str, Any]:
    """CHANNEL_LAYERS for a Redis deployment (what REDIS_URL sets), with a prefix of the test's own."""
    return {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [url], "prefix": prefix},
        }
    }


async def quiet(sock: Sock, timeout: float) -> bool:
    """True if nothing reaches the socket for ``timeout`` seconds."""
    try:
        await sock.wait(timeout)
    except TimeoutError:
        return True
    return False


def msgs(*seqs: int) -> list[dict[str, Any]]:
    return [{"seq": s, "room": 7, "body": f"m{s}"} for s in seqs]


async def numsub(url: str, channel: str) -> int:
    admin = aioredis.Redis.from_url(url)
    try:
        return int((await admin.pubsub_numsub(channel))[0][1])
    finally:
        await admin.aclose()


async def test_other_process_sockets_are_woken_once_and_only_while_joined(target: tuple[str, str]) -> None:
    a, b = Fanout(target), Fanout(target)
    here, there, elsewhere = Sock(7, 1), Sock(7, 2), Sock(8, 3)
    try:
        await a.join(7, 1, here)
        await b.join(7, 2, there)
        await b.join(8, 3, elsewhere)
        await a.publish({7: msgs(1, 2)})  # no pause: join returned once the subscriptions were in place
        await there.wait()
        assert there.got == [1, 2]
        assert here.got == [1, 2]  # woken directly, and its own publish coming back was ignored
        await asyncio.sleep(0.3)
        assert here.got == [1, 2] and elsewhere.got == []

        b.leave(7, 2, there)
        channel = f"{target[1]}.fanout.room.7"
        for _ in range(50):  # unsubscribed in the background
            if await numsub(target[0], channel) == 1:  # only a's subscription is left
                break
            await asyncio.sleep(0.05)
        assert await numsub(target[0], channel) == 1
        await a.publish({7: msgs(3)})
        await asyncio.sleep(0.5)
        assert there.got == [1, 2] and here.got == [1, 2, 3]
    finally:
        await a.close()
        await b.close()


async def test_every_joiner_waits_for_the_subscription(target: tuple[str, str]) -> None:
    a, b = Fanout(target), Fanout(target)
    elsewhere, first, second = Sock(8, 1), Sock(7, 2), Sock(7, 1)
    try:
        await b.join(8, 1, elsewhere)  # user.1 is subscribed already
        # Subscriptions queued behind others (as in a reconnect storm): hold the subscriber's lock.
        async with b._sub_lock:
            joining_first = asyncio.create_task(b.join(7, 2, first))
            await asyncio.sleep(0.05)  # room.7 is being subscribed for the first socket
            joining_second = asyncio.create_task(b.join(7, 1, second))
            await asyncio.sleep(0.2)
            # Returning now, the second socket would read last_seq and miss what others publish.
            assert not joining_second.done()
        await joining_second
        await a.publish({7: msgs(1)})
        await second.wait()
        assert second.got == [1]
        await joining_first
    finally:
        await a.close()
        await b.close()


async def test_a_failed_subscription_registers_nothing() -> None:
    dead = Fanout(("redis://127.0.0.1:1/0", f"test-fanout-{secrets.token_hex(4)}"))
    sock = Sock(7, 1)
    try:
        for _ in range(2):  # the second attempt tries again, it does not inherit a broken state
            with pytest.raises((OSError, aioredis.ConnectionError)):
                await dead.join(7, 1, sock)
            assert dead.listeners("room.7") == 0 and dead.listeners("user.1") == 0
    finally:
        await dead.close()


async def test_room_and_user_events_reach_the_right_sockets_in_other_processes(
    target: tuple[str, str],
) -> None:
    a, b = Fanout(target), Fanout(target)
    maya_room7, maya_room8, sam_room7 = Sock(7, 1), Sock(8, 1), Sock(7, 2)
    try:
        await b.join(7, 1, maya_room7)
        await b.join(8, 1, maya_room8)
        await b.join(7, 2, sam_room7)
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


@pytest.mark.django_db(transaction=True)
async def test_a_cut_redis_connection_ends_in_a_reconciliation(target: tuple[str, str], cast: Any) -> None:
    a, b = Fanout(target), Fanout(target)
    there = Sock(cast.pair.pk, cast.maya.pk)
    admin = aioredis.Redis.from_url(target[0])
    try:
        await b.join(cast.pair.pk, cast.maya.pk, there)
        killed = 0
        for client in await admin.client_list():
            if client.get("name") == b.client_name and int(client.get("sub", 0)) > 0:
                killed += await admin.client_kill_filter(_id=client["id"])
        assert killed == 1
        await there.wait(timeout=10)  # the reader notices, reconnects and checks every socket
        assert there.reconciled == [({cast.pair.pk: 0}, {(cast.pair.pk, cast.maya.pk)})]
        await a.publish({cast.pair.pk: msgs(5)})  # and it is subscribed again
        await there.wait()
        assert there.got == [5]
    finally:
        await admin.aclose()
        await a.close()
        await b.close()


async def test_without_redis_only_local_sockets_are_woken() -> None:
    fan = Fanout(None)
    one, two = Sock(1, 10), Sock(2, 20)
    await fan.join(1, 10, one)
    await fan.join(2, 20, two)
    await fan.publish({1: msgs(1)})
    assert one.got == [1] and two.got == []
    fan.leave(1, 10, one)
    fan.leave(1, 10, one)  # idempotent
    await fan.publish({1: msgs(2)})
    assert one.got == [1] and fan.listeners("room.1") == 0 and fan.listeners("user.10") == 0


async def test_a_publish_from_a_short_lived_loop_reaches_other_processes(
    target: tuple[str, str], settings: Any
) -> None:
    """rooms.writer.publish through async_to_sync (sweep_calls, rooms.signals from a management command or
    a shell) runs on a loop that ends with the call: the Redis publish must be done by then."""
    settings.CHANNEL_LAYERS = redis_layer(*target)
    b = Fanout(target)
    there = Sock(7, 2)
    event = {"type": "chat.typing", "user": 1, "active": True}
    try:
        await b.join(7, 2, there)
        await asyncio.to_thread(async_to_sync(writer.publish), [("room.7", event)])
        await there.wait()
        assert there.events == [event]
    finally:
        await b.close()


async def test_a_stalled_redis_bounds_the_publish_queue_and_keeps_order(
    target: tuple[str, str], proxy: Any, caplog: pytest.LogCaptureFixture
) -> None:
    a, b = Fanout((proxy.url, target[1])), Fanout(target)
    here, there = Sock(7, 1), Sock(7, 2)
    try:
        await a.join(7, 1, here)  # a serves sockets: its publishes to other processes are queued
        await b.join(7, 2, there)
        proxy.pause()
        total = MAX_QUEUED + 500
        for seq in range(total):
            await a.send([("room.7", {"type": "chat.read", "user": 1, "seq": seq})])
        assert len(here.events) == total  # local sockets never wait for Redis
        await asyncio.wait_for(proxy.stalled.wait(), 5)
        proxy.resume()
        await a.send([("room.7", {"type": "chat.typing", "user": 1, "active": True})])  # the end marker
        while not there.events or there.events[-1]["type"] != "chat.typing":
            await there.wait(timeout=20)
        seqs = [e["seq"] for e in there.events[:-1]]
        assert seqs == list(range(len(seqs)))  # in order, nothing skipped but the newest
        assert MAX_QUEUED <= len(seqs) < total
        assert any("dropping" in r.getMessage() for r in caplog.records if r.name == "rooms.fanout")
    finally:
        proxy.resume()
        await a.close()
        await b.close()


async def test_close_stops_publishing_even_while_redis_is_stalled(
    target: tuple[str, str], proxy: Any
) -> None:
    a, b = Fanout((proxy.url, target[1])), Fanout(target)
    here, there = Sock(7, 1), Sock(7, 2)
    try:
        await a.join(7, 1, here)
        await b.join(7, 2, there)
        proxy.pause()
        for active in (True, False, True):
            await a.send([("room.7", {"type": "chat.typing", "user": 1, "active": active})])
            await asyncio.sleep(0)
        await asyncio.wait_for(proxy.stalled.wait(), 5)
        await asyncio.wait_for(a.close(), 5)  # returns although Redis does not answer
        proxy.resume()
        assert await quiet(there, 2.0)  # nothing left behind publishes once it is back
    finally:
        proxy.resume()
        await a.close()
        await b.close()


async def test_a_joiner_cancelled_during_the_subscription_fails_no_other_joiner(
    target: tuple[str, str], proxy: Any
) -> None:
    a, b = Fanout(target), Fanout((proxy.url, target[1]))
    gone, staying = Sock(7, 1), Sock(7, 2)
    try:
        proxy.pause()  # b's way to Redis stalls: the room's subscription is under way for a while
        first = asyncio.create_task(b.join(7, 1, gone))
        second = asyncio.create_task(b.join(7, 2, staying))
        await asyncio.wait_for(proxy.stalled.wait(), 5)
        first.cancel()  # its socket went away while connecting
        with pytest.raises(asyncio.CancelledError):
            await first
        proxy.resume()
        await asyncio.wait_for(second, 10)  # the other joiner of the room still joins...
        await a.publish({7: msgs(1)})
        await staying.wait()  # ...and hears the room
        assert staying.got == [1] and gone.got == []
        assert b.listeners("room.7") == 1 and b.listeners("user.1") == 0
    finally:
        proxy.resume()
        await a.close()
        await b.close()


async def test_join_returns_only_once_redis_has_the_subscription(target: tuple[str, str], proxy: Any) -> None:
    a, b = Fanout(target), Fanout((proxy.url, target[1]))
    warm, sock = Sock(8, 3), Sock(7, 3)
    try:
        await b.join(8, 3, warm)  # b's connection is up and read; room 7 is a new subscription

        async def join_then_publish() -> None:
            await b.join(7, 3, sock)
            await a.publish({7: msgs(1)})  # published the moment join returns

        proxy.pause()
        task = asyncio.create_task(join_then_publish())
        await asyncio.wait_for(proxy.stalled.wait(), 5)  # the SUBSCRIBE is on its way, not in Redis yet
        await asyncio.wait([task], timeout=1.0)  # a join returning meanwhile would be too early
        proxy.resume()
        await asyncio.wait_for(task, 10)
        await sock.wait()
        assert sock.got == [1]
    finally:
        proxy.resume()
        await a.close()
        await b.close()


@pytest.mark.django_db(transaction=True)
async def test_a_reconciliation_judges_only_sockets_connected_when_it_began(cast: Any) -> None:
    """A socket that finishes connecting while the check's queries run made its own checks, maybe after
    them: it must not be judged (closed for a membership granted meanwhile) by that older answer."""
    fan = Fanout(None)
    settled = Sock(cast.pair.pk, cast.maya.pk)
    connecting = Sock(cast.workshop.pk, cast.charlie.pk, ready=False)  # not a member when the check began
    await fan.join(cast.pair.pk, cast.maya.pk, settled)
    await fan.join(cast.workshop.pk, cast.charlie.pk, connecting)
    checking = asyncio.create_task(fan.reconcile())
    await asyncio.sleep(0)  # the check began
    connecting.ready = True  # admitted meanwhile
    await checking
    assert len(settled.reconciled) == 1 and connecting.reconciled == []


@pytest.mark.django_db(transaction=True)
async def test_reconciliations_do_not_overlap(cast: Any) -> None:
    fan = Fanout(None)
    sock = Sock(cast.pair.pk, cast.maya.pk)
    await fan.join(cast.pair.pk, cast.maya.pk, sock)
    await asyncio.gather(fan.reconcile(), fan.reconcile())  # the periodic one and a reconnect's, at once
    assert len(sock.reconciled) == 1
    await fan.reconcile()  # the next one runs
    assert len(sock.reconciled) == 2


@database_sync_to_async
def store_quietly(room: Any, sender: Any, count: int) -> None:
    """Store messages without waking anybody (as if every wake-up was lost)."""
    payload = {"id": sender.pk, "username": sender.username, "display_name": "", "role": "mentor"}
    services.store_batch(
        [services.SendItem(room.pk, sender.pk, payload, f"quiet-{i}", f"note {i}") for i in range(count)]
    )


class Recorder(Sock):
    """A socket that notes each wake-up's seqs, with its name, in a list shared with others."""

    def __init__(self, name: str, log: list[tuple[str, list[int]]], room_id: int, user_id: int) -> None:
        super().__init__(room_id, user_id)
        self.name, self.log = name, log

    async def wake(self, messages: list[dict[str, Any]]) -> None:
        self.log.append((self.name, [m["seq"] for m in messages]))
        await super().wake(messages)


@pytest.mark.django_db(transaction=True)
async def test_sockets_behind_are_caught_up_page_by_page_from_shared_fetches(
    cast: Any, settings: Any
) -> None:
    settings.CHAT_HISTORY_PAGE = 2
    fan = Fanout(None)
    wakes: list[tuple[str, list[int]]] = []
    far = Recorder("far", wakes, cast.pair.pk, cast.maya.pk)
    near = Recorder("near", wakes, cast.pair.pk, cast.sam.pk)
    current = Recorder("current", wakes, cast.other_pair.pk, cast.leo.pk)
    for sock in (far, near, current):
        await fan.join(sock.room_id, sock.user_id, sock)
    await store_quietly(cast.pair, cast.sam, 5)
    near.got = [1, 2, 3]  # it has these already
    await fan.reconcile()

    # A page of the room at a time, from the lowest position, to each socket that lacks some of it (a
    # socket skips what it has: RoomConsumer._deliver). The room with nobody behind is not read.
    def of(name: str) -> list[list[int]]:
        return [seqs for who, seqs in wakes if who == name]

    assert of("far") == [[1, 2], [3, 4], [5]] and of("near") == [[3, 4], [5]] and of("current") == []
