"""The device check's limits, in process (its media round trip is in test_call_e2e.py): one per user,
a bounded number at once, closed after its time or on hang-up."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from unittest import mock

import aioice.ice
import pytest
from aiortc import RTCConfiguration, RTCPeerConnection
from django.test import AsyncClient

from signaling import devicecheck
from tests.signaling.rtc import SynthVideo, wait_until

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def loopback_ice() -> Iterator[None]:
    with mock.patch.object(
        aioice.ice, "get_host_addresses", lambda use_ipv4=True, use_ipv6=False: ["127.0.0.1"]
    ):
        yield


@pytest.fixture
async def offers() -> AsyncIterator[list[RTCPeerConnection]]:
    made: list[RTCPeerConnection] = []
    yield made
    for pc in made:
        await pc.close()
    await devicecheck.get_registry().close_all()


async def offer_body(offers: list[RTCPeerConnection]) -> str:
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    offers.append(pc)
    pc.addTrack(SynthVideo(100))
    await pc.setLocalDescription(await pc.createOffer())
    return json.dumps({"type": "offer", "sdp": pc.localDescription.sdp})


async def client_for(user) -> AsyncClient:
    client = AsyncClient()
    await client.aforce_login(user)
    return client


async def test_one_per_user_bounded_and_timed(cast, settings, offers):
    settings.DEVICE_CHECK_MAX = 2
    settings.DEVICE_CHECK_SECONDS = 0.5
    registry = devicecheck.get_registry()
    maya, sam, leo = [await client_for(u) for u in (cast.maya, cast.sam, cast.leo)]

    first = await maya.post(
        "/api/calls/device-check", await offer_body(offers), content_type="application/json"
    )
    assert first.status_code == 200 and first.json()["type"] == "answer"
    again = await maya.post(
        "/api/calls/device-check", await offer_body(offers), content_type="application/json"
    )
    assert again.status_code == 200 and len(registry) == 1  # the new one replaced the old one
    assert (
        await sam.post("/api/calls/device-check", await offer_body(offers), content_type="application/json")
    ).status_code == 200
    busy = await leo.post(
        "/api/calls/device-check", await offer_body(offers), content_type="application/json"
    )
    assert busy.status_code == 503 and busy["Retry-After"] == "30" and len(registry) == 2

    await wait_until(lambda: len(registry) == 0, 10, "device checks closed after their time")
    assert (
        await leo.post("/api/calls/device-check", await offer_body(offers), content_type="application/json")
    ).status_code == 200
    assert (await leo.delete("/api/calls/device-check")).json() == {"closed": True}
    assert len(registry) == 0
