"""Helpers for the browser tests: the people and rooms of a test, pages opened as someone, waits on
the flags the pages set (``<body data-...>``), axe-core, screenshots.

Playwright is imported lazily (in the fixtures), so a machine without it skips these tests instead
of failing to collect them; under ``CI=true`` a missing browser fails the run.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.support import liveserver as ls
from tests.support.liveserver import LiveServer, Person

if TYPE_CHECKING:
    from playwright.async_api import Browser, BrowserContext, Page, ViewportSize

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# From ../shared/notes/webrtc-testing.md (the media flags are for the call tests, later).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
    "--disable-background-networking",
    "--disable-component-update",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--allow-loopback-in-peer-connection",
    # The moderation page's alert beep plays without a click first (a real moderator's first click
    # or key press unlocks sound; a test has none).
    "--autoplay-policy=no-user-gesture-required",
]
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}
SCREENSHOTS = ls.REPO_ROOT / "var" / "artifacts" / "screenshots"
# Waits for things that happen at once in a working page; generous for a loaded 2-core machine.
WAIT_MS = 10_000


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def browser_problem() -> str | None:
    try:
        import playwright.async_api  # noqa: F401
    except ImportError as exc:
        return f"playwright is not installed ({exc}); pip install playwright"
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"{CHROMIUM} is missing; apt-get install -y chromium"
    return None


def require_browser() -> None:
    problem = browser_problem()
    if problem is None:
        return
    if in_ci():
        pytest.fail(f"browser tests cannot run: {problem}", pytrace=False)
    pytest.skip(problem)


# --- people and rooms -------------------------------------------------------------------------------

_WORLD_CODE = """
import datetime
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import transaction
from django.utils import timezone
from rooms.models import Membership, Message, Room
from rooms.rendering import render_html

User = get_user_model()
out = {"people": {}, "rooms": {}}
with transaction.atomic():
    for key, (username, password, first, moderator) in spec["people"].items():
        user = User.objects.create_user(username, password=password, first_name=first)
        if moderator:
            user.is_staff = True
            user.save()
            user.user_permissions.add(Permission.objects.get(codename="moderate_conversations"))
        out["people"][key] = user.pk
    now = timezone.now()
    for name, (kind, members, history) in spec["rooms"].items():
        room = Room.objects.create(name=name, kind=kind)
        for key, role in members:
            Membership.objects.create(room=room, user_id=out["people"][key], role=role)
        n = len(history)
        Message.objects.bulk_create(
            Message(room=room, seq=i + 1, sender_id=out["people"][key], client_id=f"seed-{i + 1}",
                    body=body, html=render_html(body), created_at=now - datetime.timedelta(minutes=2 * (n - i)))
            for i, (key, body) in enumerate(history)
        )
        Room.objects.filter(pk=room.pk).update(last_seq=n)
        out["rooms"][name] = room.pk
result(out)
"""


@dataclass
class World:
    people: dict[str, Person]
    rooms: dict[str, int]
    tag: str

    def __getitem__(self, key: str) -> Person:
        return self.people[key]


def make_world(
    server: LiveServer,
    people: dict[str, str],
    rooms: dict[str, tuple[str, list[tuple[str, str]], list[tuple[str, str]]]] | None = None,
) -> World:
    """People ``{key: "mentee"|"mentor"|"moderator"|"none"}`` (first name ``key.title()``, a unique
    username) and rooms ``{name: (kind, [(key, role)], [(key, body)] seeded history)}``, in one go."""
    tag = secrets.token_hex(3)
    spec_people = {
        key: (f"{key}_{tag}", f"pw-{key}-{tag}", key.title(), kind == "moderator")
        for key, kind in people.items()
    }
    spec = {
        "people": spec_people,
        "rooms": {name: [kind, members, history] for name, (kind, members, history) in (rooms or {}).items()},
    }
    out = server.run_python(f"spec = _json.loads({json.dumps(spec)!r})\n" + _WORLD_CODE)
    persons = {
        key: Person(key, username, password, int(out["people"][key]))
        for key, (username, password, _, _) in spec_people.items()
    }
    room_ids = {name: int(pk) for name, pk in out["rooms"].items()}
    server.rooms_created.update(room_ids.values())
    return World(persons, room_ids, tag)


# --- browsing ---------------------------------------------------------------------------------------


@dataclass
class Browsing:
    """Opens pages in one shared browser: one context per person (their own cookies)."""

    browser: Browser
    server: LiveServer
    contexts: list[BrowserContext] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)

    async def context(
        self,
        who: Person | None = None,
        *,
        viewport: ViewportSize | None = None,
        bypass_csp: bool = False,
        reduced_motion: bool = False,
    ) -> BrowserContext:
        ctx = await self.browser.new_context(
            viewport=viewport or DESKTOP,
            base_url=self.server.url,
            bypass_csp=bypass_csp,
            reduced_motion="reduce" if reduced_motion else "no-preference",
            locale="en-CA",
            timezone_id="America/Toronto",
        )
        ctx.set_default_timeout(WAIT_MS)
        self.contexts.append(ctx)
        if who is not None:
            cookie = ls.login(self.server, who)
            await ctx.add_cookies(
                [
                    {"name": k, "value": v, "url": self.server.url}
                    for k, v in ls.parse_cookie_header(cookie).items()
                ]
            )
        return ctx

    async def page(
        self,
        who: Person | None = None,
        path: str | None = None,
        *,
        viewport: ViewportSize | None = None,
        bypass_csp: bool = False,
        reduced_motion: bool = False,
        ctx: BrowserContext | None = None,
    ) -> Page:
        """A new page (in a new context for ``who`` unless ``ctx`` is given), at ``path`` if given."""
        ctx = ctx or await self.context(
            who, viewport=viewport, bypass_csp=bypass_csp, reduced_motion=reduced_motion
        )
        page = await ctx.new_page()
        name = who.key if who else "anonymous"
        page.on("console", lambda m: self.logs.append(f"[{name} console.{m.type}] {m.text}"))
        page.on("pageerror", lambda e: self.logs.append(f"[{name} page error] {e}"))
        if path is not None:
            await page.goto(path)
        return page

    async def close_all(self) -> None:
        for ctx in self.contexts:
            try:
                await ctx.close()
            except Exception:
                pass
        self.contexts.clear()


async def room_ready(page: Page) -> None:
    """The room page has its history and a live, caught-up socket."""
    await page.wait_for_selector("body[data-connection=open][data-synced=true]", state="attached")


async def moderation_ready(page: Page) -> None:
    await page.wait_for_selector("body[data-connection=open][data-snapshot=true]", state="attached")


async def send_message(page: Page, text: str) -> None:
    """Type into the composer and press Enter, as a person would."""
    await page.locator("#message-input").fill(text)
    await page.locator("#message-input").press("Enter")


async def shown_messages(page: Page) -> list[dict[str, Any]]:
    """The conversation as the page shows it: seq, sender name and text of each message, top to bottom."""
    result: list[dict[str, Any]] = await page.eval_on_selector_all(
        "#history > li.msg, #live > li.msg",
        """els => els.map(e => ({
            seq: Number(e.dataset.seq),
            sender: e.querySelector('.msg__sender').textContent,
            body: e.querySelector('.msg__body').textContent,
        }))""",
    )
    return result


async def wait_for_message(page: Page, text: str) -> None:
    await page.wait_for_function(
        """text => [...document.querySelectorAll('#history .msg__body, #live .msg__body')]
                  .some(e => e.textContent === text)""",
        arg=text,
    )


def axe_source() -> str:
    """axe-core's axe.min.js, as bundled by the axe-playwright-python package (or $AXE_JS)."""
    path = os.environ.get("AXE_JS")
    if path:
        return Path(path).read_text(encoding="utf-8")
    try:
        import axe_playwright_python
    except ImportError:
        if in_ci():
            pytest.fail(
                "axe-core is missing: pip install axe-playwright-python (or set AXE_JS)", pytrace=False
            )
        pytest.skip("axe-core is missing: pip install axe-playwright-python (or set AXE_JS)")
    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")


async def axe_violations(page: Page, source: str) -> list[dict[str, Any]]:
    """Run axe-core inside the page (injected with a script tag: the context must bypass CSP)."""
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        await page.add_script_tag(content=source)
    violations: list[dict[str, Any]] = await page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ['violations']});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + n.failureSummary),
            }));
        }"""
    )
    return violations


def describe(violations: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"- {v['impact']} {v['id']}: {v['help']}\n    " + "\n    ".join(v["nodes"]) for v in violations
    )


async def screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    """Save ``var/artifacts/screenshots/<name>.png`` (the whole page, or what the window shows)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=full_page)
    return path
