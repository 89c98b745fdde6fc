"""The room page in a real browser: two people chat both ways; the server restarts while one of them
types; older history loads on scroll; message HTML never runs."""

from __future__ import annotations

import asyncio

import pytest

from tests.browser.support import (
    Browsing,
    World,
    make_world,
    room_ready,
    screenshot,
    send_message,
    shown_messages,
    wait_for_message,
)
from tests.support import liveserver as ls
from tests.support.liveserver import LiveServer

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.browser, pytest.mark.e2e]


# Records what is added to the page's live region (role="log"): message seqs, and anything else that
# a screen reader would announce (hidden nodes are not announced).
LIVE_REGION_WATCH = """
window.__liveRegion = {messages: [], other: []};
document.addEventListener("DOMContentLoaded", () => {
    const log = document.querySelector("[role=log]");
    new MutationObserver((records) => {
        for (const record of records) {
            for (const node of record.addedNodes) {
                if (node.nodeType === Node.ELEMENT_NODE && node.matches("li.msg")) {
                    window.__liveRegion.messages.push(Number(node.dataset.seq));
                } else if (!(node.nodeType === Node.ELEMENT_NODE && node.closest("[aria-hidden=true]"))) {
                    window.__liveRegion.other.push(node.textContent);
                }
            }
        }
    }).observe(log, {childList: true, subtree: true});
});
"""


def pair(server: LiveServer, history: list[tuple[str, str]] | None = None) -> tuple[World, int]:
    world = make_world(
        server,
        {"maya": "mentee", "sam": "mentor"},
        {"Maya & Sam": ("pair", [("maya", "mentee"), ("sam", "mentor")], history or [])},
    )
    return world, world.rooms["Maya & Sam"]


async def test_two_people_chat_and_a_server_restart_loses_and_repeats_nothing(
    server: LiveServer, browsing: Browsing
) -> None:
    cast, room = await asyncio.to_thread(pair, server)
    maya = await browsing.page(cast["maya"], f"/rooms/{room}/")
    sam = await browsing.page(cast["sam"])
    await sam.add_init_script(LIVE_REGION_WATCH)
    await sam.goto(f"/rooms/{room}/")
    await room_ready(maya)
    await room_ready(sam)

    # Both ways; presence, typing and read markers on the way.
    await sam.wait_for_selector(f"li[data-user='{cast['maya'].id}'][data-online=true]")
    await send_message(maya, "Hi Sam, it's a bad pain day.")
    await wait_for_message(sam, "Hi Sam, it's a bad pain day.")
    await sam.locator("#message-input").press_sequentially("I'm here")
    await maya.wait_for_selector("#typing:has-text('Sam is typing')")
    await sam.locator("#message-input").fill("I'm here. What helped last time?")
    await sam.locator("#message-input").press("Enter")
    await wait_for_message(maya, "I'm here. What helped last time?")
    await maya.wait_for_selector("#typing:text-is('')", state="attached")
    await sam.wait_for_selector(".read-marker:has-text('Seen by Maya')")

    # Sent, then the server goes away before (or just after) it answers: resent with the same client_id.
    await send_message(maya, "Heat helped a bit.")
    await asyncio.to_thread(server.stop)
    await maya.wait_for_selector("body[data-connection=reconnecting]")
    await sam.wait_for_selector("body[data-connection=reconnecting]")
    await maya.wait_for_selector("#connection-text:text-is('Reconnecting…')")

    # Typed while the server is down: kept, shown as waiting, sent when it is back.
    await send_message(maya, "Typed while you were away.")
    await send_message(sam, "Sam typed this offline too.")
    await maya.wait_for_selector("#pending li[data-status=waiting]")
    await screenshot(maya, "room-reconnecting-desktop", full_page=False)
    assert await maya.locator("#message-input").input_value() == ""

    await asyncio.to_thread(server.start, migrate=False)
    for page in (maya, sam):
        await page.wait_for_selector(
            "body[data-connection=open][data-synced=true][data-pending='0']", state="attached", timeout=20_000
        )
    await send_message(sam, "Glad you're back.")
    expected = [
        "Hi Sam, it's a bad pain day.",
        "I'm here. What helped last time?",
        "Heat helped a bit.",
        "Typed while you were away.",
        "Sam typed this offline too.",
        "Glad you're back.",
    ]
    for page in (maya, sam):
        await wait_for_message(page, "Glad you're back.")

    stored, _ = await asyncio.to_thread(ls.room_messages, server, ls.login(server, cast["maya"]), room)
    assert sorted(m["body"] for m in stored) == sorted(expected), "each message stored exactly once"
    stored_order = [(m["seq"], m["body"]) for m in stored]
    for page in (maya, sam):
        shown = await shown_messages(page)
        assert [(m["seq"], m["body"]) for m in shown] == stored_order, "every message once, in order"
        assert await page.locator("#pending li").count() == 0
    # What the screen reader heard on Sam's page: each message once, the restart repeated nothing.
    heard = await sam.evaluate("window.__liveRegion")
    assert sorted(heard["messages"]) == [seq for seq, _ in stored_order], heard
    assert heard["other"] == [], "only messages (and hidden read markers) are added to the live region"
    # The two sent offline keep their author's order.
    bodies = [b for _, b in stored_order]
    assert bodies.index("Heat helped a bit.") < bodies.index("Typed while you were away.")


async def test_older_history_loads_on_scroll_without_gaps_or_repeats(
    server: LiveServer, browsing: Browsing
) -> None:
    history = [("maya" if i % 3 else "sam", f"Message number {i}") for i in range(1, 131)]
    cast, room = await asyncio.to_thread(pair, server, history)
    page = await browsing.page(cast["sam"], f"/rooms/{room}/")
    await room_ready(page)
    first = await shown_messages(page)
    assert [m["seq"] for m in first] == list(range(81, 131)), "the newest page first, newest at the bottom"
    # Newest at the bottom, and the window is scrolled there.
    assert await page.evaluate(
        "window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 5"
    )

    start = "This is the start of your conversation."
    while not await page.locator(f"#history-status:text-is('{start}')").count():
        count = len(await shown_messages(page))
        await page.mouse.wheel(0, -100_000)
        await page.wait_for_function(
            """([n, start]) => document.querySelectorAll('#history > li, #live > li').length > n
                            || document.getElementById('history-status').textContent === start""",
            arg=[count, start],
        )
    shown = await shown_messages(page)
    assert [m["seq"] for m in shown] == list(range(1, 131))
    assert [m["body"] for m in shown] == [body for _, body in history]
    assert [m["sender"] for m in shown[:3]] == ["Maya", "Maya", "You"]


async def test_message_html_is_shown_as_text_and_never_runs(server: LiveServer, browsing: Browsing) -> None:
    cast, room = await asyncio.to_thread(pair, server)
    # CSP off here: what is tested is the rendering itself, not the Content-Security-Policy behind it.
    maya = await browsing.page(cast["maya"], f"/rooms/{room}/", bypass_csp=True)
    sam = await browsing.page(cast["sam"], f"/rooms/{room}/", bypass_csp=True)
    await room_ready(maya)
    await room_ready(sam)
    attack = '<img src=x onerror=window.__xss=1> <a href="javascript:window.__xss=2">x</a>'
    await send_message(maya, attack)
    await send_message(maya, "A real link: https://example.org/pacing")
    for page in (maya, sam):
        await wait_for_message(page, "A real link: https://example.org/pacing")
        await wait_for_message(page, attack)
        body = page.locator(".msg__body", has_text="onerror")
        assert await body.locator("img, script, [onerror]").count() == 0
        assert await body.locator("a").count() == 0
        assert await page.locator("a[href^='javascript:' i]").count() == 0
        link = page.locator(".msg__body a", has_text="https://example.org/pacing")
        assert await link.get_attribute("href") == "https://example.org/pacing"
        assert "noopener" in (await link.get_attribute("rel") or "")
        # Clicking the injected "link" text does nothing either.
        await body.click()
        assert await page.evaluate("typeof window.__xss") == "undefined"
    # Loaded from history (the HTTP API) on a fresh page: still text.
    again = await browsing.page(cast["sam"], f"/rooms/{room}/", bypass_csp=True)
    await room_ready(again)
    await wait_for_message(again, attack)
    assert await again.locator(".msg__body img").count() == 0
    assert await again.evaluate("typeof window.__xss") == "undefined"
