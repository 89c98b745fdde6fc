from django.urls import path

from moderation.consumers import ModerationConsumer
from rooms.consumers import RoomConsumer
from signaling.routing import websocket_urlpatterns as signaling_routes

websocket_urlpatterns = [
    path("ws/rooms/<int:room_id>/", RoomConsumer.as_asgi()),
    path("ws/moderation/", ModerationConsumer.as_asgi()),
    *signaling_routes,
]
