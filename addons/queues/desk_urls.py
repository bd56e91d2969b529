"""The former desk addresses under ``/queues/desk/`` (names ``queues:desk:...``): redirects
to the admin desk, and the queue's exports and private calendar feed, which stay here."""

from django.urls import path

from . import desk, feeds

app_name = "desk"
urlpatterns = [
    path("", desk.today, name="today"),
    path("find/", desk.find, name="find"),
    path("ticket/<str:code>/", desk.ticket_detail, name="ticket"),
    path("ticket/<str:code>/file/<int:pk>/", desk.ticket_file, name="file"),
    path("ticket/<str:code>/<slug:action>/", desk.elsewhere, name="action"),
    path("<int:queue_id>/cancel-day/", desk.elsewhere, name="cancel_day"),
    path("<int:queue_id>/export.<str:fmt>", feeds.export, name="export"),
    path("<int:queue_id>/calendar/<str:token>.ics", feeds.calendar, name="calendar"),
]
