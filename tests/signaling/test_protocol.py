"""The signaling frame parser, pure (the socket tests check the same codes end to end)."""

from __future__ import annotations

import json

import pytest

from signaling.protocol import DeclineFrame, JoinFrame, LeaveFrame, ProtocolError, SignalFrame, parse_frame


def parse(value: object | str) -> object:
    text = value if isinstance(value, str) else json.dumps(value)
    return parse_frame(text, max_frame_bytes=4096, max_sdp_bytes=1024)


def test_good_frames():
    assert parse({"type": "call.join"}) == JoinFrame(resume=None)
    assert parse({"type": "call.join", "resume": "tok"}) == JoinFrame(resume="tok")
    assert parse({"type": "call.leave"}) == LeaveFrame()
    assert parse({"type": "call.decline"}) == DeclineFrame(call_id=None)
    assert parse({"type": "call.decline", "call_id": 3}) == DeclineFrame(call_id=3)
    data = {"description": {"type": "offer", "sdp": "v=0"}}
    assert parse({"type": "signal", "to": "p1", "data": data}) == SignalFrame(to="p1", data=data)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (None, "bad_frame"),
        ("x" * 5000, "too_long"),
        ("é" * 2500, "too_long"),  # 5000 bytes in UTF-8
        ("{", "bad_json"),
        ('{"type": "signal", "to": "a", "data": {"x": Infinity}}', "bad_json"),
        ("[]", "bad_frame"),
        ('{"type": null}', "bad_frame"),
        ('{"type": "nope"}', "unknown_type"),
        ('{"type": "signal", "to": "a"}', "bad_frame"),
        ('{"type": "call.leave", "x": 1}', "bad_frame"),
        ('{"type": "signal", "to": "a\\n", "data": {}}', "bad_frame"),
        ('{"type": "signal", "to": "a", "data": []}', "bad_frame"),
        (json.dumps({"type": "signal", "to": "a", "data": {"sdp": "s" * 1025}}), "too_long"),
        (json.dumps({"type": "signal", "to": "a", "data": {"list": [{"sdp": "s" * 1025}]}}), "too_long"),
        ('{"type": "call.join", "resume": ""}', "bad_frame"),
        ('{"type": "call.decline", "call_id": "3"}', "bad_frame"),
    ],
)
def test_bad_frames(text, code):
    with pytest.raises(ProtocolError) as info:
        parse_frame(text, max_frame_bytes=4096, max_sdp_bytes=1024)
    assert info.value.code == code
    assert info.value.frame() == {"type": "error", "code": code, "detail": info.value.detail}


def test_sdp_at_the_limit_is_fine():
    frame = parse({"type": "signal", "to": "a", "data": {"sdp": "s" * 1024}})
    assert isinstance(frame, SignalFrame)
