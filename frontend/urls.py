from django.urls import path

from frontend import views

urlpatterns = [
    path("", views.home, name="home"),
    path("rooms/<int:room_id>/", views.room, name="room"),
    path("moderation/", views.moderation, name="moderation"),
]
