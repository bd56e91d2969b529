from django.urls import path

from . import views

urlpatterns = [
    path("bounces/", views.bounce_webhook, name="bounce_webhook"),
]
