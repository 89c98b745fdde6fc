"""Read settings from the environment, failing loudly on a bad value.

Each helper raises ``ImproperlyConfigured`` naming the variable and the value it could not use,
so a typo in a deployment stops the process at start instead of running with a surprise default.
"""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean: use one of 1/0, true/false, yes/no, on/off")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value} must be at least {minimum}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    items = [item.strip() for item in raw.split(",")]
    if any(not item for item in items):
        raise ImproperlyConfigured(f"{name}={raw!r} has an empty item: separate values with single commas")
    return items


def env_rate(name: str, default: str) -> tuple[int, float]:
    """A rate written ``COUNT/SECONDS``, e.g. ``20/10`` for twenty per ten seconds."""
    raw = os.environ.get(name, default)
    count_s, sep, seconds_s = raw.partition("/")
    try:
        count, seconds = int(count_s), float(seconds_s)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a rate like 20/10 (count/seconds)") from None
    if not sep or count < 1 or seconds <= 0:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a rate like 20/10 (count/seconds)")
    return count, seconds
