"""Small helpers for JSON endpoints: one error shape, and login that answers 401 instead of redirecting."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse


def error(status: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "detail": detail}}, status=status)


def api_login_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return error(401, "not_logged_in", "log in at /accounts/login/ first")
        return view(request, *args, **kwargs)

    return wrapper


def int_param(
    request: HttpRequest, name: str, default: int, *, minimum: int = 0, maximum: int | None = None
) -> int:
    raw = request.GET.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit():
        raise BadParam(f"'{name}' must be a non-negative integer")
    value = int(raw)
    if value < minimum or (maximum is not None and value > maximum):
        limit = f" and at most {maximum}" if maximum is not None else ""
        raise BadParam(f"'{name}' must be at least {minimum}{limit}")
    return value


class BadParam(ValueError):
    pass
