"""The queue tickets of a person on their timeline (``TimelineSource`` "tickets"): visits
booked from their account, or by an operator with one of their phones or e-mails. A ticket
of a deputy's reception says so; the question the citizen brings stays off the timeline
(it is seen only on the ticket, by the queue's staff)."""

from __future__ import annotations

from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from addons.core.addon import TimelineEntry
from addons.core.timeline import (
    account_ids,
    any_of,
    digits_expression,
    email_q,
    in_period,
    newest_first,
    phone_matches,
    phone_q,
    phone_region,
    typed_contacts,
)

from .models import Ticket, TicketStatus


def _url(ticket) -> str:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("casework_tickets:inspect", args=[ticket.pk])
    except NoReverseMatch:
        return ""


def _is_reception(ticket) -> bool:
    addressee = ticket.queue.addressee
    return bool(addressee is not None and addressee.kind == "deputy")


def entries(site, identities, user, *, since=None, until=None, limit=200):
    accounts = account_ids(identities)
    by_phone = phone_q("phone_digits", identities)
    condition = any_of(Q(citizen_id__in=accounts) if accounts else None,
                       email_q("contact_email", identities), by_phone)
    if condition is None:
        return []
    queryset = (Ticket.objects.filter(queue__site_id=site.pk)
                .annotate(phone_digits=digits_expression("contact_phone"))
                .filter(condition)
                .select_related("queue", "queue__addressee")
                .defer("question", "comment", "answers")
                .order_by("-created", "-pk"))
    queryset = in_period(queryset, "created", since, until)
    region = phone_region(site) if by_phone is not None else ""
    emails = set(identities.get("email", ()) or ())
    now = timezone.now()
    found = []
    for ticket in queryset[: limit * 2]:
        if not (ticket.citizen_id in accounts
                or ticket.contact_email.casefold() in emails
                or phone_matches(ticket.contact_phone, identities, region)):
            continue
        when = formats.date_format(timezone.localtime(ticket.start), "DATETIME_FORMAT")
        if _is_reception(ticket):
            title = _("Reception: %(queue)s") % {"queue": ticket.queue.title}
        else:
            title = _("Queue: %(queue)s") % {"queue": ticket.queue.title}
        summary = _("%(service)s, %(when)s") % {"service": ticket.service_name, "when": when}
        found.append(TimelineEntry(
            source="tickets",
            at=ticket.created,
            title=title,
            reference=ticket.number,
            status=str(ticket.get_status_display()),
            url=_url(ticket),
            summary=summary,
            open=ticket.status == TicketStatus.BOOKED and ticket.end > now,
        ))
        if len(found) >= limit:
            break
    return newest_first(found, limit)


def contacts(site):
    yield from typed_contacts(
        Ticket.objects.filter(queue__site_id=site.pk),
        name=("contact_name", "citizen__full_name"), email="contact_email",
        phone="contact_phone", user_id="citizen_id", language="citizen__language")
