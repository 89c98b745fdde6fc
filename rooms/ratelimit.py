"""A sliding-window rate limiter, pure and in-process.

``allow(key, now)`` returns 0.0 when the action may go ahead (and counts it), or the seconds to wait.
It is kept per process: a person with sockets on two server processes gets the limit on each, which
still stops a flood (a runaway client, a stuck key) from one socket.
"""

from __future__ import annotations

from collections import deque


class SlidingWindowLimiter:
    def __init__(self, count: int, seconds: float) -> None:
        self.count = count
        self.seconds = seconds
        self._hits: dict[object, deque[float]] = {}

    def allow(self, key: object, now: float) -> float:
        hits = self._hits.get(key)
        if hits is None:
            hits = self._hits[key] = deque()
        cutoff = now - self.seconds
        while hits and hits[0] <= cutoff:
            hits.popleft()
        if len(hits) >= self.count:
            return max(0.001, hits[0] + self.seconds - now)
        hits.append(now)
        if len(self._hits) > 10000:
            self._sweep(cutoff)
        return 0.0

    def _sweep(self, cutoff: float) -> None:
        for key in [k for k, h in self._hits.items() if not h or h[-1] <= cutoff]:
            del self._hits[key]


_limiters: dict[tuple[object, tuple[int, float]], SlidingWindowLimiter] = {}


def get_limiter(rate: tuple[int, float]) -> SlidingWindowLimiter:
    """The process's limiter for ``rate`` (one per event loop, so each server loop starts clean)."""
    import asyncio

    key = (asyncio.get_running_loop(), rate)
    limiter = _limiters.get(key)
    if limiter is None:
        for old in [k for k in _limiters if getattr(k[0], "is_closed", lambda: False)()]:
            del _limiters[old]
        limiter = _limiters[key] = SlidingWindowLimiter(*rate)
    return limiter
