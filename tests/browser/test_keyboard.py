"""Keyboard only: a mentee signs in, opens the chat with their mentor and sends messages with Tab,
Enter and typing; no clicks. Focus is always visible."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest

from tests.browser.support import Browsing, make_world, room_ready, wait_for_message
from tests.support.liveserver import LiveServer

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.browser, pytest.mark.e2e]

if TYPE_CHECKING:
    from playwright.async_api import Page


async def focused(page: Page) -> dict[str, str]:
    info: dict[str, str] = await page.evaluate(
        """() => {
            const el = document.activeElement;
            const style = getComputedStyle(el);
            return {
                id: el.id || '', tag: el.tagName, text: (el.innerText || el.value || '').trim().slice(0, 80),
                outline: style.outlineStyle + ' ' + style.outlineWidth,
            };
        }"""
    )
    return info


async def tab_to(page: Page, matches: str, *, limit: int = 25) -> dict[str, str]:
    """Press Tab until the focused element matches the CSS selector ``matches``; checks every stop
    shows a focus ring."""
    for _ in range(limit):
        await page.keyboard.press("Tab")
        info = await focused(page)
        assert not info["outline"].startswith("none"), f"no visible focus on {info}"
        if await page.evaluate("sel => document.activeElement.matches(sel)", matches):
            return info
    raise AssertionError(f"{matches} not reached with {limit} presses of Tab")


async def test_a_mentee_signs_in_and_sends_a_message_with_the_keyboard_only(
    server: LiveServer, browsing: Browsing
) -> None:
    world = await asyncio.to_thread(
        make_world,
        server,
        {"maya": "mentee", "sam": "mentor"},
        {"Maya & Sam": ("pair", [("maya", "mentee"), ("sam", "mentor")], [])},
    )
    room = world.rooms["Maya & Sam"]
    sam = await browsing.page(world["sam"], f"/rooms/{room}/")
    page = await browsing.page(None, "/accounts/login/")

    # The skip link comes first and moves focus to the main content.
    first = await tab_to(page, "a.skip-link", limit=1)
    assert first["text"] == "Skip to main content"
    await page.keyboard.press("Enter")
    assert (await focused(page))["id"] == "main"

    await tab_to(page, "#id_username")
    await page.keyboard.type(world["maya"].username)
    await tab_to(page, "#id_password")
    await page.keyboard.type(world["maya"].password)
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"{server.url}/")

    link = await tab_to(page, f"a[href='/rooms/{room}/']")
    assert link["text"].startswith("Chat with Sam")
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"**/rooms/{room}/")
    await room_ready(page)
    await room_ready(sam)

    await tab_to(page, "#message-input")
    await page.keyboard.type("Typed and sent with the keyboard alone.")
    await page.keyboard.press("Enter")
    await wait_for_message(sam, "Typed and sent with the keyboard alone.")
    # Shift+Enter breaks the line; Enter sends.
    await page.keyboard.type("First line")
    await page.keyboard.press("Shift+Enter")
    await page.keyboard.type("second line")
    assert await page.locator("#message-input").input_value() == "First line\nsecond line"
    await page.keyboard.press("Enter")
    await wait_for_message(sam, "First line\nsecond line")
    await page.wait_for_selector("body[data-pending='0']", state="attached")
    assert (await focused(page))["id"] == "message-input", "focus stays in the composer"

    # "I need help now" is reachable from the composer by keyboard (Shift+Tab backwards).
    for _ in range(10):
        await page.keyboard.press("Shift+Tab")
        if (await focused(page))["id"] == "help-button":
            break
    else:
        raise AssertionError("the help button is not reachable with Shift+Tab")
