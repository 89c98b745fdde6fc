"""The chat HTTP API (docs/protocol.md): thin views over rooms.services."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from chatserver.http import BadParam, api_login_required, error, int_param
from rooms import services
from rooms.access import NotAMember, membership_for


@require_GET
@api_login_required
def room_list(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"rooms": services.rooms_for(request.user)})  # type: ignore[arg-type]


@require_GET
@api_login_required
def room_messages(request: HttpRequest, room_id: int) -> HttpResponse:
    try:
        membership_for(request.user, room_id)
    except NotAMember:
        return error(403, "forbidden", "you are not a member of this room")
    page = settings.CHAT_HISTORY_PAGE
    try:
        after = int_param(request, "after", 0)
        before = int_param(request, "before", 0)
        limit = int_param(request, "limit", page, minimum=1, maximum=1000)
    except BadParam as exc:
        return error(400, "bad_request", str(exc))
    if before and "after" in request.GET:
        return error(400, "bad_request", "give either 'after' or 'before', not both")
    if before:
        messages = services.messages_before(room_id, before, limit)
    else:
        messages = services.messages_after(room_id, after, limit)
    return JsonResponse({"messages": messages, "last_seq": services.last_seq(room_id)})
