"""Admin views of the queue desk that the casework screens do not generate: a ticket's file
(a private download for the ticket's staff)."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.urls import path

from addons.core.validation import parse_pk

from .models import Ticket, TicketFile
from .staff import can_handle


def ticket_file(request, code, pk):
    """A file of a ticket, for those who handle the ticket; always a download. Anyone else
    gets 404 (the ticket's existence is not revealed)."""
    ticket = get_object_or_404(Ticket.objects.select_related("queue"), code=code)
    if not can_handle(request.user, ticket):
        raise Http404
    item = get_object_or_404(TicketFile, pk=parse_pk(pk), ticket=ticket)
    try:
        handle = item.file.open("rb")
    except OSError as error:
        raise Http404 from error
    response = FileResponse(handle, as_attachment=True, filename=item.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def admin_urls():
    return [
        path("queues/ticket/<str:code>/file/<int:pk>/", ticket_file, name="queues_desk_file"),
    ]
