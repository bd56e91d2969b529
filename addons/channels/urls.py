"""The chat channels' public URLs (under /channels/)."""

from django.urls import path

from . import views, webchat_views

app_name = "channels"

urlpatterns = [
    # the site's own chat (webchat_views.py)
    path("chat/<str:key>/start/", webchat_views.start, name="chat_start"),
    path("chat/<str:key>/send/", webchat_views.send, name="chat_send"),
    path("chat/<str:key>/poll/", webchat_views.poll, name="chat_poll"),
    path("<slug:platform>/<str:key>/", views.webhook, name="webhook"),
]
