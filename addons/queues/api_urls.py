"""The queue's API under ``/api/v1/`` (names ``queues-api:...``)."""

from django.urls import path

from .api import QueueSlotsView, QueueTicketsView, TicketDetailView

urlpatterns = [
    path("queues/<int:queue_id>/slots/", QueueSlotsView.as_view(), name="slots"),
    path("queues/<int:queue_id>/tickets/", QueueTicketsView.as_view(), name="tickets"),
    path("tickets/<str:code>/", TicketDetailView.as_view(), name="ticket"),
]
