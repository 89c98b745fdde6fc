"""Call set-up and signaling relay figures against a real daphne on this machine (docs/calls.md).

    .venv/bin/python bench/call_bench.py [--calls 10] [--frames 2000]

Starts one daphne (SQLite, in-memory channel layer) in a temporary directory, then:
1. call set-up: Maya sends ``call.join``, Sam joins as soon as it rings, Sam offers; timed from Maya's
   ``call.join`` to both aiortc peers ``connected`` (and from Sam's join), median over ``--calls``;
2. relay latency: Sam sends ``--frames`` ``signal`` frames to Maya one at a time (~1 KiB of data, as an
   ICE candidate batch might be) and each is timed from send to receipt (one clock: both clients run
   in this process); p50 / p99.
Media stays on 127.0.0.1 (aioice's host addresses are pointed there, as in the tests).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aioice.ice  # noqa: E402

from tests.signaling.rtc import Person, SignalingClient, wait_until  # noqa: E402
from tests.support import liveserver as ls  # noqa: E402

SERVER_ENV = {"STUN_URLS": "", "TURN_URLS": "", "TURN_SECRET": "", "LOG_LEVEL": "WARNING"}


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def one_call(open_socket: object, room: int) -> tuple[float, float]:
    maya = Person(await open_socket("maya", room), 60)  # type: ignore[operator]
    sam = Person(await open_socket("sam", room), 200)  # type: ignore[operator]
    try:
        t0 = time.perf_counter()
        await maya.join()
        t1 = time.perf_counter()
        await sam.join()  # Sam answers and offers
        await wait_until(lambda: len(maya.links) == 1, 15, "peer.joined")
        await wait_until(
            lambda: (
                maya.link().pc.connectionState == "connected" and sam.link().pc.connectionState == "connected"
            ),
            30,
            "connected",
        )
        t2 = time.perf_counter()
        for person in (maya, sam):
            await person.client.send({"type": "call.leave"})
            await person.client.recv_type("call.left")
        return t2 - t0, t2 - t1
    finally:
        await maya.close()
        await sam.close()


async def relay(open_socket: object, room: int, frames: int) -> list[float]:
    maya: SignalingClient = await open_socket("maya", room)  # type: ignore[operator]
    sam: SignalingClient = await open_socket("sam", room)  # type: ignore[operator]
    got: asyncio.Queue[float] = asyncio.Queue()

    async def on_signal(sender: str, data: dict[str, object]) -> None:
        got.put_nowait(time.perf_counter())

    maya.on_signal = on_signal
    try:
        to = (await maya.join())["peer_id"]
        await sam.join()
        payload = {"candidates": ["candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host"] * 14}
        latencies = []
        for i in range(frames):
            sent = time.perf_counter()
            await sam.signal(to, {"n": i, **payload})
            latencies.append((await asyncio.wait_for(got.get(), 10)) - sent)
        for client in (sam, maya):
            await client.send({"type": "call.leave"})
        return latencies
    finally:
        await maya.close()
        await sam.close()


async def run(server: ls.LiveServer, room: int, cookies: dict[str, str], calls: int, frames: int) -> None:
    async def open_socket(key: str, room_id: int) -> SignalingClient:
        return await SignalingClient.open(
            server.ws_url(f"/ws/rooms/{room_id}/call/"), server.origin, cookies[key], key
        )

    await one_call(open_socket, room)  # warm-up (imports, codecs), not counted
    setup, answer = [], []
    for _ in range(calls):
        total, from_answer = await one_call(open_socket, room)
        setup.append(total * 1000)
        answer.append(from_answer * 1000)
    print(
        f"call set-up, call.join -> both connected ({calls} calls): median {statistics.median(setup):.1f} ms, "
        f"min {min(setup):.1f}, max {max(setup):.1f}"
    )
    print(f"  of which from the answering call.join: median {statistics.median(answer):.1f} ms")

    latencies = [x * 1000 for x in await relay(open_socket, room, frames)]
    print(
        f"signal relay latency ({frames} frames of ~1 KiB, one at a time): "
        f"p50 {pct(latencies, 50):.2f} ms, p99 {pct(latencies, 99):.2f} ms, max {max(latencies):.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=10)
    parser.add_argument("--frames", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="call-bench-") as work:
        server = ls.LiveServer(Path(work), name="daphne-bench", env=SERVER_ENV)
        try:
            server.start()
            members = [("maya", "mentee"), ("sam", "mentor")]
            cast = ls.create_cast(server, ["maya", "sam"], rooms={"bench": ("pair", members)})
            cookies = {key: ls.login(server, person) for key, person in cast.people.items()}
            with mock.patch.object(
                aioice.ice, "get_host_addresses", lambda use_ipv4=True, use_ipv6=False: ["127.0.0.1"]
            ):
                asyncio.run(run(server, cast.rooms["bench"], cookies, args.calls, args.frames))
        finally:
            server.close()


if __name__ == "__main__":
    main()
