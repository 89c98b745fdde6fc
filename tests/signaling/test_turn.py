"""TURN credentials the coturn use-auth-secret way, and the ICE server list. Pure."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from signaling.turn import ice_servers, sign, turn_credential, verify

NOW = 1_800_000_000.7


def test_format_and_expiry():
    cred = turn_credential("s3cret", 42, ttl=3600, now=NOW)
    assert cred.username == f"{int(NOW) + 3600}:42"
    assert cred.expires_at == int(NOW) + 3600
    raw = base64.b64decode(cred.credential, validate=True)
    assert len(raw) == 20  # SHA-1


def test_the_hmac_validates_with_the_secret_as_coturn_computes_it():
    cred = turn_credential("s3cret", 42, ttl=3600, now=NOW)
    expected = base64.b64encode(hmac.new(b"s3cret", cred.username.encode(), hashlib.sha1).digest()).decode()
    assert cred.credential == expected == sign("s3cret", cred.username)
    assert verify("s3cret", cred.username, cred.credential, now=NOW)
    assert not verify("other", cred.username, cred.credential, now=NOW)
    assert not verify("s3cret", f"{int(NOW) + 3600}:43", cred.credential, now=NOW)  # someone else's name


def test_expired_credentials_do_not_verify():
    cred = turn_credential("s3cret", 7, ttl=60, now=NOW)
    assert verify("s3cret", cred.username, cred.credential, now=NOW + 59)
    assert not verify("s3cret", cred.username, cred.credential, now=NOW + 60)
    assert not verify("s3cret", "garbage", cred.credential, now=NOW)


def test_fresh_credentials_each_time():
    later = turn_credential("s3cret", 7, ttl=60, now=NOW + 3000)
    assert later.expires_at == int(NOW) + 3060  # a long-open room asks again and gets a future expiry


def test_bad_arguments():
    with pytest.raises(ValueError):
        turn_credential("", 1, ttl=60, now=NOW)
    with pytest.raises(ValueError):
        turn_credential("s", 1, ttl=0, now=NOW)


def test_ice_servers_list():
    assert ice_servers(stun_urls=[], turn_urls=[], turn_secret="", user_id=1, ttl=60, now=NOW) == []
    stun_only = ice_servers(
        stun_urls=["stun:a:3478"], turn_urls=[], turn_secret="", user_id=1, ttl=60, now=NOW
    )
    assert stun_only == [{"urls": ["stun:a:3478"]}]
    both = ice_servers(
        stun_urls=["stun:a:3478"], turn_urls=["turn:a:3478"], turn_secret="k", user_id=9, ttl=60, now=NOW
    )
    assert both[1]["urls"] == ["turn:a:3478"] and both[1]["username"].endswith(":9")
    assert verify("k", both[1]["username"], both[1]["credential"], now=NOW)
