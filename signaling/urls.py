"""HTTP routes of the signaling app (included by chatserver.urls under /api/calls/)."""

from __future__ import annotations

from django.urls import path

from signaling import views

urlpatterns = [
    path("ice-servers/", views.ice_servers, name="api-call-ice-servers"),
    path("device-check", views.device_check, name="api-call-device-check"),
    path("rooms/<int:room_id>/", views.room_calls, name="api-room-calls"),
    path("<int:call_id>/", views.call_detail, name="api-call-detail"),
    path("<int:call_id>/decline", views.decline, name="api-call-decline"),
]
