"""The figures' staff screens under /admin/insights/ (registered in wagtail_hooks.py)."""

from django.urls import path

from . import views

app_name = "insights-admin"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("addressee/<int:pk>/", views.dashboard, name="addressee"),
    path("records/", views.records, name="records"),
    path("records/export.<str:kind>", views.records_export, name="records_export"),
    path("rankings/", views.rankings, name="rankings"),
    path("export.<str:kind>", views.export, name="export"),
]
