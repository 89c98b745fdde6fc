"""An aiortc client that speaks only the signaling socket's contract (docs/calls.md), for the
end-to-end tests and bench/call_bench.py. Nothing here imports Django.

- ``SignalingClient``: the websocket, frames kept in order; ``signal`` frames go to a handler.
- ``Link``: my RTCPeerConnection to one other peer, with perfect negotiation. aiortc has neither
  rollback nor ``restartIce`` (nor trickle: candidates travel inside the SDP), so:
  * glare: the impolite side ignores the colliding offer; the polite side throws its connection away
    and answers the other offer on a fresh one (its own offer is dropped, as a rollback would);
  * ICE restart after a resume: both sides replace the connection with a fresh one and the resumed
    side offers (a browser would call ``pc.restartIce()`` instead).
- ``SynthVideo``: a synthetic camera whose frames carry a luma level, so a receiver can tell whose
  frames it got after a lossy VP8 round trip.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCDataChannel,
    RTCPeerConnection,
    RTCSessionDescription,
    VideoStreamTrack,
)
from av import VideoFrame
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

WIDTH, HEIGHT = 160, 120


class SynthVideo(VideoStreamTrack):
    """A flat grey picture at luma ``level``."""

    def __init__(self, level: int) -> None:
        super().__init__()
        self.level = level

    async def recv(self) -> VideoFrame:
        pts, time_base = await self.next_timestamp()
        frame = VideoFrame(width=WIDTH, height=HEIGHT, format="yuv420p")
        for i, plane in enumerate(frame.planes):
            plane.update(bytes([self.level if i == 0 else 128]) * plane.buffer_size)
        frame.pts, frame.time_base = pts, time_base
        return frame


def luma(frame: Any) -> float:
    """Mean luma of a decoded frame (its first plane, padding left out)."""
    plane = frame.planes[0]
    data = bytes(plane)
    rows = [data[r * plane.line_size : r * plane.line_size + plane.width] for r in range(plane.height)]
    return sum(sum(row) for row in rows) / (plane.width * plane.height)


class Received:
    """Frames received on one track: how many, and the luma / kind of the last one."""

    def __init__(self, track: MediaStreamTrack) -> None:
        self.track = track
        self.count = 0
        self.last_luma: float | None = None
        self.task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        with contextlib.suppress(Exception):
            while True:
                frame = await self.track.recv()
                self.count += 1
                if self.track.kind == "video":
                    self.last_luma = luma(frame)

    def stop(self) -> None:
        self.task.cancel()


async def wait_until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"not within {timeout}s: {what}")
        await asyncio.sleep(0.02)


class SignalingClient:
    """One signaling socket. ``frames`` keeps every non-signal frame received, in order."""

    def __init__(self, ws: ClientConnection, name: str) -> None:
        self.ws = ws
        self.name = name
        self.frames: list[dict[str, Any]] = []
        self._queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.on_signal: Callable[[str, dict[str, Any]], Awaitable[None]] | None = None
        self.on_peer: Callable[[dict[str, Any]], Awaitable[None]] | None = None
        self._reader = asyncio.get_running_loop().create_task(self._read())

    @classmethod
    async def open(cls, ws_url: str, origin: str, cookie: str, name: str) -> SignalingClient:
        ws = await connect(
            ws_url, additional_headers=[("Origin", origin), ("Cookie", cookie)], open_timeout=15, proxy=None
        )
        client = cls(ws, name)
        await client.recv_type("call.state")
        return client

    async def _read(self) -> None:
        with contextlib.suppress(ConnectionClosed, asyncio.CancelledError):
            async for raw in self.ws:
                frame = json.loads(raw)
                if frame["type"] == "signal" and self.on_signal is not None:
                    await self.on_signal(frame["from"], frame["data"])
                    continue
                if frame["type"].startswith("peer.") and self.on_peer is not None:
                    await self.on_peer(frame)
                self.frames.append(frame)
                await self._queue.put(frame)

    async def send(self, frame: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(frame))

    async def recv_type(self, *types: str, timeout: float = 15.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"{self.name}: no {types} within {timeout}s; got {self.frames[-5:]}")
            try:
                frame = await asyncio.wait_for(self._queue.get(), remaining)
            except TimeoutError:
                continue
            if frame["type"] in types:
                return frame

    async def join(self, resume: str | None = None) -> dict[str, Any]:
        await self.send({"type": "call.join", **({"resume": resume} if resume else {})})
        frame = await self.recv_type("call.joined", "error")
        if frame["type"] != "call.joined":
            raise AssertionError(f"{self.name}: join refused: {frame}")
        return frame

    async def signal(self, to: str, data: dict[str, Any]) -> None:
        await self.send({"type": "signal", "to": to, "data": data})

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.ws.close(), 10)
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._reader


class Link:
    """My connection to one other peer, negotiated over ``signal`` frames (perfect negotiation)."""

    def __init__(
        self, client: SignalingClient, remote: str, *, polite: bool, level: int, audio: bool = False
    ) -> None:
        self.client = client
        self.remote = remote
        self.polite = polite
        self.level = level
        self.audio = audio
        self.making_offer = False
        self.ignored_offers = 0
        self.rollbacks = 0
        self.generation = 0
        self.messages: asyncio.Queue[str] = asyncio.Queue()
        self.video: Received | None = None
        self.channel: RTCDataChannel | None = None
        self._lock = asyncio.Lock()  # one description at a time, in arrival order
        self.pc = self._new_pc()

    def _new_pc(self) -> RTCPeerConnection:
        self.generation += 1
        self.channel = None
        if self.video is not None:
            self.video.stop()
            self.video = None
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        pc.addTrack(SynthVideo(self.level))

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            if track.kind == "video":
                self.video = Received(track)

        @pc.on("datachannel")
        def on_datachannel(channel: RTCDataChannel) -> None:
            self._use_channel(channel)

        return pc

    def _use_channel(self, channel: RTCDataChannel) -> None:
        self.channel = channel

        @channel.on("message")
        def on_message(message: Any) -> None:
            self.messages.put_nowait(message)

    async def replace(self) -> None:
        """Throw the connection away and start a fresh one (no rollback/restartIce in aiortc)."""
        old, self.pc = self.pc, self._new_pc()
        await old.close()

    async def offer(self) -> None:
        pc = self.pc
        self.making_offer = True
        try:
            if self.channel is None:
                self._use_channel(pc.createDataChannel("chat"))
            await pc.setLocalDescription(await pc.createOffer())
            if pc is not self.pc:
                return  # replaced while we were offering: this offer was rolled back
            desc = pc.localDescription
            await self.client.signal(self.remote, {"description": {"type": desc.type, "sdp": desc.sdp}})
        finally:
            self.making_offer = False

    async def on_signal(self, data: dict[str, Any]) -> None:
        desc = data.get("description")
        if desc is None:
            return  # aiortc puts its candidates in the SDP; nothing trickles
        async with self._lock:
            collision = desc["type"] == "offer" and (self.making_offer or self.pc.signalingState != "stable")
            if collision and not self.polite:
                self.ignored_offers += 1
                return
            if collision:
                self.rollbacks += 1
                await self.replace()
            pc = self.pc
            await pc.setRemoteDescription(RTCSessionDescription(sdp=desc["sdp"], type=desc["type"]))
            if desc["type"] == "offer":
                await pc.setLocalDescription(await pc.createAnswer())
                answer = pc.localDescription
                await self.client.signal(
                    self.remote, {"description": {"type": answer.type, "sdp": answer.sdp}}
                )

    async def connected(self, timeout: float = 20.0) -> None:
        await wait_until(
            lambda: self.pc.connectionState == "connected", timeout, f"{self.client.name} connected"
        )

    async def frames_from(self, level: int, n: int = 3, timeout: float = 20.0) -> None:
        """Wait until ``n`` more video frames arrived whose luma is near ``level`` (the other's camera)."""
        await wait_until(lambda: self.video is not None, timeout, f"{self.client.name}: a video track")
        assert self.video is not None
        start = self.video.count
        video = self.video
        await wait_until(
            lambda: (
                video.count >= start + n and video.last_luma is not None and abs(video.last_luma - level) < 12
            ),
            timeout,
            f"{self.client.name}: {n} frames at luma {level} (last {video.last_luma}, count {video.count})",
        )

    async def channel_open(self, timeout: float = 20.0) -> RTCDataChannel:
        await wait_until(
            lambda: self.channel is not None and self.channel.readyState == "open",
            timeout,
            f"{self.client.name}: data channel open",
        )
        assert self.channel is not None
        return self.channel

    async def close(self) -> None:
        if self.video is not None:
            self.video.stop()
        await self.pc.close()


class Person:
    """A signaling client with one Link per other peer; the newcomer offers unless told not to."""

    def __init__(self, client: SignalingClient, level: int, *, auto_offer: bool = True) -> None:
        self.client = client
        self.level = level
        self.auto_offer = auto_offer
        self.joined: dict[str, Any] = {}
        self.links: dict[str, Link] = {}
        self.held: asyncio.Event = asyncio.Event()
        self.held.set()
        self.attach(client)

    def attach(self, client: SignalingClient) -> None:
        """Use this (new) socket from now on, e.g. to resume after the old one dropped."""
        self.client = client
        client.on_signal = self._on_signal
        client.on_peer = self._on_peer

    @property
    def peer_id(self) -> str:
        return str(self.joined["peer_id"])

    async def join(self, resume: str | None = None) -> dict[str, Any]:
        self.joined = await self.client.join(resume)
        for peer in self.joined["peers"]:
            link = self.links.get(peer["peer_id"])
            if link is None or resume:
                if link is not None:
                    await link.close()
                link = Link(self.client, peer["peer_id"], polite=peer["polite"], level=self.level)
                self.links[peer["peer_id"]] = link
            if self.auto_offer:
                await link.offer()
        return self.joined

    def link(self, peer_id: str | None = None) -> Link:
        if peer_id is None:
            (only,) = self.links.values()
            return only
        return self.links[peer_id]

    async def _on_peer(self, frame: dict[str, Any]) -> None:
        pid = frame["peer_id"]
        if frame["type"] == "peer.joined":
            self.links[pid] = Link(self.client, pid, polite=frame["polite"], level=self.level)
        elif frame["type"] == "peer.reconnected" and pid in self.links:
            await self.links[pid].replace()  # the resumed side will offer on a fresh connection
        elif frame["type"] == "peer.left" and pid in self.links:
            await self.links.pop(pid).close()

    async def _on_signal(self, sender: str, data: dict[str, Any]) -> None:
        await self.held.wait()
        link = self.links.get(sender)
        if link is None:  # a signal that overtook its peer.joined (it cannot here, but be safe)
            link = self.links[sender] = Link(self.client, sender, polite=False, level=self.level)
        await link.on_signal(data)

    async def close(self) -> None:
        for link in self.links.values():
            await link.close()
        await self.client.close()
