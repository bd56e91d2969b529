"""The chats' staff inbox under /admin/channels/ (registered in wagtail_hooks.py)."""

from django.urls import path

from . import staff_views

app_name = "channels-admin"

urlpatterns = [
    path("", staff_views.conversations, name="conversations"),
    path("<int:pk>/", staff_views.conversation, name="conversation"),
    path("<int:pk>/take-over/", staff_views.take_over, name="take_over"),
    path("<int:pk>/hand-back/", staff_views.hand_back, name="hand_back"),
]
