from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from rooms import services


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html", {"rooms": services.rooms_for(request.user)})  # type: ignore[arg-type]
