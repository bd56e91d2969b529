from django.urls import include, path

from . import views
from .triage import views as triage_views

app_name = "reports"
urlpatterns = [
    path("map/", include("addons.reports.situational.urls")),
    path("suggest/", triage_views.suggest, name="suggest"),
    path("new/", views.new_report, name="new"),
    path("nearby/", views.nearby, name="nearby"),
    path("geocode/", views.geocode_address, name="geocode"),
    path("unsubscribe/<uuid:token>/", views.unsubscribe, name="unsubscribe"),
    path("<str:number>/", views.report_detail, name="detail"),
    path("<str:number>/submitted/", views.submitted, name="submitted"),
    path("<str:number>/cosign/", views.report_cosign, name="cosign"),
    path("<str:number>/follow/", views.report_subscribe, name="subscribe"),
    path("<str:number>/confirm/<str:token>/", views.confirm_email, name="confirm"),
    path("<str:number>/status/", views.report_status, name="status"),
    path("<str:number>/feedback/", views.feedback, name="feedback"),
    path("<str:number>/photos/<int:pk>/", views.photo, name="photo"),
    path("<str:number>/photos/<int:pk>/thumbnail/", views.thumbnail, name="thumbnail"),
]
