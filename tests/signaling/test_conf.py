"""The signaling settings read from the environment fail loudly on a bad value."""

from __future__ import annotations

import importlib
from collections.abc import Iterator

import pytest
from django.core.exceptions import ImproperlyConfigured

from signaling import conf


@pytest.fixture
def reload_conf(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    yield monkeypatch
    monkeypatch.undo()
    importlib.reload(conf)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"CALL_RING_TIMEOUT": "0"}, "CALL_RING_TIMEOUT=0 must be at least 1"),
        ({"CALL_MAX_PEERS": "many"}, "CALL_MAX_PEERS='many' is not an integer"),
        ({"STUN_URLS": "stun.example.org:3478"}, "must start with one of stun:, stuns:"),
        ({"TURN_URLS": "turn:a:3478,,turn:b:3478", "TURN_SECRET": "k"}, "has an empty item"),
        ({"TURN_URLS": "turn:a:3478"}, "TURN_URLS is set but TURN_SECRET is not"),
    ],
)
def test_bad_environment(reload_conf, env, message):
    for name, value in env.items():
        reload_conf.setenv(name, value)
    with pytest.raises(ImproperlyConfigured, match=message):
        importlib.reload(conf)


def test_good_environment(reload_conf):
    reload_conf.setenv("STUN_URLS", "stun:a:3478, stuns:b:5349")
    reload_conf.setenv("TURN_URLS", "turn:a:3478?transport=udp")
    reload_conf.setenv("TURN_SECRET", "k")
    reload_conf.setenv("CALL_RESUME_WINDOW", "12")
    importlib.reload(conf)
    assert conf._ENV["STUN_URLS"] == ["stun:a:3478", "stuns:b:5349"]
    assert conf._ENV["TURN_URLS"] == ["turn:a:3478?transport=udp"]
    assert conf._ENV["CALL_RESUME_WINDOW"] == 12
    assert conf.heartbeat() == 4  # a third of the window


def test_empty_means_none(reload_conf):
    reload_conf.setenv("STUN_URLS", "")
    reload_conf.setenv("TURN_URLS", " ")
    importlib.reload(conf)
    assert conf._ENV["STUN_URLS"] == [] and conf._ENV["TURN_URLS"] == []
