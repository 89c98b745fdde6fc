"""A real server for end-to-end tests: a daphne child process, plus clients that talk to it over the wire.

Pytest has already configured Django in-process (``chatserver.test_settings``) for the in-process
tests, so nothing here imports Django: the server, its migrations and any set-up of its database run
in subprocesses with the server's own environment (``LiveServer.env()``).

- ``LiveServer``: migrate, start daphne on a free port, wait until it answers HTTP, stop, restart on
  the same port and database; its stdout/stderr go to ``log_path`` (shown when a test fails).
- ``create_cast`` / ``run_python``: create users and rooms in that server's database.
- ``login`` / ``logout`` / ``api_get``: the real login form, CSRF and all, with ``http.client``.
- ``ChatClient``: an async chat socket on the ``websockets`` library.
- ``postgres_database`` / ``redis_problem`` / ``require_service``: the shared services.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import http.client
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlencode, urlsplit

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

REPO_ROOT = Path(__file__).resolve().parents[2]
_BIN = Path(sys.executable).parent
BIN = _BIN if (_BIN / "daphne").exists() else REPO_ROOT / ".venv" / "bin"
PYTHON = str(BIN / "python") if (BIN / "python").exists() else sys.executable

HOST = "127.0.0.1"
# Servers sharing a database must share the key: the session's auth hash is an HMAC with it.
SECRET_KEY = "e2e-only-secret-key-never-used-in-production"
POSTGRES_ADMIN_URL = os.environ.get("E2E_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_SERVER_URL = os.environ.get("E2E_REDIS_URL", "redis://127.0.0.1:6379")
REDIS_DB = int(os.environ.get("E2E_REDIS_DB", "5"))

# Configuration the server reads from its environment: never inherited from the test runner's shell.
_SERVER_ENV = frozenset(
    {
        "DJANGO_SETTINGS_MODULE",
        "SECRET_KEY",
        "DEBUG",
        "SECURE_COOKIES",
        "ALLOWED_HOSTS",
        "CSRF_TRUSTED_ORIGINS",
        "VAR_DIR",
        "DATABASE_URL",
        "REDIS_URL",
        "REDIS_MAX_CONNECTIONS",
        "LOG_LEVEL",
    }
)
_RESULT_MARK = "E2E-RESULT "


class ServerError(RuntimeError):
    """The server (or one of its management commands) did not do what was asked; the message has its log."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _tail(text: str, limit: int = 30000) -> str:
    return text if len(text) <= limit else f"[... {len(text) - limit} characters cut ...]\n" + text[-limit:]


class LiveServer:
    """One daphne process serving ``chatserver.asgi:application`` on 127.0.0.1.

    ``stop()`` then ``start()`` (or ``restart()``) keeps the port, the database and the var dir.
    Several servers may share one ``database_url`` (and ``redis_url``) to act as one deployment.
    """

    instances: ClassVar[list[LiveServer]] = []

    def __init__(
        self,
        work_dir: Path,
        *,
        name: str = "server",
        database_url: str | None = None,
        redis_url: str | None = None,
        port: int | None = None,
        env: Mapping[str, str] | None = None,
        startup_timeout: float = 60.0,
    ) -> None:
        self.name = name
        self.work_dir = Path(work_dir)
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self.var_dir = self.work_dir / f"{name}-var"
        self.database_url = database_url or f"sqlite:///{self.work_dir / 'db.sqlite3'}"
        self.redis_url = redis_url
        self.port = port or free_port()
        self.extra_env = dict(env or {})
        self.startup_timeout = startup_timeout
        self.log_path = self.work_dir / f"{name}.log"
        self.log_path.touch()
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self.rooms_created: set[int] = set()  # by create_cast, for cleaning up after the server
        LiveServer.instances.append(self)

    # --- addresses --------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def origin(self) -> str:
        """The Origin a browser on this server's pages would send (passes the socket's origin check)."""
        return self.url

    def ws_url(self, path: str) -> str:
        return f"ws://{HOST}:{self.port}{path}"

    # --- environment and management commands ------------------------------------------------------

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in _SERVER_ENV and not k.startswith("CHAT_")}
        env.update(
            DJANGO_SETTINGS_MODULE="chatserver.settings",
            SECRET_KEY=SECRET_KEY,
            DEBUG="0",
            SECURE_COOKIES="0",
            ALLOWED_HOSTS=f"{HOST},localhost",
            VAR_DIR=str(self.var_dir),
            DATABASE_URL=self.database_url,
            PYTHONUNBUFFERED="1",
        )
        if self.redis_url:
            env["REDIS_URL"] = self.redis_url
        env.update(self.extra_env)
        return env

    def manage(self, *args: str, timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
        """Run ``manage.py <args>`` against this server's database; ServerError (with output) on failure."""
        cmd = [PYTHON, "manage.py", *args]
        try:
            proc = subprocess.run(
                cmd,
                cwd=REPO_ROOT,
                env=self.env(),
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise ServerError(f"{self.name}: manage.py {args[0]} timed out after {timeout}s") from exc
        if proc.returncode != 0:
            raise ServerError(
                f"{self.name}: manage.py {args[0]} exited with {proc.returncode}\n"
                f"--- stdout ---\n{_tail(proc.stdout)}\n--- stderr ---\n{_tail(proc.stderr)}"
            )
        return proc

    def migrate(self) -> None:
        self.manage("migrate", "--noinput", "-v0")

    def run_python(self, code: str) -> Any:
        """Run ``code`` in ``manage.py shell`` on this server's settings; returns what it passed to ``result()``."""
        preamble = (
            f"import json as _json\ndef result(value):\n    print({_RESULT_MARK!r} + _json.dumps(value))\n"
        )
        proc = self.manage("shell", "-c", preamble + code)
        for line in reversed(proc.stdout.splitlines()):
            if line.startswith(_RESULT_MARK):
                return json.loads(line[len(_RESULT_MARK) :])
        return None

    # --- process ----------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, *, migrate: bool = True) -> None:
        if self.running:
            raise ServerError(f"{self.name} is already running")
        if migrate:
            self.migrate()
        self.starts += 1
        with open(self.log_path, "ab") as log:
            log.write(f"\n===== {self.name}: start #{self.starts} on {self.url} =====\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                [str(BIN / "daphne"), "-b", HOST, "-p", str(self.port), "chatserver.asgi:application"],
                cwd=REPO_ROOT,
                env=self.env(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            self._wait_until_ready()
        except Exception as exc:
            self._terminate(kill_after=5)
            raise ServerError(
                f"{self.name} did not start: {exc}\n--- log {self.log_path} ---\n{_tail(self.read_log())}"
            ) from exc

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        last_error: object = None
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise ServerError(f"daphne exited with code {self.process.returncode}")
            try:
                status = http_request(self, "GET", "/accounts/login/", timeout=2).status
            except OSError as exc:
                last_error = exc
            else:
                if status == 200:
                    return
                last_error = f"HTTP {status}"
            time.sleep(0.05)
        raise ServerError(f"not answering HTTP after {self.startup_timeout}s (last: {last_error})")

    def stop(self, timeout: float = 15.0) -> None:
        """Graceful stop (SIGTERM), SIGKILL if it does not exit in ``timeout`` seconds."""
        self._terminate(kill_after=timeout)

    def kill(self) -> None:
        """Crash: SIGKILL, no chance to close sockets."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)
            self._log_line(f"killed (SIGKILL), exit code {self.process.returncode}")

    def restart(self) -> None:
        self.stop()
        self.start(migrate=False)

    def _terminate(self, kill_after: float) -> None:
        proc = self.process
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=kill_after)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)
        self._log_line(f"stopped, exit code {proc.returncode}")

    def _log_line(self, text: str) -> None:
        with open(self.log_path, "ab") as log:
            log.write(f"===== {self.name}: {text} =====\n".encode())

    # --- log --------------------------------------------------------------------------------------

    def log_size(self) -> int:
        try:
            return self.log_path.stat().st_size
        except FileNotFoundError:
            return 0

    def read_log(self, since: int = 0) -> str:
        try:
            with open(self.log_path, "rb") as log:
                log.seek(since)
                return log.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def close(self) -> None:
        self.stop()

    def __enter__(self) -> LiveServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<LiveServer {self.name} {self.url} {'running' if self.running else 'stopped'}>"


@atexit.register
def _stop_leftovers() -> None:
    for server in LiveServer.instances:
        with contextlib.suppress(Exception):
            server.kill()


# --- the cast: users and rooms in the server's database -----------------------------------------------


@dataclass(frozen=True)
class Person:
    key: str  # the name the test uses ("maya")
    username: str  # unique in the database ("maya_3f2a")
    password: str
    id: int


@dataclass
class Cast:
    people: dict[str, Person]
    rooms: dict[str, int]

    def __getitem__(self, key: str) -> Person:
        return self.people[key]


_CAST_CODE = """
from django.contrib.auth import get_user_model
from django.db import transaction
from rooms.models import Membership, Room

User = get_user_model()
out = {"people": {}, "rooms": {}}
with transaction.atomic():
    for key, (username, password) in spec["people"].items():
        user = User.objects.create_user(username, password=password, first_name=key.title())
        out["people"][key] = user.pk
    for name, (kind, members) in spec["rooms"].items():
        room = Room.objects.create(name=name, kind=kind)
        for key, role in members:
            user_id = out["people"][key] if key in out["people"] else User.objects.get(username=key).pk
            Membership.objects.create(room=room, user_id=user_id, role=role)
        out["rooms"][name] = room.pk
result(out)
"""


def create_cast(
    server: LiveServer,
    people: Sequence[str] = (),
    rooms: Mapping[str, tuple[str, Sequence[tuple[str, str]]]] | None = None,
) -> Cast:
    """Create users (unique usernames ``<key>_<random>``) and rooms ``{name: (kind, [(key, role), ...])}``.

    A member key that is not in ``people`` is taken as an existing username.
    """
    tag = secrets.token_hex(3)
    spec_people = {key: (f"{key}_{tag}", f"pw-{key}-{tag}") for key in people}
    spec = {
        "people": spec_people,
        "rooms": {name: [kind, list(members)] for name, (kind, members) in (rooms or {}).items()},
    }
    out = server.run_python(f"spec = _json.loads({json.dumps(spec)!r})\n" + _CAST_CODE)
    cast_people = {
        key: Person(key, username, password, out["people"][key])
        for key, (username, password) in spec_people.items()
    }
    cast = Cast(cast_people, {name: int(pk) for name, pk in out["rooms"].items()})
    server.rooms_created.update(cast.rooms.values())
    return cast


def offset_ids(server: LiveServer, base: int | None = None) -> int:
    """Start user and room ids at a random ``base`` in a fresh database.

    The Redis pub/sub channel layer's group names (``room.<id>``, ``user.<id>``) are global to the Redis
    server, whatever its db number: two test runs sharing one Redis would hear each other's rooms
    unless their ids differ.
    """
    base = base if base is not None else secrets.randbelow(1_000_000_000) + 1_000_000
    server.run_python(
        f"""
from django.contrib.auth import get_user_model
from django.db import connection
from rooms.models import Room
with connection.cursor() as c:
    for model in (get_user_model(), Room):
        table = model._meta.db_table
        if connection.vendor == "postgresql":
            c.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, {base}])
        elif connection.vendor == "sqlite":
            c.execute("DELETE FROM sqlite_sequence WHERE name = %s", [table])
            c.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, {base}])
"""
    )
    return base


# --- HTTP ---------------------------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def set_cookies(self) -> dict[str, str | None]:
        """Cookies this response sets; None for a cookie it deletes."""
        out: dict[str, str | None] = {}
        for name, value in self.headers:
            if name.lower() != "set-cookie":
                continue
            jar: SimpleCookie = SimpleCookie()
            jar.load(value)
            for key, morsel in jar.items():
                deleted = morsel.value == "" or morsel["max-age"] in ("0", 0)
                out[key] = None if deleted else morsel.value
        return out


def http_request(
    server: LiveServer,
    method: str,
    path: str,
    *,
    body: bytes | str | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 15.0,
) -> Response:
    conn = http.client.HTTPConnection(HOST, server.port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=dict(headers or {}))
        resp = conn.getresponse()
        return Response(resp.status, resp.getheaders(), resp.read())
    finally:
        conn.close()


def parse_cookie_header(header: str) -> dict[str, str]:
    out = {}
    for part in header.split(";"):
        name, sep, value = part.strip().partition("=")
        if sep:
            out[name] = value
    return out


def cookie_header(cookies: Mapping[str, str | None]) -> str:
    return "; ".join(f"{k}={v}" for k, v in sorted(cookies.items()) if v is not None)


def _merge(cookies: dict[str, str | None], resp: Response) -> dict[str, str | None]:
    cookies.update(resp.set_cookies())
    return {k: v for k, v in cookies.items() if v is not None}


_CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken"\s+value="([^"]+)"')


class LoginFailed(AssertionError):
    pass


def login(server: LiveServer, who: str | Person, password: str | None = None) -> str:
    """Log in through the real form at /accounts/login/ (``who``: a Person, or a username and ``password``);
    returns the ``Cookie`` header of the new session."""
    if isinstance(who, Person):
        username, password = who.username, who.password
    else:
        username = who
    assert password is not None, "a password is needed with a username"
    form_page = http_request(server, "GET", "/accounts/login/")
    if form_page.status != 200:
        raise LoginFailed(f"GET /accounts/login/ answered {form_page.status}")
    cookies: dict[str, str | None] = _merge({}, form_page)
    match = _CSRF_FIELD.search(form_page.text)
    if match is None or "csrftoken" not in cookies:
        raise LoginFailed("the login page has no CSRF token (field or cookie)")
    resp = http_request(
        server,
        "POST",
        "/accounts/login/",
        body=urlencode({"username": username, "password": password, "csrfmiddlewaretoken": match.group(1)}),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookie_header(cookies),
            "Referer": f"{server.url}/accounts/login/",
        },
    )
    cookies = _merge(cookies, resp)
    if resp.status != 302 or "sessionid" not in cookies:
        raise LoginFailed(f"login as {username!r} failed: HTTP {resp.status}, cookies {sorted(cookies)}")
    return cookie_header(cookies)


def logout(server: LiveServer, cookie: str) -> Response:
    """POST /accounts/logout/ with this session (CSRF token from its ``csrftoken`` cookie)."""
    token = parse_cookie_header(cookie).get("csrftoken")
    if not token:
        raise AssertionError("this session has no csrftoken cookie")
    return http_request(
        server,
        "POST",
        "/accounts/logout/",
        body=urlencode({"csrfmiddlewaretoken": token}),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookie,
            "Referer": f"{server.url}/",
        },
    )


def api_get(server: LiveServer, cookie: str | None, path: str) -> tuple[int, Any]:
    headers = {"Accept": "application/json"}
    if cookie:
        headers["Cookie"] = cookie
    resp = http_request(server, "GET", path, headers=headers)
    try:
        data = resp.json()
    except ValueError:
        data = resp.text
    return resp.status, data


def room_messages(
    server: LiveServer, cookie: str, room_id: int, *, after: int = 0
) -> tuple[list[dict[str, Any]], int]:
    """Every message of the room after ``after`` through the HTTP API (all pages); and its last_seq."""
    messages: list[dict[str, Any]] = []
    last_seq = 0
    while True:
        status, data = api_get(server, cookie, f"/api/rooms/{room_id}/messages?after={after}&limit=1000")
        if status != 200:
            raise AssertionError(f"GET messages of room {room_id}: HTTP {status} {data!r}")
        last_seq = data["last_seq"]
        messages.extend(data["messages"])
        if not data["messages"]:
            return messages, last_seq
        after = data["messages"][-1]["seq"]


# --- the chat socket ----------------------------------------------------------------------------------

NOISE = frozenset({"presence", "typing", "read"})


class ChatClient:
    """One chat socket. Every frame received is kept in ``frames`` (for failure messages)."""

    def __init__(self, ws: ClientConnection, name: str) -> None:
        self.ws = ws
        self.name = name
        self.frames: list[dict[str, Any]] = []
        self.state: dict[str, Any] | None = None

    @classmethod
    async def connect(
        cls,
        server: LiveServer,
        room_id: int,
        cookie: str | None = None,
        *,
        after: int | str | None = None,
        origin: str | None = None,
        name: str = "",
        timeout: float = 15.0,
    ) -> ChatClient:
        """Open the socket (the handshake only; nothing read). InvalidStatus if the handshake is refused.

        ``origin``: the Origin header; default the server's own, ``""`` for none. ``after`` goes in the
        query string as given (an int, or a string to try malformed values).
        """
        path = f"/ws/rooms/{room_id}/" + (f"?after={after}" if after is not None else "")
        origin = server.origin if origin is None else origin
        headers = [("Origin", origin)] if origin else []
        if cookie:
            headers.append(("Cookie", cookie))
        ws = await connect(
            server.ws_url(path), additional_headers=headers, open_timeout=timeout, proxy=None, max_queue=4096
        )
        return cls(ws, name or f"{server.name}:{room_id}")

    @classmethod
    async def join(
        cls, server: LiveServer, room_id: int, cookie: str, *, after: int | None = None, name: str = ""
    ) -> ChatClient:
        """Open the socket and read its ``room.state`` (kept in ``state``)."""
        client = await cls.connect(server, room_id, cookie, after=after, name=name)
        try:
            client.state = await client.recv_type("room.state")
        except BaseException:
            await client.close()
            raise
        return client

    async def send(self, frame: Mapping[str, Any]) -> None:
        await self.ws.send(json.dumps(frame))

    async def send_message(self, body: str, client_id: str | None = None) -> str:
        client_id = client_id or str(uuid.uuid4())
        await self.send({"type": "message.send", "client_id": client_id, "body": body})
        return client_id

    async def recv(self, timeout: float = 15.0) -> dict[str, Any]:
        try:
            raw = await asyncio.wait_for(self.ws.recv(), timeout)
        except TimeoutError:
            raise TimeoutError(
                f"{self.name}: no frame within {timeout}s; last frames: {self.frames[-5:]}"
            ) from None
        frame = json.loads(raw)
        self.frames.append(frame)
        return frame

    async def recv_type(
        self, *types: str, timeout: float = 15.0, skip: frozenset[str] = NOISE
    ) -> dict[str, Any]:
        """The next frame of one of ``types``, skipping the ``skip`` types; any other frame is an error."""
        deadline = time.monotonic() + timeout
        while True:
            frame = await self.recv(max(0.001, deadline - time.monotonic()))
            if frame["type"] in types:
                return frame
            if frame["type"] not in skip:
                raise AssertionError(f"{self.name}: expected {types}, got {frame}")

    async def recv_message(self, timeout: float = 15.0) -> dict[str, Any]:
        return (await self.recv_type("message.new", timeout=timeout))["message"]

    async def collect_messages(self, n: int, timeout: float = 30.0) -> list[dict[str, Any]]:
        """The next ``n`` messages (payloads of ``message.new``), in arrival order; ``timeout`` for all of them."""
        deadline = time.monotonic() + timeout
        out: list[dict[str, Any]] = []
        while len(out) < n:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"{self.name}: got {len(out)} of {n} messages within {timeout}s")
            out.append(await self.recv_message(remaining))
        return out

    async def frames_until(self, frame_type: str, timeout: float = 30.0) -> list[dict[str, Any]]:
        """Every non-noise frame up to and including the next ``frame_type`` frame."""
        deadline = time.monotonic() + timeout
        out: list[dict[str, Any]] = []
        while True:
            frame = await self.recv(max(0.001, deadline - time.monotonic()))
            if frame["type"] in NOISE:
                continue
            out.append(frame)
            if frame["type"] == frame_type:
                return out

    async def wait_closed(self, timeout: float = 15.0) -> int | None:
        """Read (and keep) frames until the server closes the socket; its close code."""
        deadline = time.monotonic() + timeout
        with contextlib.suppress(ConnectionClosed):
            while True:
                await self.recv(max(0.001, deadline - time.monotonic()))
        return self.ws.close_code

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.ws.close(), 10)

    async def __aenter__(self) -> ChatClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


class ClientPool:
    """Opens chat sockets and closes whatever is still open at the end (a test fixture's helper)."""

    def __init__(self) -> None:
        self.clients: list[ChatClient] = []

    async def connect(
        self, server: LiveServer, room_id: int, cookie: str | None = None, **kw: Any
    ) -> ChatClient:
        client = await ChatClient.connect(server, room_id, cookie, **kw)
        self.clients.append(client)
        return client

    async def join(self, server: LiveServer, room_id: int, cookie: str, **kw: Any) -> ChatClient:
        client = await ChatClient.join(server, room_id, cookie, **kw)
        self.clients.append(client)
        return client

    async def close_all(self) -> None:
        await asyncio.gather(*(c.close() for c in self.clients))
        self.clients.clear()


# --- shared services ----------------------------------------------------------------------------------


def require_service(what: str, problem: str | None) -> None:
    """Skip the test when a service is missing; under ``CI=true`` fail instead."""
    if problem is None:
        return
    message = f"{what} is not available ({problem})"
    if os.environ.get("CI", "").strip().lower() in ("true", "1", "yes"):
        pytest.fail(f"{message}; CI must run the end-to-end tests against it", pytrace=False)
    pytest.skip(message)


def postgres_problem(admin_url: str = POSTGRES_ADMIN_URL) -> str | None:
    try:
        import psycopg

        with psycopg.connect(admin_url, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:
        return f"{admin_url}: {exc}".strip()
    return None


def redis_problem(url: str = REDIS_SERVER_URL) -> str | None:
    try:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
        try:
            client.ping()
        finally:
            client.close()
    except Exception as exc:
        return f"{url}: {exc}".strip()
    return None


def redis_url(db: int = REDIS_DB) -> str:
    return f"{REDIS_SERVER_URL.rstrip('/')}/{db}"


@contextlib.contextmanager
def postgres_database(admin_url: str = POSTGRES_ADMIN_URL) -> Iterator[str]:
    """A fresh PostgreSQL database ``peerchat_e2e_<random>``; its URL. Dropped afterwards."""
    import psycopg
    from psycopg import sql

    name = f"peerchat_e2e_{secrets.token_hex(5)}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urlsplit(admin_url)._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [name],
            )
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def forget_presence(server: LiveServer) -> None:
    """Delete the Redis presence counters of the rooms ``create_cast`` made on this server (key names as in
    rooms/presence.py): a server stopped with sockets open may leave them behind."""
    if not server.redis_url or not server.rooms_created:
        return
    import redis

    client = redis.Redis.from_url(server.redis_url, socket_connect_timeout=3)
    try:
        client.delete(*(f"peerchat:presence:{room_id}" for room_id in server.rooms_created))
    finally:
        client.close()


@dataclass
class Seen:
    """What one client saw of a room, by seq: for exactly-once checks."""

    by_seq: dict[int, dict[str, Any]] = field(default_factory=dict)
    duplicates: list[int] = field(default_factory=list)

    def add(self, message: dict[str, Any]) -> None:
        seq = message["seq"]
        if seq in self.by_seq:
            self.duplicates.append(seq)
        else:
            self.by_seq[seq] = message

    @property
    def seqs(self) -> list[int]:
        return sorted(self.by_seq)

    @property
    def contiguous_to(self) -> int:
        """The highest ``n`` such that 1..n were all seen."""
        n = 0
        while n + 1 in self.by_seq:
            n += 1
        return n
