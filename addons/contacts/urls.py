"""The contact center's public URLs (under /contacts/): what phone systems call."""

from django.urls import include, path

app_name = "contacts"

urlpatterns = [
    # call events from the town's phone system (cti_urls.py)
    path("cti/", include("addons.contacts.cti_urls")),
    # the status line's voice webhook (voice_urls.py)
    path("voice/", include("addons.contacts.voice_urls")),
]
