"""The person's record, the list of persons and the log of openings (namespace
``contacts-admin``, under /admin/contacts/persons/)."""

from django.urls import path

from . import person_views

urlpatterns = [
    path("", person_views.persons_view, name="persons"),
    path("<int:person_id>/", person_views.person_view, name="person"),
    path("<int:person_id>/accesses/", person_views.person_accesses_view,
         name="person-accesses"),
]
