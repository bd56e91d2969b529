"""Core's API under ``/api/v1/`` (names ``core-api:...``)."""

from django.urls import path

from .api import WorkspaceSummaryView

urlpatterns = [
    path("workspace/summary/", WorkspaceSummaryView.as_view(), name="workspace_summary"),
]
