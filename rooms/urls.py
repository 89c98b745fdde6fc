from django.urls import path

from rooms import views

urlpatterns = [
    path("rooms/", views.room_list, name="api-rooms"),
    path("rooms/<int:room_id>/messages", views.room_messages, name="api-room-messages"),
]
