from django.urls import path

from . import views

app_name = "addressees"

urlpatterns = [
    path("suggest/", views.suggest, name="suggest"),
    path("subtree/<int:page_id>/", views.subtree, name="subtree"),
    path("<int:page_id>/feedback/", views.feedback, name="feedback"),
]
