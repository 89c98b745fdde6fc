from django.urls import path

from moderation import views

urlpatterns = [
    path("flags/", views.flags, name="api-flags"),
    path("flags/<int:flag_id>/", views.flag, name="api-flag"),
    path("flags/<int:flag_id>/conversation", views.conversation, name="api-flag-conversation"),
]
