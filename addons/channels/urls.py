"""The chat channels' public URLs (under /channels/)."""

from django.urls import path

from . import views

app_name = "channels"

urlpatterns = [
    path("<slug:platform>/<str:key>/", views.webhook, name="webhook"),
]
