"""Fixtures for the end-to-end tests: real daphne processes, on SQLite alone or on PostgreSQL + Redis.

Servers are module-scoped (one start per module and backend); every test gets a fresh room so tests
do not see each other's messages. When a test fails, the part of each server's log written during
that test is attached to its report.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support import liveserver as ls
from tests.support.liveserver import Cast, ClientPool, LiveServer, Person

# Rate limit raised for tests that send bursts (the default is 20 messages / 10 s per user).
E2E_ENV = {"CHAT_RATE_LIMIT": "1000/1"}

_LOG_MARKS = pytest.StashKey[dict[int, int]]()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    item.stash[_LOG_MARKS] = {id(s): s.log_size() for s in LiveServer.instances}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    outcome = yield
    report = outcome.get_result()
    if not report.failed:
        return
    marks = item.stash.get(_LOG_MARKS, {})
    for server in LiveServer.instances:
        text = server.read_log(since=marks.get(id(server), 0))
        if text.strip():
            report.sections.append(
                (f"{server.name} log during {report.when} ({server.log_path})", ls._tail(text))
            )


# --- services -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this module, dropped at its end."""
    ls.require_service("PostgreSQL", ls.postgres_problem())
    with ls.postgres_database() as url:
        yield url


@pytest.fixture(scope="module")
def redis_url() -> str:
    """A dedicated Redis db number (E2E_REDIS_DB, default 5); ids are offset per module (see offset_ids)."""
    ls.require_service("Redis", ls.redis_problem())
    return ls.redis_url()


# --- servers ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=["sqlite", "postgres+redis"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One daphne for the module: SQLite + in-memory layer, or PostgreSQL + Redis pub/sub layer."""
    backend = request.param
    database_url = redis = None
    if backend == "postgres+redis":
        database_url = request.getfixturevalue("postgres_url")
        redis = request.getfixturevalue("redis_url")
    work = tmp_path_factory.mktemp(f"e2e-{backend.replace('+', '-')}")
    srv = LiveServer(work, name=f"daphne-{backend}", database_url=database_url, redis_url=redis, env=E2E_ENV)
    try:
        srv.start()
        if redis:
            ls.offset_ids(srv)
        yield srv
    finally:
        srv.close()
        ls.forget_presence(srv)


@pytest.fixture
def make_server(tmp_path: Path) -> Iterator[Callable[..., LiveServer]]:
    """``make_server(name, **LiveServer kwargs)``: a not-yet-started server, stopped at the end of the test."""
    made: list[LiveServer] = []

    def _make(name: str = "daphne", **kwargs: Any) -> LiveServer:
        srv = LiveServer(tmp_path / name, name=name, **kwargs)
        made.append(srv)
        return srv

    yield _make
    for srv in made:
        srv.close()
        ls.forget_presence(srv)


# --- people and rooms ---------------------------------------------------------------------------------


@dataclass
class Crew:
    """Maya (mentee) and Sam (mentor), and Charlie who is in none of their rooms; logged in once each."""

    server: LiveServer
    cast: Cast
    cookies: dict[str, str]

    def __getitem__(self, key: str) -> Person:
        return self.cast[key]


@pytest.fixture(scope="module")
def crew(server: LiveServer) -> Crew:
    cast = ls.create_cast(server, ["maya", "sam", "charlie"])
    return Crew(server, cast, {key: ls.login(server, person) for key, person in cast.people.items()})


@dataclass
class PairRoom:
    server: LiveServer
    room: int
    crew: Crew

    def cookie(self, key: str) -> str:
        return self.crew.cookies[key]

    def person(self, key: str) -> Person:
        return self.crew[key]


@pytest.fixture
def pair(crew: Crew) -> PairRoom:
    """A fresh pair room: Maya mentee, Sam mentor (the server is restarted first if a test left it stopped)."""
    server = crew.server
    if not server.running:
        server.start(migrate=False)
    members = [(crew["maya"].username, "mentee"), (crew["sam"].username, "mentor")]
    cast = ls.create_cast(server, rooms={"Maya & Sam": ("pair", members)})
    return PairRoom(server, cast.rooms["Maya & Sam"], crew)


@pytest.fixture
async def chat() -> AsyncIterator[ClientPool]:
    """Opens chat sockets (``await chat.join(server, room, cookie)``); closes them after the test."""
    pool = ClientPool()
    yield pool
    await pool.close_all()
