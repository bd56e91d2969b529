from django.urls import path

from .situational.api import geojson_view
from .situational.city import city_view

urlpatterns = [
    path("reports.geojson", geojson_view, name="geojson"),
    path("map.geojson", city_view, name="city"),
]
