"""The chat socket ``/ws/rooms/<id>/`` (docs/protocol.md). Transport only: parse, authorise, hand over.

Delivery rule: each socket tracks the highest ``seq`` it has sent (``delivered``). A message at or
below it is skipped (no duplicates); one above ``delivered + 1`` first pulls the gap from the
database (nothing lost even when a wake-up is dropped or reordered). Stored messages reach the socket
through ``rooms.fanout`` (``wake``), its own acknowledgement through ``on_send``, history through
``sync``: one lock per socket keeps these in ``seq`` order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from chatserver.json import dumps
from chatserver.wsauth import user_for_session
from moderation import chat as moderation_chat
from rooms import services
from rooms.access import CLOSE_FORBIDDEN, CLOSE_NOT_LOGGED_IN, admit_member, ended_here
from rooms.fanout import get_fanout, spawn
from rooms.presence import get_presence
from rooms.protocol import (
    CallDeclineFrame,
    Frame,
    HelpFrame,
    ProtocolError,
    ReadFrame,
    ReportFrame,
    SendFrame,
    SyncFrame,
    TypingFrame,
    parse_frame,
)
from rooms.ratelimit import get_limiter
from rooms.writer import get_writer
from signaling import chat as signaling_chat

log = logging.getLogger(__name__)

_messages_after = database_sync_to_async(services.messages_after)
_room_state = database_sync_to_async(
    lambda room_id: (services.last_seq(room_id), services.read_markers(room_id))
)
_mark_read = database_sync_to_async(services.mark_read)


def _session_alive(session_key: str | None, user_id: int) -> bool:
    """Whether the socket's session is still signed in as its user: the handshake's own check
    (chatserver.wsauth), so it holds for every session engine, ``signed_cookies`` included."""
    return session_key is not None and user_for_session(session_key).pk == user_id


@database_sync_to_async
def _still_admitted(membership_id: int, user_id: int, session_key: str | None) -> int | None:
    """The close code for a socket whose membership or session ended since it was checked, else None."""
    if not services.membership_exists(membership_id):
        return CLOSE_FORBIDDEN
    if not _session_alive(session_key, user_id):
        return CLOSE_NOT_LOGGED_IN
    return None


class RoomConsumer(AsyncWebsocketConsumer):
    # No channel-layer channel: every event for this socket comes through rooms.fanout (room.<id> and
    # user.<id>), which saves a queue, a task and three Redis subscriptions per idle socket.
    channel_layer_alias = "-none-"
    # This consumer never uses the ORM on the event loop's thread (database work runs in the writer
    # thread or through database_sync_to_async, which manage their own connections), so it skips
    # Channels' close_old_connections() before every event (a thread hop, ≈70 µs each;
    # ../shared/notes/performance.md) except around connect and disconnect.
    SLOW_EVENTS = frozenset({"websocket.connect", "websocket.disconnect"})

    room_id: int
    user_id: int
    delivered: int
    member: dict[str, Any]
    membership_id: int
    socket_id: str
    session_key: str | None = None  # the session the socket was opened with (chatserver.wsauth)
    online_counted = False
    fanout_joined = False
    ready = False  # room.state, any resume and the notices are sent: events may flow
    _lock: asyncio.Lock
    _pending = 0  # coroutines waiting for (or about to wait for) the lock

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            # However the socket ends (closed, a handler raised, the server cancelled it), forget it.
            await self._release()

    async def dispatch(self, message: dict[str, Any]) -> None:
        if message["type"] in self.SLOW_EVENTS:
            await super().dispatch(message)
        else:
            handler = getattr(self, get_handler_name(message), None)
            if handler is None:
                raise ValueError(f"No handler for message type {message['type']}")
            await handler(message)

    # --- connection ---------------------------------------------------------------------------

    async def connect(self) -> None:
        self.room_id = int(self.scope["url_route"]["kwargs"]["room_id"])
        self._lock = asyncio.Lock()
        # The socket's turn is held until room.state, any resume and the notices are sent: wake-ups
        # and events arriving meanwhile wait for it, in order.
        async with self._turn():
            # Membership first: a socket that may not see the room is refused (4401/4403) before this
            # process subscribes to anything for it.
            membership = await admit_member(self, self.room_id)
            if membership is None:
                return
            self.user_id = membership.user_id
            self.session_key = self.scope.get("session_key")
            await get_fanout().join(self.room_id, self.user_id, self)
            self.fanout_joined = True
            # Checked again now that a removal or logout reaches this socket: one that happened between
            # the first check (or the handshake's session check) and the join would never be heard.
            refused = await _still_admitted(membership.pk, self.user_id, self.session_key)
            if refused is not None:
                await self.close(code=refused)
                return
            self.membership_id = membership.pk
            self.member = services.member_payload(membership)
            self.socket_id = uuid.uuid4().hex[:16]  # this socket in the presence sets
            await self._admit()
            # Crisis notices still open in this room (resources for the sender, the mentor's banner).
            for frame in await moderation_chat.notices(self):
                await self._send(frame)
            self.ready = True

    async def _admit(self) -> None:
        presence = get_presence()
        came_online = await presence.join(self.room_id, self.user_id, self.socket_id)
        self.online_counted = True
        if came_online:
            await self._broadcast({"type": "chat.presence", "user": self.user_id, "online": True})
        last_seq, read = await _room_state(self.room_id)
        online = await presence.online(self.room_id)
        self.delivered = last_seq
        await self._send({"type": "room.state", "last_seq": last_seq, "online": online, "read": read})

        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        raw_after = query.get("after", [None])[-1]
        if raw_after is None:
            return
        if not raw_after.isdigit():
            # Reported, and the socket stays open: the client can still send a "sync" frame.
            err = ProtocolError("bad_frame", "query 'after' must be a non-negative integer")
            await self._send(err.frame())
            return
        self.delivered = min(int(raw_after), last_seq)
        await self._sync_from(self.delivered)

    async def disconnect(self, code: int) -> None:
        await self._release()

    async def _release(self) -> None:
        """Forget this socket in the fan-out and in presence (idempotent)."""
        self.ready = False
        if self.fanout_joined:
            self.fanout_joined = False
            get_fanout().leave(self.room_id, self.user_id, self)
        if not self.online_counted:
            return
        self.online_counted = False
        went_offline = await get_presence().leave(self.room_id, self.user_id, self.socket_id)
        if went_offline:
            await self._broadcast({"type": "chat.presence", "user": self.user_id, "online": False})
            await self._broadcast({"type": "chat.typing", "user": self.user_id, "active": False})

    @contextlib.asynccontextmanager
    async def _turn(self) -> AsyncIterator[None]:
        """This socket's lock: sends of messages and events happen one at a time, in arrival order."""
        self._pending += 1
        try:
            await self._lock.acquire()
        finally:
            self._pending -= 1
        try:
            yield
        finally:
            self._lock.release()

    def _free(self) -> bool:
        return self.ready and self._pending == 0 and not self._lock.locked()

    def _later(self, job: Callable[..., Awaitable[None]], *args: Any) -> None:
        self._pending += 1
        spawn(self._run_later(job, args))

    async def _run_later(self, job: Callable[..., Awaitable[None]], args: tuple[Any, ...]) -> None:
        self._pending -= 1  # _turn counts it again while it waits
        try:
            async with self._turn():
                if self.ready:  # not closed meanwhile, nor failed before room.state
                    await job(*args)
        except Exception as exc:
            # Nobody awaits this task: say what failed, where (never the arguments: message text). A gap
            # left behind is filled by the room's next message or the next reconciliation.
            log.warning(
                "a deferred %s for a socket of room %s failed: %s",
                getattr(job, "__name__", "job"),
                self.room_id,
                type(exc).__name__,
            )

    # --- client frames ------------------------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        try:
            frame = parse_frame(
                text_data,
                max_frame_bytes=settings.CHAT_MAX_FRAME_BYTES,
                max_body_chars=settings.CHAT_MAX_BODY_CHARS,
            )
            await self._handlers[type(frame)](self, frame)
        except ProtocolError as err:
            await self._send(err.frame())

    async def on_send(self, frame: SendFrame) -> None:
        wait = get_limiter(settings.CHAT_RATE_LIMIT).allow(self.user_id, time.monotonic())
        if wait:
            await self._send(
                {
                    "type": "error",
                    "code": "rate_limited",
                    "detail": "too many messages; wait before sending again",
                    "retry_after": round(wait, 2),
                    "client_id": frame.client_id,
                }
            )
            return
        item = services.SendItem(self.room_id, self.user_id, self.member, frame.client_id, frame.body)
        try:
            result = await get_writer().submit(item)
        except Exception:
            raise ProtocolError(
                "server_error",
                "the message was not stored; send it again with the same client_id",
                frame.client_id,
            ) from None
        if result.message is None:
            raise ProtocolError(result.error or "server_error", "the message was not stored", frame.client_id)
        async with self._turn():
            if result.created:
                await self._deliver(result.message)
            else:
                # A repeat of a stored message: answer with it again, wherever it sits in the room.
                await self._send({"type": "message.new", "message": result.message})

    async def on_sync(self, frame: SyncFrame) -> None:
        async with self._turn():
            await self._sync_from(frame.after)

    async def on_typing(self, frame: TypingFrame) -> None:
        await self._broadcast({"type": "chat.typing", "user": self.user_id, "active": frame.active})

    async def on_read(self, frame: ReadFrame) -> None:
        moved = await _mark_read(self.membership_id, self.room_id, frame.seq)
        if moved is not None:
            await self._broadcast({"type": "chat.read", "user": self.user_id, "seq": moved})

    async def on_report(self, frame: ReportFrame) -> None:
        await moderation_chat.report(self, frame)

    async def on_help(self, frame: HelpFrame) -> None:
        await moderation_chat.help_request(self, frame)

    async def on_call_decline(self, frame: CallDeclineFrame) -> None:
        await signaling_chat.decline(self, frame.call_id)

    _handlers: dict[type[Frame], Callable[[Any, Any], Awaitable[None]]] = {
        SendFrame: on_send,
        SyncFrame: on_sync,
        TypingFrame: on_typing,
        ReadFrame: on_read,
        ReportFrame: on_report,
        HelpFrame: on_help,
        CallDeclineFrame: on_call_decline,
    }

    # --- stored messages and events (rooms.fanout) --------------------------------------------

    async def wake(self, messages: list[dict[str, Any]]) -> None:
        """New messages of this room, in seq order. Called by the fan-out, outside this socket's task."""
        if self._free() and messages[0]["seq"] <= self.delivered + 1:
            async with self._turn():  # free, and no gap to fetch: sent at once, nothing awaited for real
                await self._deliver_all(messages)
        else:  # busy, connecting, or a gap to fill from the database: in turn, not holding up the others
            self._later(self._deliver_all, messages)

    async def _deliver_all(self, messages: list[dict[str, Any]]) -> None:
        for message in messages:
            await self._deliver(message)

    async def on_event(self, event: dict[str, Any]) -> None:
        handler = self._events.get(event["type"])
        if handler is None:  # events for the user's other kinds of socket are not ours
            return
        if self._free():
            async with self._turn():
                await handler(self, event)
        else:
            self._later(handler, self, event)

    def position(self) -> int | None:
        """For the fan-out's reconciliation: the seq sent so far, None until room.state and the rest are."""
        return self.delivered if self.ready else None

    def reconcile(self, check: services.RoomCheck) -> bool:
        """The fan-out's periodic check against the database (see rooms.fanout): a removal or a logout
        whose event was lost closes the socket now. True if it stays (it is then caught up if behind)."""
        if not self.ready:
            return False
        if not check.is_member(self.room_id, self.user_id):
            self._later(self.close, CLOSE_FORBIDDEN)
            return False
        if not check.session_alive(self.session_key):
            self._later(self.close, CLOSE_NOT_LOGGED_IN)
            return False
        return True

    # --- events ---------------------------------------------------------------------------------

    async def chat_typing(self, event: dict[str, Any]) -> None:
        if event["user"] != self.user_id:
            await self._send({"type": "typing", "user": event["user"], "active": event["active"]})

    async def chat_presence(self, event: dict[str, Any]) -> None:
        if event["user"] != self.user_id:
            await self._send({"type": "presence", "user": event["user"], "online": event["online"]})

    async def chat_read(self, event: dict[str, Any]) -> None:
        await self._send({"type": "read", "user": event["user"], "seq": event["seq"]})

    async def chat_private(self, event: dict[str, Any]) -> None:
        """A frame for this user only, in this room (e.g. crisis resources after a flagged message)."""
        if event["room"] == self.room_id:
            await self._send(event["frame"])

    async def chat_role_notice(self, event: dict[str, Any]) -> None:
        """A frame for the members of one role (e.g. the mentor's "staff were alerted" banner)."""
        if self.member["role"] == event["role"]:
            await self._send(event["frame"])

    async def room_frame(self, event: dict[str, Any]) -> None:
        """A frame for every socket of the room, as is (e.g. call.ringing from signaling)."""
        await self._send(event["frame"])

    async def session_ended(self, event: dict[str, Any]) -> None:
        if ended_here(self.scope, event):
            await self.close(code=CLOSE_NOT_LOGGED_IN)

    async def membership_revoked(self, event: dict[str, Any]) -> None:
        if event["room"] == self.room_id:
            await self.close(code=CLOSE_FORBIDDEN)

    # --- helpers ------------------------------------------------------------------------------

    async def _deliver(self, message: dict[str, Any]) -> None:
        seq = message["seq"]
        if seq <= self.delivered:
            return
        if seq > self.delivered + 1:
            await self._fill(self.delivered, seq - 1)
        await self._send({"type": "message.new", "message": message})
        self.delivered = seq

    async def _fill(self, after: int, until: int) -> None:
        recent = get_writer().recent(self.room_id, after, until)
        if recent is not None:  # stored by this process a moment ago: no query needed
            for message in recent:
                await self._send({"type": "message.new", "message": message})
            self.delivered = max(self.delivered, until)
            return
        while after < until:
            page = await _messages_after(
                self.room_id, after, min(until - after, settings.CHAT_HISTORY_PAGE), until
            )
            if not page:
                break
            for message in page:
                await self._send({"type": "message.new", "message": message})
                after = message["seq"]
            self.delivered = max(self.delivered, after)

    async def _sync_from(self, after: int) -> None:
        """Send every message after ``after`` (again, if the client asks for some it had), then sync.done."""
        page_size = settings.CHAT_HISTORY_PAGE
        while True:
            page = await _messages_after(self.room_id, after, page_size)
            for message in page:
                await self._send({"type": "message.new", "message": message})
                after = message["seq"]
                self.delivered = max(self.delivered, after)
            if len(page) < page_size:
                break
        await self._send({"type": "sync.done", "last_seq": self.delivered})

    async def _broadcast(self, event: dict[str, Any]) -> None:
        await get_fanout().send([(services.room_group(self.room_id), event)])

    async def _send(self, frame: dict[str, Any]) -> None:
        await self.send(text_data=dumps(frame))

    send_frame = _send

    _events: dict[str, Callable[[Any, dict[str, Any]], Awaitable[None]]] = {
        "chat.typing": chat_typing,
        "chat.presence": chat_presence,
        "chat.read": chat_read,
        "chat.private": chat_private,
        "chat.role_notice": chat_role_notice,
        "room.frame": room_frame,
        "session.ended": session_ended,
        "membership.revoked": membership_revoked,
    }
