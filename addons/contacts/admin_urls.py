"""The contact center's screens under /admin/contacts/ (registered in wagtail_hooks.py)."""

from django.urls import include, path

app_name = "contacts-admin"

urlpatterns = [
    # the person's record: identities, possible matches, timeline (person_urls.py)
    path("persons/", include("addons.contacts.person_urls")),
    # filing on a caller's behalf (intake_urls.py)
    path("file/", include("addons.contacts.intake_urls")),
]
