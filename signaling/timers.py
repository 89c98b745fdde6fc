"""Process-local timers that settle a call when something is due (its ring timeout, a dropped peer's
resume window). They only make things prompt: if the process dies, the lazy settling on the next
access (and the heartbeats of anyone still in the call, and ``manage.py sweep_calls``) catch up.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

_tasks: dict[str, asyncio.Task[None]] = {}


def schedule(key: str, delay: float, action: Callable[[], Awaitable[None]]) -> None:
    """Run ``action`` after ``delay`` seconds on the running loop; a timer with the same key is replaced."""
    cancel(key)
    task = asyncio.get_running_loop().create_task(_run(key, max(0.0, delay), action), name=f"signaling:{key}")
    _tasks[key] = task


async def _run(key: str, delay: float, action: Callable[[], Awaitable[None]]) -> None:
    try:
        await asyncio.sleep(delay)
        await action()
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("signaling timer %s failed", key)
    finally:
        if _tasks.get(key) is asyncio.current_task():
            del _tasks[key]


def cancel(key: str) -> None:
    task = _tasks.pop(key, None)
    if task is not None and not task.done():
        task.cancel()


def pending() -> list[str]:
    return [key for key, task in _tasks.items() if not task.done()]


async def cancel_all() -> None:
    """Cancel every timer of the running loop and wait for them (test teardown)."""
    loop = asyncio.get_running_loop()
    mine = [(k, t) for k, t in _tasks.items() if t.get_loop() is loop]
    for key, task in mine:
        _tasks.pop(key, None)
        task.cancel()
    await asyncio.gather(*(t for _, t in mine), return_exceptions=True)
