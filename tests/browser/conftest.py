"""Fixtures for the browser tests: one daphne (SQLite, in-memory channel layer) and one headless
Chromium for the whole session, a fresh browser context per person.

Every test module here runs on the session's event loop (``pytestmark = pytest.mark.asyncio(
loop_scope="session")``): the browser belongs to the loop that launched it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import pytest_asyncio

from tests.browser.support import CHROMIUM, CHROMIUM_ARGS, Browsing, require_browser
from tests.support import liveserver as ls
from tests.support.liveserver import LiveServer

if TYPE_CHECKING:
    from playwright.async_api import Browser

_LOG_MARKS = pytest.StashKey[int]()
LOOPBACK_SITE = Path(__file__).resolve().parents[1] / "signaling" / "loopback"
_BROWSING = pytest.StashKey[Browsing]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives a real Chromium against a real daphne")


@pytest.fixture(scope="session")
def browser_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    work: Path = tmp_path_factory.mktemp("browser")
    # The device check's server-side aiortc peer gathers 127.0.0.1 (tests/signaling/loopback), and
    # no STUN/TURN: media stays on loopback (../shared/notes/webrtc-testing.md).
    env = {
        "CHAT_RATE_LIMIT": "1000/1",
        "PYTHONPATH": str(LOOPBACK_SITE),
        "PEERCHAT_LOOPBACK_ICE": "1",
        "STUN_URLS": "",
        "TURN_URLS": "",
        "TURN_SECRET": "",
    }
    server = LiveServer(work, name="daphne-browser", env=env)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def server(browser_server: LiveServer) -> LiveServer:
    """The session's server, started again if a test left it stopped."""
    if not browser_server.running:
        browser_server.start(migrate=False)
    return browser_server


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    require_browser()
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest_asyncio.fixture(loop_scope="session")
async def browsing(
    browser: Browser, server: LiveServer, request: pytest.FixtureRequest
) -> AsyncIterator[Browsing]:
    """Opens pages as people (``await browsing.page(person, "/rooms/1/")``); closes them afterwards."""
    b = Browsing(browser, server)
    request.node.stash[_BROWSING] = b
    try:
        yield b
    finally:
        await b.close_all()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    servers = [s for s in LiveServer.instances if s.name == "daphne-browser"]
    item.stash[_LOG_MARKS] = servers[0].log_size() if servers else 0


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    outcome = yield
    report = outcome.get_result()
    if not report.failed:
        return
    browsing = item.stash.get(_BROWSING, None)
    if browsing is not None and browsing.logs:
        report.sections.append(("browser console", "\n".join(browsing.logs[-200:])))
    for server in LiveServer.instances:
        if server.name != "daphne-browser":
            continue
        text = server.read_log(since=item.stash.get(_LOG_MARKS, 0))
        if text.strip():
            report.sections.append((f"{server.name} log during {report.when}", ls._tail(text)))
