"""The signaling socket ``/ws/rooms/<id>/call/`` (docs/calls.md). Transport only: parse, authorise,
hand over to ``signaling.services``, publish what they return, relay ``signal`` frames.

A socket holds at most one peer. It hears of its call through its own group ``peer.<peer_id>`` (and of
logout / removal through ``user.<id>``). A ``signal`` goes to the target's group only after checking
that the target is a present peer of the sender's call (a local cache, refreshed from the database on
a miss), so nothing reaches anyone outside the call.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from chatserver.json import dumps
from rooms.access import (
    CLOSE_FORBIDDEN,
    CLOSE_NOT_LOGGED_IN,
    NotAMember,
    admit_member,
    ended_here,
    membership_for,
)
from rooms.services import user_group
from rooms.writer import publish
from signaling import conf, services, timers
from signaling.protocol import (
    DeclineFrame,
    Frame,
    JoinFrame,
    LeaveFrame,
    ProtocolError,
    SignalFrame,
    parse_frame,
)
from signaling.services import CallError

log = logging.getLogger(__name__)

_membership = database_sync_to_async(membership_for)
_room_state = database_sync_to_async(services.room_call_state)
_join = database_sync_to_async(services.join_call)
_leave = database_sync_to_async(services.leave_call)
_drop = database_sync_to_async(services.drop_peer)
_touch = database_sync_to_async(services.touch)
_decline = database_sync_to_async(services.decline_call)
_peer_rank = database_sync_to_async(services.peer_rank)
_settle = database_sync_to_async(services.settle_call)


async def settle_later(call_id: int) -> None:
    """A timer's action: settle the call and publish what that changed."""
    await publish(await _settle(call_id))


class CallConsumer(AsyncWebsocketConsumer):
    # Relay events never touch the database: skip Channels' per-event close_old_connections().
    FAST_EVENTS = frozenset({"call.signal", "call.peer", "call.removed", "call.ended"})

    room_id: int
    user: Any
    call_id: int | None = None
    peer_id: str | None = None
    rank = 0
    peers: dict[str, int]  # the other present peers of my call: peer_id -> rank
    beat: asyncio.Task[None] | None = None
    admitted = False

    async def dispatch(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind in self.FAST_EVENTS:
            await getattr(self, kind.replace(".", "_"))(message)
        elif kind.startswith("websocket.") or hasattr(self, kind.replace(".", "_")):
            await super().dispatch(message)
        # Anything else on the user's group is for that user's chat sockets (chat.private, ...).

    # --- connection -----------------------------------------------------------------------------

    async def connect(self) -> None:
        self.room_id = int(self.scope["url_route"]["kwargs"]["room_id"])
        if await admit_member(self, self.room_id) is None:
            return
        user = self.scope["user"]
        self.user = user
        self.peers = {}
        self.admitted = True
        await self.channel_layer.group_add(user_group(user.pk), self.channel_name)
        call, events = await _room_state(self.room_id)
        await publish(events)
        await self._send({"type": "call.state", "call": call})

    async def disconnect(self, code: int) -> None:
        if not self.admitted:
            return
        await self.channel_layer.group_discard(user_group(self.user.pk), self.channel_name)
        call_id, peer_id = self.call_id, self.peer_id
        if call_id is None or peer_id is None:
            return
        await self._detach()
        await publish(await _drop(call_id, peer_id, self.channel_name))
        # Prompt peer.left when the resume window closes (the heartbeats and lazy settling back it up).
        timers.schedule(f"drop.{peer_id}", conf.resume_window() + 0.05, lambda: settle_later(call_id))

    # --- client frames --------------------------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        try:
            frame = parse_frame(
                text_data, max_frame_bytes=conf.max_frame_bytes(), max_sdp_bytes=conf.max_sdp_bytes()
            )
            await self._handlers[type(frame)](self, frame)
        except ProtocolError as err:
            await self._send(err.frame())
        except CallError as err:
            await publish(err.events)
            await self._send(err.frame())

    async def on_join(self, frame: JoinFrame) -> None:
        if self.peer_id is not None:
            raise ProtocolError("already_joined", "this socket is already in the call")
        try:
            await _membership(self.user, self.room_id)  # again: membership may have ended since connect
        except NotAMember:
            raise ProtocolError("forbidden", "you are no longer a member of this room") from None
        joined = await _join(self.user, self.room_id, self.channel_name, resume=frame.resume)
        self.call_id, self.peer_id, self.rank = joined.call_id, joined.peer_id, joined.rank
        self.peers = {p.peer_id: p.rank for p in joined.peers}
        await self.channel_layer.group_add(services.peer_group(joined.peer_id), self.channel_name)
        ice_servers, ttl = services.ice_config(self.user.pk)
        peers = [{"peer_id": p.peer_id, "user": p.user, "polite": self.rank > p.rank} for p in joined.peers]
        await self._send(
            {
                "type": "call.joined",
                "call_id": joined.call_id,
                "call": joined.call,
                "peer_id": joined.peer_id,
                "peer_token": joined.peer_token,
                "resumed": joined.resumed,
                "peers": peers,
                "polite": bool(peers) and all(p["polite"] for p in peers),
                "ice_servers": ice_servers,
                "ice_ttl": ttl,
            }
        )
        await publish(joined.events)
        timers.cancel(f"drop.{joined.peer_id}")
        if joined.created:
            delay = conf.ring_timeout() + 0.05
            timers.schedule(f"ring.{joined.call_id}", delay, lambda: settle_later(joined.call_id))
        self.beat = asyncio.get_running_loop().create_task(self._heartbeat(joined.call_id, joined.peer_id))

    async def on_leave(self, frame: LeaveFrame) -> None:
        call_id, peer_id = self.call_id, self.peer_id
        if call_id is None or peer_id is None:
            raise ProtocolError("not_in_call", "this socket is not in a call")
        await self._detach()
        call, events = await _leave(call_id, peer_id, self.channel_name)
        await publish(events)
        await self._send({"type": "call.left", "reason": "left", "call": call})

    async def on_signal(self, frame: SignalFrame) -> None:
        if self.call_id is None or self.peer_id is None:
            raise ProtocolError("not_in_call", "join the call before sending signals")
        if frame.to == self.peer_id or not await self._is_peer(frame.to):
            raise ProtocolError("forbidden", "'to' is not another peer of this call")
        await self.channel_layer.group_send(
            services.peer_group(frame.to),
            {"type": "call.signal", "call": self.call_id, "from": self.peer_id, "data": frame.data},
        )

    async def on_decline(self, frame: DeclineFrame) -> None:
        if self.peer_id is not None:
            raise ProtocolError("already_joined", "you are in this call: send call.leave instead")
        call, events = await _decline(self.user, self.room_id, frame.call_id)
        await publish(events)
        await self._send({"type": "call.declined", "call": call})

    _handlers: dict[type[Frame], Callable[[Any, Any], Awaitable[None]]] = {
        JoinFrame: on_join,
        LeaveFrame: on_leave,
        SignalFrame: on_signal,
        DeclineFrame: on_decline,
    }

    # --- events ---------------------------------------------------------------------------------

    async def call_signal(self, event: dict[str, Any]) -> None:
        if event["call"] == self.call_id and self.peer_id is not None:
            await self._send({"type": "signal", "from": event["from"], "data": event["data"]})

    async def call_peer(self, event: dict[str, Any]) -> None:
        if event["call"] != self.call_id or self.peer_id is None:
            return
        frame = event["frame"]
        if frame["type"] == "peer.left":
            self.peers.pop(event["peer_id"], None)
        else:
            self.peers[event["peer_id"]] = event["rank"]
        await self._send(frame)

    async def call_removed(self, event: dict[str, Any]) -> None:
        """This socket's peer was taken over, replaced, or timed out: it is no longer in the call."""
        if event["call"] != self.call_id or event["peer_id"] != self.peer_id:
            return
        if event["keep"] == self.channel_name:
            return
        await self._detach()
        await self._send({"type": "call.left", "reason": event["reason"], "call": None})

    async def call_ended(self, event: dict[str, Any]) -> None:
        if event["call"] != self.call_id:
            return
        await self._detach()
        await self._send({"type": "call.ended", "call": event["payload"]})

    async def session_ended(self, event: dict[str, Any]) -> None:
        if not ended_here(self.scope, event):
            return  # the person logged out on another device: this one stays in the call
        await self._leave_for("removed")
        await self.close(code=CLOSE_NOT_LOGGED_IN)

    async def membership_revoked(self, event: dict[str, Any]) -> None:
        if event["room"] == self.room_id:
            await self._leave_for("removed")
            await self.close(code=CLOSE_FORBIDDEN)

    # --- helpers --------------------------------------------------------------------------------

    async def _is_peer(self, peer_id: str) -> bool:
        if peer_id in self.peers:
            return True
        assert self.call_id is not None
        rank = await _peer_rank(self.call_id, peer_id)
        if rank is None:
            return False
        self.peers[peer_id] = rank
        return True

    async def _heartbeat(self, call_id: int, peer_id: str) -> None:
        """Liveness marks while in the call; each also settles the call (expired peers, timeouts)."""
        while True:
            await asyncio.sleep(conf.heartbeat())
            try:
                lost, events = await _touch(call_id, peer_id, self.channel_name)
                await publish(events)
            except Exception:
                log.exception("heartbeat of a peer in call %s failed", call_id)
                continue
            if lost is not None and self.peer_id == peer_id:
                # Out of the call and the event that said so never came (e.g. the layer dropped it).
                self.beat = None  # _detach must not cancel the task it runs in
                await self._detach()
                await self._send({"type": "call.left", "reason": lost, "call": None})
                return

    async def _leave_for(self, reason: str) -> None:
        call_id, peer_id = self.call_id, self.peer_id
        if call_id is None or peer_id is None:
            return
        await self._detach()
        _, events = await _leave(call_id, peer_id, self.channel_name, reason=reason)
        await publish(events)

    async def _detach(self) -> None:
        """Forget the call on this socket (no database change)."""
        if self.peer_id is not None:
            await self.channel_layer.group_discard(services.peer_group(self.peer_id), self.channel_name)
        self.call_id = self.peer_id = None
        self.rank = 0
        self.peers = {}
        beat, self.beat = self.beat, None
        if beat is not None and beat is not asyncio.current_task():
            beat.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await beat

    async def _send(self, frame: dict[str, Any]) -> None:
        await self.send(text_data=dumps(frame))
