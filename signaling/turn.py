"""ICE server lists and TURN credentials the coturn ``use-auth-secret`` way (pure; no Django).

coturn with ``use-auth-secret`` and ``static-auth-secret=<secret>`` accepts any username of the form
``<expiry unix time>:<anything>`` whose password is ``base64(HMAC-SHA1(secret, username))`` until that
expiry (the "TURN REST API" draft, draft-uberti-behave-turn-rest). We put the user id after the colon,
so coturn's logs say whose relay it was without the server ever storing a password.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence
from typing import Any, NamedTuple


class TurnCredential(NamedTuple):
    username: str
    credential: str
    expires_at: int  # unix time


def turn_credential(secret: str, user_id: int | str, ttl: int, now: float) -> TurnCredential:
    """A credential valid for ``ttl`` seconds from ``now`` (unix time)."""
    if not secret:
        raise ValueError("a TURN shared secret is required")
    if ttl <= 0:
        raise ValueError("ttl must be positive")
    expires_at = int(now) + int(ttl)
    username = f"{expires_at}:{user_id}"
    return TurnCredential(username, sign(secret, username), expires_at)


def sign(secret: str, username: str) -> str:
    digest = hmac.new(secret.encode("utf-8"), username.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def verify(secret: str, username: str, credential: str, now: float) -> bool:
    """What coturn checks: the signature matches and the expiry in the username is still ahead."""
    expiry, sep, _ = username.partition(":")
    if not sep or not expiry.isdigit() or int(expiry) <= now:
        return False
    return hmac.compare_digest(sign(secret, username), credential)


def ice_servers(
    *,
    stun_urls: Sequence[str],
    turn_urls: Sequence[str],
    turn_secret: str,
    user_id: int | str,
    ttl: int,
    now: float,
) -> list[dict[str, Any]]:
    """The ``iceServers`` list for ``RTCPeerConnection``: ``[]`` when neither STUN nor TURN is set."""
    servers: list[dict[str, Any]] = []
    if stun_urls:
        servers.append({"urls": list(stun_urls)})
    if turn_urls and turn_secret:
        cred = turn_credential(turn_secret, user_id, ttl, now)
        servers.append({"urls": list(turn_urls), "username": cred.username, "credential": cred.credential})
    return servers
