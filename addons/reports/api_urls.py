from django.urls import path

from .situational.api import geojson_view

urlpatterns = [
    path("reports.geojson", geojson_view, name="geojson"),
]
