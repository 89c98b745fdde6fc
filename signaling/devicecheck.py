"""The device check: a server-side aiortc peer that sends a person's own camera and microphone back.

``POST /api/calls/device-check`` with the browser's offer (``{"type": "offer", "sdp": ...}``, ICE
gathering complete: aiortc does not trickle) answers with the server's SDP. Every audio and video
track received is re-added, through aiortc's ``MediaRelay``, as a track sent back on the same
connection; a data channel opened by the client is echoed too (for a round-trip time). So the person
sees and hears themselves through the real path (ICE, DTLS-SRTP, codecs, any TURN relay).

Limits, per server process: one check per user (a new offer replaces the running one), at most
``DEVICE_CHECK_MAX`` at once (``Busy`` beyond; each costs a video decode and encode), each closed after
``DEVICE_CHECK_SECONDS``, on ``DELETE``, or when its connection fails or closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from typing import Any

from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaRelay

log = logging.getLogger(__name__)


class Busy(Exception):
    """The server runs as many device checks as it may; try again shortly."""


class BadOffer(ValueError):
    pass


class _Check:
    def __init__(self, user_id: int, ice_servers: list[dict[str, Any]]) -> None:
        self.user_id = user_id
        config = RTCConfiguration(
            iceServers=[
                RTCIceServer(urls=s["urls"], username=s.get("username"), credential=s.get("credential"))
                for s in ice_servers
            ]
        )
        self.pc = RTCPeerConnection(config)
        self.relay = MediaRelay()
        self.closed = asyncio.Event()
        self.timer: asyncio.TimerHandle | None = None

        @self.pc.on("track")
        def on_track(track: Any) -> None:
            # Sent back on the transceiver it came in on (addTrack reuses a receive-only one).
            self.pc.addTrack(self.relay.subscribe(track, buffered=False))

        @self.pc.on("datachannel")
        def on_datachannel(channel: Any) -> None:
            @channel.on("message")
            def on_message(message: Any) -> None:
                if channel.readyState == "open":
                    channel.send(message)

        @self.pc.on("connectionstatechange")
        async def on_state() -> None:
            if self.pc.connectionState in ("failed", "closed"):
                await self.close()

    async def answer(self, sdp: str) -> RTCSessionDescription:
        if not any(line.startswith(("m=audio ", "m=video ")) for line in sdp.splitlines()):
            raise BadOffer("the offer has neither audio nor video: add the camera and microphone tracks")
        try:
            await self.pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
        except Exception as exc:  # aiortc raises ValueError and its own errors for bad SDP
            raise BadOffer(f"the offer could not be used: {exc}") from exc
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        return self.pc.localDescription

    async def close(self) -> None:
        if self.closed.is_set():
            return
        self.closed.set()
        if self.timer is not None:
            self.timer.cancel()
        with contextlib.suppress(Exception):
            await self.pc.close()


class DeviceChecks:
    """The running checks of one server process (one event loop)."""

    def __init__(self) -> None:
        self._by_user: dict[int, _Check] = {}
        self._loop = asyncio.get_running_loop()
        self._tasks: set[asyncio.Task[None]] = set()  # strong references until they finish

    def __len__(self) -> int:
        return len(self._by_user)

    async def start(
        self, user_id: int, sdp: str, *, ice_servers: list[dict[str, Any]], limit: int, seconds: float
    ) -> RTCSessionDescription:
        old = self._by_user.pop(user_id, None)
        if old is not None:
            await old.close()
        if len(self._by_user) >= limit:
            raise Busy(f"{limit} device checks are running; try again in a minute")
        check = _Check(user_id, ice_servers)
        self._by_user[user_id] = check  # the slot is taken before the first await
        try:
            answer = await check.answer(sdp)
        except BaseException:
            await self._finish(check)
            raise
        check.timer = self._loop.call_later(seconds, lambda: self._spawn(self._finish(check)))
        self._spawn(self._reap(check))
        return answer

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = self._loop.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def hang_up(self, user_id: int) -> bool:
        check = self._by_user.get(user_id)
        if check is None:
            return False
        await self._finish(check)
        return True

    async def close_all(self) -> None:
        for check in list(self._by_user.values()):
            await self._finish(check)

    async def _reap(self, check: _Check) -> None:
        await check.closed.wait()
        await self._finish(check)

    async def _finish(self, check: _Check) -> None:
        if self._by_user.get(check.user_id) is check:
            del self._by_user[check.user_id]
        await check.close()


_registries: dict[asyncio.AbstractEventLoop, DeviceChecks] = {}


def get_registry() -> DeviceChecks:
    loop = asyncio.get_running_loop()
    registry = _registries.get(loop)
    if registry is None:
        for old in [lp for lp in _registries if lp.is_closed()]:
            del _registries[old]
        registry = _registries[loop] = DeviceChecks()
    return registry
