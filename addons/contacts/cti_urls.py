from django.urls import path

from . import cti

urlpatterns = [
    path("<str:token>/", cti.event, name="cti"),
]
