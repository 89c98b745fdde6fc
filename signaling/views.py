"""The calls HTTP API (docs/calls.md): thin views over signaling.services and signaling.devicecheck."""

from __future__ import annotations

import json
from typing import Any

from asgiref.sync import async_to_sync
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from chatserver.http import api_login_required, error
from rooms.access import NotAMember, membership_for
from rooms.writer import publish
from signaling import conf, services
from signaling.services import CallError, Events

_STATUS = {"no_call": 409, "conflict": 409, "forbidden": 403}


def _publish(events: Events) -> None:
    if events:
        async_to_sync(publish)(events)


def _call_room_for(request: HttpRequest, call_id: int) -> int | None:
    """The call's room if the user is a member of it (else None: we do not say whether it exists)."""
    room_id = services.call_room(call_id)
    if room_id is None:
        return None
    try:
        membership_for(request.user, room_id)
    except NotAMember:
        return None
    return room_id


def _user_id(request: HttpRequest) -> int:
    pk = request.user.pk
    assert pk is not None  # api_login_required ran first
    return int(pk)


def _not_yours() -> JsonResponse:
    return error(403, "forbidden", "you are not a member of this call's room")


@require_GET
@api_login_required
def ice_servers(request: HttpRequest) -> HttpResponse:
    servers, ttl = services.ice_config(_user_id(request))
    return JsonResponse({"ice_servers": servers, "ttl": ttl})


@require_GET
@api_login_required
def call_detail(request: HttpRequest, call_id: int) -> HttpResponse:
    if _call_room_for(request, call_id) is None:
        return _not_yours()
    payload, events = services.call_detail(call_id)
    _publish(events)
    return JsonResponse({"call": payload})


@require_GET
@api_login_required
def room_calls(request: HttpRequest, room_id: int) -> HttpResponse:
    try:
        membership_for(request.user, room_id)
    except NotAMember:
        return error(403, "forbidden", "you are not a member of this room")
    calls, events = services.room_calls(room_id)
    _publish(events)
    return JsonResponse({"calls": calls})


@require_POST
@api_login_required
def decline(request: HttpRequest, call_id: int) -> HttpResponse:
    room_id = _call_room_for(request, call_id)
    if room_id is None:
        return _not_yours()
    try:
        payload, events = services.decline_call(request.user, room_id, call_id)  # type: ignore[arg-type]
    except CallError as err:
        _publish(err.events)
        return error(_STATUS.get(err.code, 400), err.code, err.detail)
    _publish(events)
    return JsonResponse({"call": payload})


@require_http_methods(["POST", "DELETE"])
async def device_check(request: HttpRequest) -> HttpResponse:
    from signaling import devicecheck  # aiortc is loaded only when someone checks their devices

    user = await request.auser()
    if not user.is_authenticated:
        return error(401, "not_logged_in", "log in at /accounts/login/ first")
    registry = devicecheck.get_registry()
    if request.method == "DELETE":
        return JsonResponse({"closed": await registry.hang_up(user.pk)})
    try:
        offer = _offer(request.body)
    except ValueError as exc:
        return error(400, "bad_request", str(exc))
    seconds = float(conf.get("DEVICE_CHECK_SECONDS"))
    servers, _ = services.ice_config(user.pk)
    try:
        answer = await registry.start(
            user.pk, offer, ice_servers=servers, limit=int(conf.get("DEVICE_CHECK_MAX")), seconds=seconds
        )
    except devicecheck.Busy as exc:
        response = error(503, "busy", str(exc))
        response["Retry-After"] = "30"
        return response
    except devicecheck.BadOffer as exc:
        return error(400, "bad_request", str(exc))
    return JsonResponse({"type": answer.type, "sdp": answer.sdp, "expires_in": seconds})


def _offer(body: bytes) -> str:
    if len(body) > conf.max_frame_bytes():
        raise ValueError(f"body is larger than {conf.max_frame_bytes()} bytes")
    try:
        data: Any = json.loads(body)
    except ValueError:
        raise ValueError("body is not valid JSON") from None
    if not isinstance(data, dict) or set(data) != {"type", "sdp"}:
        raise ValueError('body must be {"type": "offer", "sdp": "..."}')
    if data["type"] != "offer" or not isinstance(data["sdp"], str) or not data["sdp"].strip():
        raise ValueError('body must be {"type": "offer", "sdp": "..."}')
    if len(data["sdp"].encode()) > conf.max_sdp_bytes():
        raise ValueError(f"sdp is larger than {conf.max_sdp_bytes()} bytes")
    return str(data["sdp"])
