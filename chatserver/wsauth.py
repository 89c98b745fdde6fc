"""Websocket authentication in one layer: session cookie → Django user, kept lean for long-lived sockets.

It does what Channels' ``AuthMiddlewareStack`` (cookie, session and auth middleware) does for a socket,
with Django's own ``SESSION_ENGINE`` and ``django.contrib.auth.get_user`` (so the session's auth hash,
backends and logout rules are Django's), but it keeps less for the life of the connection: one scope
copy instead of three, no session object (only its key, ``scope["session_key"]``, which is all a socket
needs to know whether a logout was its own), and no per-socket wrapper around ``send``. Measured with
the chat benchmark this saves several KiB per idle socket (bench/README.md).

Sockets never write to the session: ``scope["session"]`` is not set. ``scope["user"]`` is the user or
``AnonymousUser``.
"""

from __future__ import annotations

from collections.abc import Collection
from importlib import import_module
from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth import get_user
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import connection
from django.http.cookie import parse_cookie
from django.utils import timezone

Scope = dict[str, Any]


class _SessionRequest:
    """The part of an HttpRequest that ``django.contrib.auth.get_user`` reads."""

    def __init__(self, session: Any) -> None:
        self.session = session


def _session_cookie(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"cookie":
            return parse_cookie(value.decode("latin1")).get(settings.SESSION_COOKIE_NAME)
    return None


def user_for_session(session_key: str) -> Any:
    """The user a session is signed in as, or ``AnonymousUser``: Django's ``get_user`` on the configured
    ``SESSION_ENGINE`` (works for every engine, ``signed_cookies`` included). Uses the database."""
    engine = import_module(settings.SESSION_ENGINE)
    return get_user(_SessionRequest(engine.SessionStore(session_key)))  # type: ignore[arg-type]


_user_for = database_sync_to_async(user_for_session)


def live_sessions(session_keys: Collection[str]) -> set[str] | None:
    """Which of these session keys still hold a live session, one query per 998 keys on SQLite, for the
    engines that keep sessions in the database (``db``, ``cached_db``: a logout deletes the row). None
    for the others (``cache``, ``file``: no bulk lookup; ``signed_cookies``: nothing server-side to
    revoke): there only the ``session.ended`` event and the next connect close a logged-out socket."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    if not issubclass(store, DatabaseSessionStore):
        return None
    model = store.get_model_class()
    keys = sorted(set(session_keys))
    size = max(1, (connection.features.max_query_params or 5000) - 1)
    now = timezone.now()
    alive: set[str] = set()
    for start in range(0, len(keys), size):
        alive.update(
            model.objects.filter(session_key__in=keys[start : start + size], expire_date__gt=now).values_list(
                "session_key", flat=True
            )
        )
    return alive


class SessionAuthMiddleware:
    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> Any:
        key = _session_cookie(scope)
        user = await _user_for(key) if key else AnonymousUser()
        return await self.inner(
            dict(scope, user=user, session_key=key if user.is_authenticated else None), receive, send
        )
