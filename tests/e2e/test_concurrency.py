"""Two server processes, one PostgreSQL database, one Redis: many people writing to one room at once.

What must hold (docs/protocol.md): the room's ``seq`` runs 1..N with no gap and no duplicate, N is the
number of distinct ``client_id`` sent, and every client ends with every message exactly once. The
contract lets a client fill a gap with a ``sync`` frame; how often the live path alone delivered
everything is printed (not asserted: it depends on timing).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.e2e.conftest import E2E_ENV
from tests.support import liveserver as ls
from tests.support.liveserver import NOISE, ChatClient, ClientPool, LiveServer, Seen

pytestmark = pytest.mark.e2e

CLIENTS = 6
PER_CLIENT = 40
QUIET = 5.0  # seconds without a frame after which a client stops waiting on the live path


@pytest.fixture(scope="module")
def deployment(
    tmp_path_factory: pytest.TempPathFactory, postgres_url: str, redis_url: str
) -> Iterator[tuple[LiveServer, LiveServer]]:
    work = tmp_path_factory.mktemp("e2e-two-servers")
    a = LiveServer(work, name="daphne-a", database_url=postgres_url, redis_url=redis_url, env=E2E_ENV)
    b = LiveServer(work, name="daphne-b", database_url=postgres_url, redis_url=redis_url, env=E2E_ENV)
    try:
        a.start()
        ls.offset_ids(a)
        b.start(migrate=False)
        yield a, b
    finally:
        b.close()
        a.close()
        ls.forget_presence(a)


@dataclass
class Outcome:
    client: ChatClient
    user_id: int
    sent: list[str]
    acks: dict[str, dict[str, Any]] = field(default_factory=dict)
    live: Seen = field(default_factory=Seen)  # what the live path delivered
    arrival: list[int] = field(default_factory=list)  # the seqs of the live path, in arrival order
    final: Seen = field(default_factory=Seen)  # after a sync, if one was needed
    synced: bool = False
    rate_limited: int = 0


async def talk(client: ChatClient, user_id: int, expected: int) -> Outcome:
    """Send PER_CLIENT messages as fast as the server takes them, while reading everything that arrives."""
    out = Outcome(client, user_id, [str(uuid.uuid4()) for _ in range(PER_CLIENT)])
    bodies = {cid: f"{client.name} says #{i}" for i, cid in enumerate(out.sent)}
    pending = set(out.sent)

    async def send_all() -> None:
        for cid in out.sent:
            await client.send_message(bodies[cid], cid)

    sender = asyncio.create_task(send_all())
    deadline = time.monotonic() + 120
    try:
        while pending or len(out.live.by_seq) < expected:
            # Waiting for our own acks: up to the deadline. Waiting for the others': until quiet.
            wait = deadline - time.monotonic() if pending else QUIET
            try:
                frame = await client.recv(max(0.001, wait))
            except TimeoutError:
                if pending:
                    raise AssertionError(
                        f"{client.name}: no answer for {len(pending)} of its messages"
                    ) from None
                break
            kind = frame["type"]
            if kind == "message.new":
                message = frame["message"]
                out.live.add(message)
                out.arrival.append(message["seq"])
                cid = message["client_id"]
                if cid in pending and message["sender"]["id"] == user_id:
                    pending.discard(cid)
                    out.acks[cid] = message
            elif kind == "error" and frame.get("code") == "rate_limited":
                out.rate_limited += 1
                await asyncio.sleep(frame["retry_after"])
                await client.send_message(bodies[frame["client_id"]], frame["client_id"])
            elif kind not in NOISE:
                raise AssertionError(f"{client.name}: unexpected frame {frame}")
    finally:
        await sender

    out.final.by_seq.update(out.live.by_seq)
    if out.final.seqs != list(range(1, expected + 1)):
        # Fill the gap the way the contract offers: everything after the last contiguous seq.
        out.synced = True
        await client.send({"type": "sync", "after": out.final.contiguous_to})
        for frame in await client.frames_until("sync.done", timeout=60):
            if frame["type"] == "message.new":
                message = frame["message"]
                if message["seq"] in out.final.by_seq:  # a resend of one we had: must be the same message
                    assert message["id"] == out.final.by_seq[message["seq"]]["id"], message
                else:
                    out.final.add(message)
    return out


async def test_two_servers_one_room_every_message_once(
    deployment: tuple[LiveServer, LiveServer], chat: ClientPool, capsys: pytest.CaptureFixture[str]
) -> None:
    servers = deployment
    keys = [f"member{i}" for i in range(CLIENTS)]
    roles = ["mentor" if i % 3 == 0 else "mentee" for i in range(CLIENTS)]
    cast = await asyncio.to_thread(
        ls.create_cast, servers[0], keys, {"workshop": ("group", list(zip(keys, roles, strict=True)))}
    )
    room = cast.rooms["workshop"]
    home = {key: servers[i % 2] for i, key in enumerate(keys)}  # half the people on each server
    cookies = await asyncio.gather(*(asyncio.to_thread(ls.login, home[k], cast[k]) for k in keys))
    clients = [
        await chat.join(home[k], room, cookie, name=f"{k}@{home[k].name}")
        for k, cookie in zip(keys, cookies, strict=True)
    ]
    expected = CLIENTS * PER_CLIENT

    outcomes = await asyncio.gather(
        *(talk(client, cast[k].id, expected) for client, k in zip(clients, keys, strict=True))
    )

    # The room, as stored (asked of both servers: one database).
    stored, last_seq = await asyncio.to_thread(ls.room_messages, servers[0], cookies[0], room)
    stored_b, _ = await asyncio.to_thread(ls.room_messages, servers[1], cookies[1], room)
    assert stored == stored_b
    all_sent = {cid for o in outcomes for cid in o.sent}
    assert [m["seq"] for m in stored] == list(range(1, len(stored) + 1)), "gap or duplicate seq"
    assert last_seq == len(stored) == len(all_sent) == expected
    assert {m["client_id"] for m in stored} == all_sent
    by_seq = {m["seq"]: m for m in stored}

    for o in outcomes:
        name = o.client.name
        assert o.live.duplicates == [], f"{name} got these seqs twice: {o.live.duplicates}"
        # "Messages are never interleaved out of order and never repeated on one socket."
        assert o.arrival == sorted(o.arrival), f"{name}: out of order"
        assert o.final.seqs == list(range(1, expected + 1)), (
            f"{name} misses {set(by_seq) - set(o.final.seqs)}"
        )
        for seq, message in o.final.by_seq.items():
            assert (message["id"], message["client_id"], message["body"]) == (
                by_seq[seq]["id"],
                by_seq[seq]["client_id"],
                by_seq[seq]["body"],
            ), name
        # Each of its messages was acknowledged, as its sender, in the order sent.
        assert set(o.acks) == set(o.sent), name
        ack_seqs = [o.acks[cid]["seq"] for cid in o.sent]
        assert ack_seqs == sorted(ack_seqs), f"{name}: stored out of order"
        assert all(by_seq[s]["sender"]["id"] == o.user_id for s in ack_seqs), name

    live_complete = sum(not o.synced for o in outcomes)
    with capsys.disabled():
        print(
            f"\n[concurrency] {expected} messages from {CLIENTS} clients on 2 servers: live path alone delivered "
            f"everything to {live_complete}/{CLIENTS} clients; sync needed by "
            f"{[o.client.name for o in outcomes if o.synced]}; rate-limited answers: "
            f"{sum(o.rate_limited for o in outcomes)}"
        )
