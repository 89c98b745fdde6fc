"""Moderation HTTP API (docs/protocol.md): thin views over moderation.services."""

from __future__ import annotations

import json
from typing import Any

from asgiref.sync import async_to_sync
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET, require_http_methods

from chatserver.http import api_login_required, error
from moderation import services
from moderation.access import is_moderator
from moderation.workflow import IllegalAction
from rooms.writer import publish

STATUSES = {"open", "acknowledged", "resolved", "dismissed"}


def _staff_only(request: HttpRequest) -> HttpResponse | None:
    if not is_moderator(request.user):
        return error(403, "forbidden", "moderation permission required")
    return None


@require_http_methods(["GET", "POST"])
@api_login_required
def flags(request: HttpRequest) -> HttpResponse:
    if (refused := _staff_only(request)) is not None:
        return refused
    if request.method == "GET":
        wanted = request.GET.get("status", "open,acknowledged").split(",")
        if not set(wanted) <= STATUSES:
            return error(
                400, "bad_request", f"'status' must be a comma-separated subset of {sorted(STATUSES)}"
            )
        return JsonResponse({"flags": services.queue(wanted)})
    return _act(request, None)


@require_http_methods(["GET", "POST"])
@api_login_required
def flag(request: HttpRequest, flag_id: int) -> HttpResponse:
    if (refused := _staff_only(request)) is not None:
        return refused
    if request.method == "GET":
        try:
            return JsonResponse({"flag": services.flag_detail(request.user, flag_id)})
        except LookupError:
            return error(404, "not_found", "no such flag")
    return _act(request, flag_id)


@require_GET
@api_login_required
def conversation(request: HttpRequest, flag_id: int) -> HttpResponse:
    if (refused := _staff_only(request)) is not None:
        return refused
    try:
        return JsonResponse(
            services.conversation_for_review(request.user, flag_id, request.GET.get("reason", ""))
        )
    except LookupError:
        return error(404, "not_found", "no such flag")


def _act(request: HttpRequest, flag_id: int | None) -> HttpResponse:
    try:
        body: Any = json.loads(request.body or b"{}")
    except ValueError:
        return error(400, "bad_json", "the body must be JSON")
    if not isinstance(body, dict):
        return error(400, "bad_request", "the body must be a JSON object")
    allowed = {"action", "note", "assignee"} | ({"flag_id"} if flag_id is None else set())
    if extra := set(body) - allowed:
        return error(400, "bad_request", f"unknown field(s): {', '.join(sorted(extra))}")
    target = flag_id if flag_id is not None else body.get("flag_id")
    action, note, assignee = body.get("action"), body.get("note", ""), body.get("assignee")
    if isinstance(target, bool) or not isinstance(target, int):
        return error(400, "bad_request", "'flag_id' must be an integer")
    if not isinstance(action, str) or not isinstance(note, str):
        return error(400, "bad_request", "'action' and 'note' must be strings")
    if assignee is not None and (isinstance(assignee, bool) or not isinstance(assignee, int)):
        return error(400, "bad_request", "'assignee' must be a user id or null")
    try:
        payload, event = services.act(request.user, target, action, note, assignee)
    except LookupError:
        return error(404, "not_found", "no such flag")
    except IllegalAction as exc:
        return error(409 if exc.code == "conflict" else 400, exc.code, exc.detail)
    async_to_sync(publish)([event])
    return JsonResponse({"flag": payload})
