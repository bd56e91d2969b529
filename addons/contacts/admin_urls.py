"""The contact center's screens under /admin/contacts/ (registered in wagtail_hooks.py)."""

from django.urls import include, path

from . import views

app_name = "contacts-admin"

urlpatterns = [
    path("", views.console, name="console"),
    path("current-calls/", views.current_calls, name="current_calls"),
    path("call/", views.call, name="call"),
    path("interactions/", views.interactions, name="interactions"),
    path("interactions/new/", views.interaction_new, name="interaction_new"),
    path("interactions/<str:pk>/", views.interaction, name="interaction"),
    path("callbacks/", views.callbacks, name="callbacks"),
    path("callbacks/<str:pk>/done/", views.callback_done, name="callback_done"),
    path("callbacks/<str:pk>/owner/", views.callback_owner, name="callback_owner"),
    path("manage/<slug:kind>/", views.managed_list, name="managed"),
    path("manage/<slug:kind>/new/", views.managed_edit, name="managed_new"),
    path("manage/<slug:kind>/<str:pk>/", views.managed_edit, name="managed_edit"),
    # the person's record: identities, possible matches, timeline (person_urls.py)
    path("persons/", include("addons.contacts.person_urls")),
    # filing on a caller's behalf (intake_urls.py)
    path("file/", include("addons.contacts.intake_urls")),
]
