"""The signaling app's settings: from the environment (read once, failing loudly on a bad value), and
overridable by a Django setting of the same name (``settings.CALL_RING_TIMEOUT = 1`` in a test).

| name                     | default | meaning                                                        |
|--------------------------|---------|----------------------------------------------------------------|
| CALL_RING_TIMEOUT        | 45      | seconds a call rings before it is ``missed``                   |
| CALL_RESUME_WINDOW       | 30      | seconds a dropped peer may come back with its ``peer_token``   |
| CALL_HEARTBEAT           | 10      | seconds between a connected peer's liveness marks              |
| CALL_MAX_PEERS           | 4       | people in one (mesh) call                                      |
| CALL_MAX_FRAME_BYTES     | 49152   | largest signaling frame                                        |
| CALL_MAX_SDP_BYTES       | 32768   | largest ``sdp`` string inside a signal's ``data``              |
| STUN_URLS / TURN_URLS    | (none)  | comma lists, ``stun:host:3478`` / ``turn:host:3478?transport=udp`` |
| TURN_SECRET              | (none)  | coturn's ``static-auth-secret`` (required with TURN_URLS)      |
| TURN_TTL                 | 14400   | seconds a TURN credential stays valid                          |
| DEVICE_CHECK_MAX         | 4       | device checks running at once in one server process            |
| DEVICE_CHECK_SECONDS     | 60      | how long one device check may last                             |
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from chatserver.env import env_int, env_list, env_str


def _urls(name: str, schemes: tuple[str, ...]) -> list[str]:
    if not env_str(name).strip():
        return []
    urls = env_list(name, [])
    for url in urls:
        if not url.startswith(schemes) or any(c.isspace() for c in url):
            raise ImproperlyConfigured(f"{name}: {url!r} must start with one of {', '.join(schemes)}")
    return urls


_ENV: dict[str, Any] = {
    "CALL_RING_TIMEOUT": env_int("CALL_RING_TIMEOUT", 45, minimum=1),
    "CALL_RESUME_WINDOW": env_int("CALL_RESUME_WINDOW", 30, minimum=1),
    "CALL_HEARTBEAT": env_int("CALL_HEARTBEAT", 10, minimum=1),
    "CALL_MAX_PEERS": env_int("CALL_MAX_PEERS", 4, minimum=2),
    "CALL_MAX_FRAME_BYTES": env_int("CALL_MAX_FRAME_BYTES", 49152, minimum=4096),
    "CALL_MAX_SDP_BYTES": env_int("CALL_MAX_SDP_BYTES", 32768, minimum=1024),
    "STUN_URLS": _urls("STUN_URLS", ("stun:", "stuns:")),
    "TURN_URLS": _urls("TURN_URLS", ("turn:", "turns:")),
    "TURN_SECRET": env_str("TURN_SECRET", ""),
    "TURN_TTL": env_int("TURN_TTL", 4 * 3600, minimum=60),
    "DEVICE_CHECK_MAX": env_int("DEVICE_CHECK_MAX", 4, minimum=0),
    "DEVICE_CHECK_SECONDS": env_int("DEVICE_CHECK_SECONDS", 60, minimum=5),
}
if _ENV["TURN_URLS"] and not _ENV["TURN_SECRET"]:
    raise ImproperlyConfigured("TURN_URLS is set but TURN_SECRET is not: set coturn's static-auth-secret")


def get(name: str) -> Any:
    return getattr(settings, name, _ENV[name])


def ring_timeout() -> float:
    return float(get("CALL_RING_TIMEOUT"))


def resume_window() -> float:
    return float(get("CALL_RESUME_WINDOW"))


def heartbeat() -> float:
    """Seconds between liveness marks: at most a third of the resume window, so a live peer never
    looks gone (a peer whose marks stop for a whole window is taken as dropped at its last mark)."""
    return min(float(get("CALL_HEARTBEAT")), resume_window() / 3)


def max_peers() -> int:
    return int(get("CALL_MAX_PEERS"))


def max_frame_bytes() -> int:
    return int(get("CALL_MAX_FRAME_BYTES"))


def max_sdp_bytes() -> int:
    return int(get("CALL_MAX_SDP_BYTES"))
