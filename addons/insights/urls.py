"""Public URLs of the insights add-on: the transparency page, under /figures/."""

from django.urls import path

from . import public_views

app_name = "insights"

urlpatterns = [
    path("", public_views.figures_page, name="public"),
    path("<int:addressee_id>/", public_views.figures_page, name="public_addressee"),
]
