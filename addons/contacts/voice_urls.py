"""The status line's voice webhook (under /contacts/voice/ on the town's host name)."""

from django.urls import path

from . import voice

urlpatterns = [
    path("", voice.webhook, name="voice"),
]
