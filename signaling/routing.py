"""Websocket routes of the signaling app (included by chatserver.routing)."""

from __future__ import annotations

from django.urls import path

from signaling.consumers import CallConsumer

websocket_urlpatterns = [
    path("ws/rooms/<int:room_id>/call/", CallConsumer.as_asgi()),
]
