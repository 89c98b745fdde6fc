"""Every page: axe-core finds no serious or critical problem (desktop and phone), nothing scrolls
sideways at 360px wide or at 200% zoom, body text is at least 18px; and a screenshot of each page at
1280x800 and 390x844 is saved under var/artifacts/screenshots/."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest

from tests.browser.support import (
    DESKTOP,
    PHONE,
    Browsing,
    axe_source,
    axe_violations,
    describe,
    make_world,
    moderation_ready,
    room_ready,
    screenshot,
    send_message,
    wait_for_message,
)
from tests.support.liveserver import LiveServer

if TYPE_CHECKING:
    from playwright.async_api import Page, ViewportSize

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.browser, pytest.mark.e2e]

# 1280x800 at 200% zoom lays out like a 640x400 window.
ZOOM_200: ViewportSize = {"width": 640, "height": 400}
NARROW: ViewportSize = {"width": 360, "height": 740}
SERIOUS = {"serious", "critical"}

HISTORY = [
    ("sam", "Hi Maya, good to see you here. How has this week been?"),
    ("maya", "Up and down. The flare-up on Tuesday kept me in bed most of the day."),
    ("sam", "That sounds exhausting. Did the pacing plan help at all?"),
    ("maya", "A little. I tried the 20 minutes on, 10 off idea."),
    ("sam", "That's a real step. This page has a few more ideas: https://www.painbc.ca/pacing"),
    ("maya", "Thanks, I'll read it tonight when I have some energy."),
]


async def check(page: Page, axe: str, name: str, ready: str | None = None) -> None:
    """axe + screenshot at desktop and phone size, then reflow at 360px and at 200% zoom."""
    problems: list[str] = []
    # The room keeps its bar and composer in view: show the window as a person sees it.
    full_page = not name.startswith("room")
    sizes: list[tuple[ViewportSize, str]] = [(DESKTOP, "desktop"), (PHONE, "phone")]
    for size, label in sizes:
        await page.set_viewport_size(size)
        if ready:
            await page.wait_for_selector(ready, state="attached")
        if not full_page:  # where a person reading the latest messages would be
            await page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
        violations = await axe_violations(page, axe)
        if violations:
            print(f"axe, {name} ({label}):\n{describe(violations)}")
        serious = [v for v in violations if v["impact"] in SERIOUS]
        if serious:
            problems.append(f"{name} ({label}):\n{describe(serious)}")
        await screenshot(page, f"{name}-{label}", full_page=full_page)
    reflow: list[tuple[ViewportSize, str]] = [(NARROW, "360px"), (ZOOM_200, "200% zoom")]
    for size, label in reflow:
        await page.set_viewport_size(size)
        overflow = await page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if overflow > 0:
            problems.append(f"{name} scrolls sideways by {overflow}px at {label}")
    await screenshot(page, f"{name}-zoom200", full_page=full_page)
    font = await page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    if font < 18:
        problems.append(f"{name}: body text is {font}px")
    await page.set_viewport_size(DESKTOP)
    assert not problems, "\n".join(problems)


async def test_every_page_is_accessible_and_reflows(server: LiveServer, browsing: Browsing) -> None:
    axe = axe_source()
    world = await asyncio.to_thread(
        make_world,
        server,
        {"maya": "mentee", "sam": "mentor", "leo": "mentee", "ana": "mentor", "riley": "moderator"},
        {
            "Maya & Sam": ("pair", [("maya", "mentee"), ("sam", "mentor")], HISTORY),
            "Tuesday workshop": (
                "group",
                [("maya", "mentee"), ("leo", "mentee"), ("sam", "mentor"), ("ana", "mentor")],
                [("ana", "Welcome to the workshop! This week: sleep and pain.")],
            ),
        },
    )
    room = world.rooms["Maya & Sam"]
    anonymous = await browsing.page(None, "/accounts/login/", bypass_csp=True, reduced_motion=True)
    await check(anonymous, axe, "login")
    await anonymous.fill("#id_username", world["maya"].username)
    await anonymous.fill("#id_password", "not the password")
    await anonymous.press("#id_password", "Enter")
    await anonymous.wait_for_selector("#login-error")
    await check(anonymous, axe, "login-error")

    maya = await browsing.page(world["maya"], "/", bypass_csp=True, reduced_motion=True)
    await check(maya, axe, "home-mentee")
    sam = await browsing.page(world["sam"], "/", bypass_csp=True, reduced_motion=True)
    await check(sam, axe, "home-mentor")

    await maya.goto(f"/rooms/{room}/")
    await sam.goto(f"/rooms/{room}/")
    await room_ready(maya)
    await room_ready(sam)
    await maya.locator("#message-input").press_sequentially("I'll try")
    await sam.wait_for_selector("#typing:has-text('Maya is typing')")
    await check(sam, axe, "room-mentor", ready="body[data-synced=true]")
    await maya.locator("#message-input").fill("")
    await maya.locator("#message-input").blur()

    # A crisis message: the mentee's resources, the mentor's banner, the staff queue.
    await send_message(maya, "Honestly, I want to kill myself tonight.")
    await maya.wait_for_selector("#crisis:not([hidden])")
    await sam.wait_for_selector(".staff-alert")
    await wait_for_message(sam, "Honestly, I want to kill myself tonight.")
    await check(maya, axe, "room-mentee", ready="body[data-synced=true]")
    await check(sam, axe, "room-mentor-alerted", ready="body[data-synced=true]")

    riley = await browsing.page(world["riley"], "/", bypass_csp=True, reduced_motion=True)
    await check(riley, axe, "home-staff")
    await riley.goto("/moderation/")
    await moderation_ready(riley)
    card = riley.locator("article.flag", has_text="Maya in “Maya & Sam”")
    await card.wait_for()
    await card.locator("summary", has_text="Review the conversation").click()
    await card.get_by_label("Why are you opening it?").fill("Reviewing before I call Maya")
    await card.get_by_role("button", name="Open the conversation").click()
    await card.locator(".messages--review").wait_for()
    await card.locator("summary", has_text="Audit trail").click()
    await card.locator(".audit__list").wait_for()
    await check(riley, axe, "moderation", ready="body[data-snapshot=true]")

    await maya.goto("/moderation/")
    await check(maya, axe, "forbidden")

    # Leave the queue empty for the next test.
    await card.get_by_label("Note").fill("Reviewed with the mentor; follow-up call booked.")
    await card.get_by_role("button", name="Resolve").click()
    await card.wait_for(state="detached")
