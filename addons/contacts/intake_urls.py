"""Filing on a caller's behalf (intake_views.py), under /admin/contacts/file/."""

from django.urls import path

from . import intake_views

urlpatterns = [
    path("", intake_views.file_for_caller, name="file"),
]
