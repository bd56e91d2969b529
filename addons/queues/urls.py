from django.urls import include, path

from . import views

app_name = "queues"
urlpatterns = [
    path("", views.my_tickets, name="mine"),
    path("<int:queue_id>/", views.book, name="book"),
    path("ticket/<str:code>/", views.ticket, name="ticket"),
    path("ticket/<str:code>/pdf/", views.ticket_pdf, name="ticket_pdf"),
    path("ticket/<str:code>/ics/", views.ticket_ics, name="ticket_ics"),
    path("ticket/<str:code>/email/", views.email_ticket, name="email"),
    path("ticket/<str:code>/cancel/", views.cancel_ticket, name="cancel"),
    path("ticket/<str:code>/move/", views.move_ticket, name="move"),
    path("desk/", include("addons.queues.desk_urls")),
]
