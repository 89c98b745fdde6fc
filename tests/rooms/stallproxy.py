"""A TCP proxy in front of the real Redis whose client-to-server direction can be stalled, for tests that
need a command to reach Redis later than it was sent (a slow or stalled network), without mocks.

While paused, what clients send is held (``stalled`` is set when something is); ``resume()`` forwards it,
in order, to the connections still open. A client that closes its connection while paused loses what
was held for it, as on a dead link. Replies from Redis always pass.
"""

from __future__ import annotations

import asyncio
import contextlib
from urllib.parse import urlsplit


class _Link:
    def __init__(self, upstream: asyncio.StreamWriter) -> None:
        self.upstream = upstream
        self.held = bytearray()
        self.open = True


class StallProxy:
    def __init__(self, redis_url: str) -> None:
        parts = urlsplit(redis_url)
        self._host = parts.hostname or "127.0.0.1"
        self._port = parts.port or 6379
        self._path = parts.path
        self._server: asyncio.Server | None = None
        self._links: list[_Link] = []
        self._writers: list[asyncio.StreamWriter] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self.paused = False
        self.stalled = asyncio.Event()

    async def start(self) -> str:
        """Start listening; returns the Redis URL to connect through the proxy."""
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        return f"redis://127.0.0.1:{port}{self._path}"

    def pause(self) -> None:
        self.paused = True
        self.stalled.clear()

    def resume(self) -> None:
        self.paused = False
        for link in self._links:
            if link.open and link.held:
                link.upstream.write(bytes(link.held))
            link.held.clear()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for writer in self._writers:
            writer.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(self._host, self._port)
        self._writers += [writer, up_writer]
        link = _Link(up_writer)
        self._links.append(link)
        for coro in (self._client_to_redis(reader, link), self._redis_to_client(up_reader, writer)):
            task = asyncio.get_running_loop().create_task(coro)
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _client_to_redis(self, reader: asyncio.StreamReader, link: _Link) -> None:
        try:
            while data := await reader.read(65536):
                if self.paused:
                    link.held += data
                    self.stalled.set()
                else:
                    link.upstream.write(data)
                    await link.upstream.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            link.open = False
            link.held.clear()  # a client gone while paused: what it sent never arrived
            link.upstream.close()

    async def _redis_to_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()
