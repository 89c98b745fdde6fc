"""Crisis language and "I need help now" through real pages: the moderators' queue (two staff pages),
the mentor's banner, the mentee's crisis resources; staff actions reach every staff page. And who may
open which page."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.browser.support import (
    Browsing,
    make_world,
    moderation_ready,
    room_ready,
    send_message,
    wait_for_message,
)
from tests.support import liveserver as ls
from tests.support.liveserver import LiveServer

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.browser, pytest.mark.e2e]

CRISIS = "I'm going to end my life tonight."


async def test_crisis_reaches_every_staff_page_within_two_seconds_and_the_mentor_sees_it(
    server: LiveServer, browsing: Browsing
) -> None:
    room_name = "Crisis check"
    world = await asyncio.to_thread(
        make_world,
        server,
        {"maya": "mentee", "sam": "mentor", "riley": "moderator", "morgan": "moderator"},
        {room_name: ("pair", [("maya", "mentee"), ("sam", "mentor")], [("sam", "How was the appointment?")])},
    )
    room = world.rooms[room_name]
    riley = await browsing.page(world["riley"], "/moderation/")
    morgan = await browsing.page(world["morgan"], "/moderation/")
    maya = await browsing.page(world["maya"], f"/rooms/{room}/")
    sam = await browsing.page(world["sam"], f"/rooms/{room}/")
    for page in (riley, morgan):
        await moderation_ready(page)
    for page in (maya, sam):
        await room_ready(page)

    card_selector = f"article.flag:has-text('{world['maya'].key.title()} in “{room_name}”')"
    started = time.monotonic()
    await send_message(maya, CRISIS)
    await riley.wait_for_selector(card_selector, timeout=2000)
    await morgan.wait_for_selector(card_selector, timeout=2000)
    elapsed = time.monotonic() - started
    assert elapsed < 2.0, f"staff saw the flag after {elapsed:.2f}s"

    # The mentor: the message, and the banner that staff were alerted.
    await wait_for_message(sam, CRISIS)
    banner = sam.locator(".staff-alert")
    await banner.wait_for()
    text = await banner.inner_text()
    assert text.startswith("What to do now") and "Staff have been alerted" in text  # the program's protocol
    # The mentee: crisis resources, in both languages.
    await maya.wait_for_selector("#crisis:not([hidden])")
    resources = await maya.locator("#crisis-resources").inner_text()
    assert "9-8-8" in resources and "Appelez" in resources

    # The queue: severity, the evidence highlighted, a visible and an audible alert.
    card = riley.locator(card_selector)
    flag_id = int(await card.get_attribute("data-flag") or 0)
    assert await card.locator(".severity").inner_text() == "High"
    marks = await card.locator(".flag__body mark").all_inner_texts()
    assert any("end my life" in m for m in marks), marks
    for page in (riley, morgan):
        await page.wait_for_selector("#new-flag-alert:not([hidden])")
        await page.wait_for_selector("body[data-beeps]", state="attached")
        assert int(await page.evaluate("document.body.dataset.beeps")) >= 1

    # Acknowledge on one page: both pages update.
    await card.get_by_role("button", name="Acknowledge").click()
    for page in (riley, morgan):
        await page.wait_for_selector(f"#flag-{flag_id}[data-status=acknowledged]")
        assert await page.locator(f"#flag-{flag_id} .status").inner_text() == "Acknowledged"
    assert await morgan.locator(f"#flag-{flag_id}").get_by_role("button", name="Acknowledge").is_hidden()

    # The conversation opens on demand, with a reason; the audit trail shows both.
    other = morgan.locator(f"#flag-{flag_id}")
    await other.locator("summary", has_text="Review the conversation").click()
    await other.get_by_label("Why are you opening it?").fill("Checking context before calling")
    await other.get_by_role("button", name="Open the conversation").click()
    review = other.locator(".messages--review")
    await review.wait_for()
    assert "How was the appointment?" in await review.inner_text()
    assert await review.locator(".msg--flagged mark").count() >= 1
    await other.locator("summary", has_text="Audit trail").click()
    await other.locator(".audit__list li", has_text="conversation opened").wait_for()
    audit = await other.locator(".audit__list").inner_text()
    assert "acknowledge" in audit and "Checking context before calling" in audit

    # Assign to the other moderator, then dismissing needs a note; resolving closes it everywhere.
    await card.get_by_label("Assign to").select_option(label="Morgan")
    await card.get_by_role("button", name="Assign").click()
    await morgan.locator(f"#flag-{flag_id} .flag__meta", has_text="Assigned to: you").wait_for()
    await card.get_by_role("button", name="Dismiss").click()
    await riley.locator(f"#feedback-{flag_id}", has_text="Write a note").wait_for()
    await card.get_by_label("Note").fill("Called Maya; safety plan in place with her mentor.")
    await card.get_by_role("button", name="Resolve").click()
    for page in (riley, morgan):
        await page.wait_for_selector(f"#flag-{flag_id}", state="detached")
        await page.locator("#closed li", has_text=f"Flag #{flag_id}").wait_for()

    # "I need help now": a new high flag for staff, a confirmation for the mentee.
    await maya.get_by_role("button", name="I need help now").click()
    await maya.wait_for_selector("body[data-help-received=true]", state="attached")
    assert "staff have been alerted" in (await maya.locator("#help-status").inner_text()).lower()
    help_card = riley.locator("article.flag", has_text=room_name).filter(has_text="I need help now")
    await help_card.wait_for(timeout=2000)
    help_id = int(await help_card.get_attribute("data-flag") or 0)
    await help_card.get_by_label("Note").fill("Test: reached out by phone.")
    await help_card.get_by_role("button", name="Resolve").click()
    await morgan.wait_for_selector(f"#flag-{help_id}", state="detached")


async def test_pages_check_who_is_asking(server: LiveServer, browsing: Browsing) -> None:
    world = await asyncio.to_thread(
        make_world,
        server,
        {"maya": "mentee", "sam": "mentor", "charlie": "none"},
        {"Maya & Sam": ("pair", [("maya", "mentee"), ("sam", "mentor")], [])},
    )
    room = world.rooms["Maya & Sam"]
    anonymous = await asyncio.to_thread(ls.http_request, server, "GET", f"/rooms/{room}/")
    assert anonymous.status == 302 and (anonymous.header("Location") or "").startswith("/accounts/login/")
    for path in ("/", "/moderation/"):
        resp = await asyncio.to_thread(ls.http_request, server, "GET", path)
        assert resp.status == 302, path

    charlie = await browsing.page(world["charlie"])
    response = await charlie.goto(f"/rooms/{room}/")
    assert response is not None and response.status == 403
    await charlie.get_by_role("heading", name="This page isn't available to you").wait_for()
    response = await charlie.goto("/rooms/999999999/")
    assert response is not None and response.status == 403
    await charlie.goto("/")
    await charlie.get_by_role("heading", name="No conversations yet").wait_for()

    maya = await browsing.page(world["maya"])
    response = await maya.goto("/moderation/")
    assert response is not None and response.status == 403
    assert await maya.get_by_role("link", name="Moderation").count() == 0

    # Sign out: a POST with the CSRF token, back to the sign-in page; the room is closed to that session.
    await maya.goto(f"/rooms/{room}/")
    await room_ready(maya)
    await maya.get_by_role("button", name="Sign out").click()
    await maya.wait_for_url("**/accounts/login/")
    response = await maya.goto(f"/rooms/{room}/")
    assert response is not None and "/accounts/login/" in maya.url


async def test_help_from_the_home_page(server: LiveServer, browsing: Browsing) -> None:
    world = await asyncio.to_thread(
        make_world,
        server,
        {"leo": "mentee", "ana": "mentor", "riley": "moderator"},
        {"Leo & Ana": ("pair", [("leo", "mentee"), ("ana", "mentor")], [])},
    )
    riley = await browsing.page(world["riley"], "/moderation/")
    await moderation_ready(riley)
    leo = await browsing.page(world["leo"], "/")
    await leo.get_by_role("button", name="I need help now").click()
    # The crisis lines at once, then the confirmation that staff have it.
    await leo.wait_for_selector("#crisis:not([hidden])")
    assert "9-8-8" in await leo.locator("#crisis-resources").inner_text()
    await leo.wait_for_selector("body[data-help-received=true]", state="attached")
    card = riley.locator("article.flag", has_text="Leo in “Leo & Ana”")
    await card.wait_for()
    assert await card.locator(".severity").inner_text() == "High"
    await card.get_by_label("Note").fill("Test: called Leo back.")
    await card.get_by_role("button", name="Resolve").click()
    await card.wait_for(state="detached")
