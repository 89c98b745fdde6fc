"""The chat HTTP API: rooms of the logged-in user and message history, with access checks."""

from __future__ import annotations

import pytest
from django.test import Client

from rooms import services
from tests.conftest import Cast

pytestmark = pytest.mark.django_db(transaction=True)


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def put(cast: Cast, room, n: int, sender=None) -> None:
    sender = sender or cast.maya
    payload = {
        "id": sender.pk,
        "username": sender.username,
        "display_name": sender.first_name,
        "role": "mentee",
    }
    services.store_batch(
        [services.SendItem(room.pk, sender.pk, payload, f"c{i}", f"body {i}") for i in range(n)]
    )


def test_rooms_lists_only_my_rooms(cast):
    data = client_for(cast.maya).get("/api/rooms/").json()
    assert [r["name"] for r in data["rooms"]] == ["Maya & Sam", "Tuesday workshop"]
    pair = data["rooms"][0]
    assert pair["kind"] == "pair" and pair["last_seq"] == 0
    assert {(m["username"], m["role"]) for m in pair["members"]} == {("maya", "mentee"), ("sam", "mentor")}
    assert set(pair["members"][0]) == {"id", "username", "display_name", "role"}
    assert client_for(cast.charlie).get("/api/rooms/").json() == {"rooms": []}


def test_anonymous_gets_401_json(cast):
    resp = Client().get("/api/rooms/")
    assert resp.status_code == 401 and resp.json()["error"]["code"] == "not_logged_in"
    resp = Client().get(f"/api/rooms/{cast.pair.pk}/messages")
    assert resp.status_code == 401


def test_messages_after_and_limit_in_seq_order(cast):
    put(cast, cast.pair, 12)
    c = client_for(cast.sam)
    data = c.get(f"/api/rooms/{cast.pair.pk}/messages?after=3&limit=5").json()
    assert [m["seq"] for m in data["messages"]] == [4, 5, 6, 7, 8]
    assert data["last_seq"] == 12
    assert data["messages"][0]["html"] == "body 3" and data["messages"][0]["sender"]["role"] == "mentee"
    everything = c.get(f"/api/rooms/{cast.pair.pk}/messages").json()["messages"]
    assert [m["seq"] for m in everything] == list(range(1, 13))
    older = c.get(f"/api/rooms/{cast.pair.pk}/messages?before=6&limit=3").json()["messages"]
    assert [m["seq"] for m in older] == [3, 4, 5]


def test_non_member_forbidden(cast):
    put(cast, cast.pair, 1)
    for user in (cast.charlie, cast.leo, cast.riley):
        resp = client_for(user).get(f"/api/rooms/{cast.pair.pk}/messages")
        assert resp.status_code == 403 and resp.json()["error"]["code"] == "forbidden"
        assert "body" not in resp.content.decode()


@pytest.mark.parametrize(
    "query", ["after=-1", "after=x", "limit=0", "limit=5000", "limit=1.5", "after=1&before=3"], ids=str
)
def test_bad_parameters_are_400_and_change_nothing(cast, query):
    put(cast, cast.pair, 2)
    c = client_for(cast.maya)
    resp = c.get(f"/api/rooms/{cast.pair.pk}/messages?{query}")
    assert resp.status_code == 400
    err = resp.json()["error"]
    assert err["code"] == "bad_request" and err["detail"]
    assert len(c.get(f"/api/rooms/{cast.pair.pk}/messages").json()["messages"]) == 2


def test_post_not_allowed(cast):
    assert client_for(cast.maya).post("/api/rooms/").status_code == 405


def test_store_batch_dedupes_within_a_batch_and_against_the_database(cast):
    sender = {"id": cast.maya.pk, "username": "maya", "display_name": "Maya", "role": "mentee"}
    item = services.SendItem(cast.pair.pk, cast.maya.pk, sender, "same", "x")
    other = services.SendItem(cast.pair.pk, cast.maya.pk, sender, "other", "y")
    out = services.store_batch([item, other, item])
    seqs = [r.message["seq"] for r in out.results if r.message]
    assert seqs == [1, 2, 1] and [r.created for r in out.results] == [True, True, False]
    again = services.store_batch([item])
    assert again.results[0].message == out.results[0].message and not again.results[0].created
    assert services.last_seq(cast.pair.pk) == 2
