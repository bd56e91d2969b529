from django.urls import path

from . import views

app_name = "situational"
urlpatterns = [
    path("", views.report_list, name="list"),
    path("rss/", views.rss_feed, name="rss"),
    path("atom/", views.atom_feed, name="atom"),
]
