"""Calls in real Chromium with fake camera and microphone (docs/calls.md, frontend/static/frontend/
call.js): a mentor and a mentee in a real video call through the server, media both ways; hang up
ends it on both sides with a duration; a keyboard-only answer; a decline from the home page's prompt;
the device check's echo; axe on the call view and on the prompt; screenshots."""

from __future__ import annotations

import asyncio
import shutil
import time
from typing import TYPE_CHECKING, Any

import pytest

from tests.browser.support import (
    PHONE,
    SCREENSHOTS,
    Browsing,
    World,
    axe_source,
    axe_violations,
    describe,
    make_world,
    room_ready,
    screenshot,
)
from tests.support import liveserver as ls
from tests.support.liveserver import LiveServer

if TYPE_CHECKING:
    from playwright.async_api import Page

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.browser, pytest.mark.e2e]

SERIOUS = {"serious", "critical"}
CALL_WAIT_S = 25.0

# Per peer connection of the call: its state, decoded video frames and received audio packets.
CALL_STATS = """async () => {
    const out = [];
    for (const peer of window.peerchat.call.pcs.values()) {
        const stats = await peer.pc.getStats();
        let frames = 0, packets = 0;
        stats.forEach(r => {
            if (r.type === 'inbound-rtp' && r.kind === 'video') frames += r.framesDecoded || 0;
            if (r.type === 'inbound-rtp' && r.kind === 'audio') packets += r.packetsReceived || 0;
        });
        out.push({state: peer.pc.connectionState, ice: peer.pc.iceConnectionState, frames, packets});
    }
    return out;
}"""

ECHO_STATS = """async () => {
    const pc = window.peerchat.call.deviceCheckPc;
    if (!pc) return null;
    const stats = await pc.getStats();
    let frames = 0;
    stats.forEach(r => { if (r.type === 'inbound-rtp' && r.kind === 'video') frames += r.framesDecoded || 0; });
    return {state: pc.connectionState, frames};
}"""


def pair(server: LiveServer) -> tuple[World, int]:
    world = make_world(
        server,
        {"maya": "mentee", "sam": "mentor"},
        {"Maya & Sam": ("pair", [("maya", "mentee"), ("sam", "mentor")], [("sam", "Call at 3?")])},
    )
    return world, world.rooms["Maya & Sam"]


async def poll(page: Page, script: str, ok: Any, what: str, timeout: float = CALL_WAIT_S) -> Any:
    """Evaluate ``script`` (may return a Promise) until ``ok(value)``; fail with the last value."""
    deadline = time.monotonic() + timeout
    value = None
    while time.monotonic() < deadline:
        value = await page.evaluate(script)
        if ok(value):
            return value
        await page.wait_for_timeout(250)
    pytest.fail(f"{what}: not reached in {timeout:.0f}s; last seen {value!r}")


async def media_flows(page: Page, who: str) -> None:
    await poll(
        page,
        CALL_STATS,
        lambda v: (
            bool(v) and all(p["state"] == "connected" and p["frames"] > 0 and p["packets"] > 0 for p in v)
        ),
        f"{who}: connected with decoded video and received audio",
    )


async def call_state(page: Page, state: str) -> None:
    await page.wait_for_selector(
        f"#call-view[data-call-state={state}]", state="attached", timeout=CALL_WAIT_S * 1000
    )


async def start_call(caller: Page) -> None:
    await caller.get_by_role("button", name="Start video call").click()
    await call_state(caller, "ringing")


async def assert_axe_clean(page: Page, axe: str, what: str) -> None:
    violations = await axe_violations(page, axe)
    serious = [v for v in violations if v["impact"] in SERIOUS]
    assert not serious, f"{what}:\n{describe(serious)}"


async def test_video_call_media_both_ways_then_hang_up_ends_it_for_both(
    server: LiveServer, browsing: Browsing
) -> None:
    cast, room = await asyncio.to_thread(pair, server)
    sam = await browsing.page(cast["sam"], f"/rooms/{room}/", bypass_csp=True)
    maya = await browsing.page(cast["maya"], f"/rooms/{room}/", bypass_csp=True)
    await asyncio.gather(room_ready(sam), room_ready(maya))

    await start_call(sam)
    prompt = maya.get_by_role("alertdialog", name="Sam is calling you")
    await prompt.wait_for()
    await prompt.get_by_role("button", name="Accept", exact=True).click()
    await asyncio.gather(call_state(maya, "connected"), call_state(sam, "connected"))
    await asyncio.gather(media_flows(maya, "maya"), media_flows(sam, "sam"))

    # Controls: labelled toggles with aria-pressed.
    mute = maya.get_by_role("button", name="Mute microphone")
    assert await mute.get_attribute("aria-pressed") == "false"
    await mute.click()
    assert await mute.get_attribute("aria-pressed") == "true"
    assert await maya.evaluate("window.peerchat.call.local.getAudioTracks()[0].enabled") is False
    await mute.click()

    axe = axe_source()
    await assert_axe_clean(maya, axe, "room page with the call view open")
    await maya.evaluate("window.scrollTo(0, 0)")
    await screenshot(maya, "call-desktop", full_page=False)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(SCREENSHOTS / "call-desktop.png", ls.REPO_ROOT / "docs" / "screenshots" / "call.png")
    await maya.set_viewport_size(PHONE)
    await maya.evaluate("window.scrollTo(0, 0)")
    await screenshot(maya, "call-phone", full_page=False)

    # A drop: Maya's signaling socket closes under her. It comes back, resumes her peer with the
    # token kept in sessionStorage, and both make fresh connections (docs/calls.md); media again.
    await maya.evaluate("window.__before = [...window.peerchat.call.pcs.values()][0].pc")
    assert (
        await maya.evaluate(
            "JSON.parse(sessionStorage.getItem(Object.keys(sessionStorage).find(k => k.startsWith('peerchat:call:')))).token.length"
        )
        > 20
    )
    await maya.evaluate("window.peerchat.call.socket.ws.close()")
    await call_state(maya, "reconnecting")
    await asyncio.gather(call_state(maya, "connected"), call_state(sam, "connected"))
    assert await maya.evaluate("[...window.peerchat.call.pcs.values()][0].pc !== window.__before")
    await asyncio.gather(media_flows(maya, "maya after resume"), media_flows(sam, "sam after resume"))

    call_id = await sam.evaluate("window.peerchat.call.callId")
    await sam.get_by_role("button", name="Hang up").click()
    for page in (sam, maya):
        await page.wait_for_selector("#call-view[data-call-outcome=completed]", state="attached")
        await page.wait_for_selector("#call-status:has-text('The call ended')")
    record = await maya.evaluate(f"fetch('/api/calls/{call_id}/').then(r => r.json())")
    call = record["call"]
    assert call["state"] == "ended" and call["outcome"] == "completed", call
    assert call["duration"] is not None and call["duration"] > 0, call


async def test_keyboard_only_answer(server: LiveServer, browsing: Browsing) -> None:
    cast, room = await asyncio.to_thread(pair, server)
    sam = await browsing.page(cast["sam"], f"/rooms/{room}/")
    maya = await browsing.page(cast["maya"], f"/rooms/{room}/", bypass_csp=True)
    await asyncio.gather(room_ready(sam), room_ready(maya))
    await maya.locator("#message-input").focus()

    await start_call(sam)
    await maya.get_by_role("alertdialog").wait_for()
    # The prompt took focus, on Accept; it is announced (role=alertdialog, and the urgent region).
    assert await maya.evaluate("document.activeElement.id") == "call-accept"
    await maya.wait_for_selector("#announce-urgent:has-text('Sam is calling you')", state="attached")
    await assert_axe_clean(maya, axe_source(), "incoming-call prompt")

    await maya.keyboard.press("Enter")
    await asyncio.gather(call_state(maya, "connected"), call_state(sam, "connected"))
    assert await maya.evaluate("document.activeElement.id") == "call-hangup"
    await maya.keyboard.press("Enter")  # hang up, still by keyboard
    await sam.wait_for_selector("#call-view[data-call-outcome=completed]", state="attached")


async def test_decline_from_the_home_page_prompt(server: LiveServer, browsing: Browsing) -> None:
    cast, room = await asyncio.to_thread(pair, server)
    sam = await browsing.page(cast["sam"], f"/rooms/{room}/")
    maya = await browsing.page(cast["maya"], "/")
    await room_ready(sam)

    await start_call(sam)
    prompt = maya.get_by_role("alertdialog", name="Sam is calling you")
    await prompt.wait_for()
    assert await maya.evaluate("document.activeElement.id") == "call-accept"
    await prompt.get_by_role("button", name="Decline").click()

    await sam.wait_for_selector("#call-view[data-call-outcome=declined]", state="attached")
    await sam.wait_for_selector("#call-status:has-text('Maya declined the call')")
    assert await sam.evaluate("document.body.dataset.callState") == "ended"
    await maya.wait_for_selector("[role=alertdialog]", state="detached")


async def test_device_check_shows_my_own_echoed_video(server: LiveServer, browsing: Browsing) -> None:
    cast, room = await asyncio.to_thread(pair, server)
    maya = await browsing.page(cast["maya"], f"/rooms/{room}/")
    await room_ready(maya)
    await maya.get_by_role("button", name="Check camera and mic").click()
    await maya.get_by_role("heading", name="Check your camera and microphone").wait_for()
    await poll(
        maya,
        ECHO_STATS,
        lambda v: v is not None and v["state"] == "connected" and v["frames"] > 0,
        "device check echo decoded",
    )
    await maya.get_by_role("button", name="Stop the check").click()
    await maya.wait_for_selector("#device-check", state="hidden")
