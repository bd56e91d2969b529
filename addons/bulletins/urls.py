from django.urls import path

from . import feeds, views

app_name = "bulletins"
urlpatterns = [
    path("", views.digest, name="digest"),
    path("rss/", feeds.DigestRssFeed(), name="rss"),
    path("atom/", feeds.DigestAtomFeed(), name="atom"),
    path("<int:pk>/", views.detail, name="detail"),
    path("subscribe/", views.subscribe, name="subscribe"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("subscriptions/", views.subscriptions, name="subscriptions"),
    path("subscriptions/<int:pk>/change/", views.change, name="change"),
    path("subscriptions/<int:pk>/end/", views.end, name="end"),
]
