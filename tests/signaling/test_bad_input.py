"""Every bad frame on the signaling socket: a clear error code, nothing changed anywhere, nobody else
hears anything, and the socket goes on working."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.signaling.conftest import snapshot

pytestmark = pytest.mark.django_db(transaction=True)

BIG = 49152  # CALL_MAX_FRAME_BYTES
SDP = 32768  # CALL_MAX_SDP_BYTES


def signal(**fields: Any) -> str:
    return json.dumps({"type": "signal", **fields})


# (case, text or bytes, expected code); {to} is replaced by Sam's peer id.
IN_CALL = [
    ("bad json", "{not json", "bad_json"),
    ("NaN is not JSON", '{"type": "signal", "to": "{to}", "data": {"n": NaN}}', "bad_json"),
    ("deep nesting", "[" * 30000 + "]" * 30000, "too_long"),
    (
        "nesting under the frame limit",
        '{"type": "signal", "to": "{to}", "data": ' + "[" * 5000 + "]" * 5000 + "}",
        "bad_json",
    ),
    ("binary frame", b'{"type": "call.leave"}', "bad_frame"),
    ("not an object", "[1, 2]", "bad_frame"),
    ("a bare string", '"call.join"', "bad_frame"),
    ("no type", '{"to": "{to}"}', "bad_frame"),
    ("type not a string", '{"type": 7}', "bad_frame"),
    ("unknown type", '{"type": "call.hangup"}', "unknown_type"),
    ("missing data", '{"type": "signal", "to": "{to}"}', "bad_frame"),
    ("missing to", '{"type": "signal", "data": {}}', "bad_frame"),
    ("extra field on leave", '{"type": "call.leave", "why": "bored"}', "bad_frame"),
    ("extra field on signal", '{"type": "signal", "to": "{to}", "data": {}, "room": 1}', "bad_frame"),
    ("data not an object", '{"type": "signal", "to": "{to}", "data": "v=0"}', "bad_frame"),
    ("to not a string", '{"type": "signal", "to": 5, "data": {}}', "bad_frame"),
    ("to empty", '{"type": "signal", "to": "", "data": {}}', "bad_frame"),
    ("to too long", signal(to="x" * 65, data={}), "bad_frame"),
    ("oversize sdp", signal(to="{to}", data={"sdp": "a" * (SDP + 1)}), "too_long"),
    (
        "oversize nested sdp",
        signal(to="{to}", data={"description": {"type": "offer", "sdp": "a" * (SDP + 1)}}),
        "too_long",
    ),
    ("oversize frame", signal(to="{to}", data={"blob": "a" * BIG}), "too_long"),
    ("join twice", '{"type": "call.join"}', "already_joined"),
    ("resume while joined", '{"type": "call.join", "resume": "abc"}', "already_joined"),
    ("decline while in the call", '{"type": "call.decline"}', "already_joined"),
    ("resume not a string", '{"type": "call.join", "resume": 5}', "bad_frame"),
    ("call_id true", '{"type": "call.decline", "call_id": true}', "bad_frame"),
    ("call_id negative", '{"type": "call.decline", "call_id": -3}', "bad_frame"),
]

NOT_JOINED = [
    ("signal before join", signal(to="{to}", data={"sdp": "v=0"}), "not_in_call"),
    ("leave before join", '{"type": "call.leave"}', "not_in_call"),
    ("decline an active call", '{"type": "call.decline"}', "no_call"),
    ("decline another call id", '{"type": "call.decline", "call_id": 999999}', "no_call"),
    ("resume with a made-up token", '{"type": "call.join", "resume": "made-up"}', "resume_invalid"),
]


@pytest.fixture
async def live_call(cast, calls, connect):
    """Maya and Sam in a pair call; Leo's socket in the workshop; everyone's other frames drained."""
    sam_chat = await connect(cast.sam, cast.pair)
    maya, sam = await calls(cast.maya, cast.pair), await calls(cast.sam, cast.pair)
    m = await maya.join()
    s = await sam.join()
    await maya.recv_type("peer.joined")
    await sam_chat.recv_type("call.updated")
    return {"maya": maya, "sam": sam, "sam_chat": sam_chat, "m": m, "s": s}


async def _send_raw(sock: Any, raw: str | bytes, to: str) -> None:
    if isinstance(raw, bytes):
        await sock.comm.send_to(bytes_data=raw)
    else:
        await sock.send_text(raw.replace("{to}", to))


@pytest.mark.parametrize(("case", "raw", "code"), IN_CALL, ids=[c[0] for c in IN_CALL])
async def test_bad_frame_in_the_call(live_call, case, raw, code):
    maya, sam, sam_chat, s = live_call["maya"], live_call["sam"], live_call["sam_chat"], live_call["s"]
    before = await snapshot()
    await _send_raw(maya, raw, s["peer_id"])
    err = await maya.recv()
    assert err["type"] == "error" and err["code"] == code, (case, err)
    assert err["detail"]
    assert await sam.silent(0.1) and await sam_chat.silent(0.05)
    assert await snapshot() == before
    # Still in the call, still relaying.
    await maya.signal(s["peer_id"], {"still": "here"})
    assert (await sam.recv())["data"] == {"still": "here"}


@pytest.mark.parametrize(("case", "raw", "code"), NOT_JOINED, ids=[c[0] for c in NOT_JOINED])
async def test_bad_frame_before_joining(live_call, cast, calls, case, raw, code):
    maya, sam, s = live_call["maya"], live_call["sam"], live_call["s"]
    spare = await calls(cast.sam, cast.pair)  # Sam's second socket, not in the call
    before = await snapshot()
    await _send_raw(spare, raw, s["peer_id"])
    err = await spare.recv()
    assert err["type"] == "error" and err["code"] == code, (case, err)
    assert await sam.silent(0.1) and await maya.silent(0.05)
    assert await snapshot() == before
    # The socket still works: joining from it takes Sam's place in the call.
    assert (await spare.join())["call_id"] == live_call["m"]["call_id"]
    assert (await sam.recv_type("call.left"))["reason"] == "replaced"
