"""Who works at the queue desk, what they see there, and the staff home's figures.

The desk is the casework screen of tickets (``Casework(key="tickets")`` in apps.py). It is
worked by administrators (superusers, holders of ``queues.view_ticket`` or
``queues.change_ticket``), the moderators of a queue's addressee and the specialists of that
addressee page whose user account is set (``Specialist.user``). Specialists join the "Desk"
group, which gives them the admin: a specialist with no other role there sees only the desk.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from . import services
from .models import Queue, Ticket, TicketStatus

#: the group that gives specialists the admin (created by migration 0005 and ``setup``)
DESK_GROUP = "Desk"
#: the statuses counted on the staff home, in this order ("waiting" is a booked ticket)
FIGURE_STATUSES = (TicketStatus.BOOKED, TicketStatus.ARRIVED, TicketStatus.SERVED,
                   TicketStatus.NO_SHOW)
FIGURE_LABELS = {
    TicketStatus.BOOKED: _("Waiting"),
    TicketStatus.ARRIVED: _("Arrived"),
    TicketStatus.SERVED: _("Served"),
    TicketStatus.NO_SHOW: _("Did not come"),
}


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def is_administrator(user) -> bool:
    """Works at every queue (of the site being worked on)."""
    return _active(user) and (user.is_superuser or user.has_perm("queues.change_ticket")
                              or user.has_perm("queues.view_ticket"))


def desk_addressee_ids(user) -> set[int]:
    """Addressees whose queues ``user`` handles (see ``services.staff_addressee_ids``)."""
    if not _active(user):
        return set()
    return services.staff_addressee_ids(user)


def desk_queues(user, site=None):
    """Queues ``user`` works at (every queue for administrators), of ``site`` when given."""
    queryset = Queue.objects.select_related("addressee")
    if site is not None:
        queryset = queryset.filter(site=site)
    if is_administrator(user):
        return queryset
    if not _active(user):
        return queryset.none()
    return queryset.filter(addressee_id__in=desk_addressee_ids(user))


def desk_tickets(user, site=None):
    """Tickets of the queues ``user`` works at, of ``site`` when given."""
    queryset = Ticket.objects.all()
    if site is not None:
        queryset = queryset.filter(queue__site=site)
    if is_administrator(user):
        return queryset
    if not _active(user):
        return queryset.none()
    return queryset.filter(queue__addressee_id__in=desk_addressee_ids(user))


def scope(user, site):
    """The casework scope of tickets: what ``user`` works on at ``site``'s desk."""
    return desk_tickets(user, site).select_related("queue", "citizen")


def is_desk_staff(user) -> bool:
    return is_administrator(user) or bool(desk_addressee_ids(user))


def can_handle(user, ticket) -> bool:
    """Whether ``user`` may see ``ticket`` in full and act on it at the desk."""
    if is_administrator(user):
        return True
    addressee_id = ticket.queue.addressee_id
    return addressee_id is not None and addressee_id in desk_addressee_ids(user)


def open_tickets():
    """Tickets still to be dealt with at the desk (the ``open`` of the declaration)."""
    from django.db.models import Q

    return Q(status__in=[TicketStatus.BOOKED, TicketStatus.ARRIVED])


# --- the desk list's address and the staff home's figures ----------------------------------


#: the admin desk's list of tickets (core's casework screens, ``Casework(key="tickets")``)
LIST_URL_NAME = "casework_tickets:index"


def list_url(*, queue=None, status=None, day=None) -> str:
    """The desk list of tickets of ``queue`` with ``status`` on ``day`` (any left out: every
    one): the admin's casework list with its filters."""
    query = {}
    if queue is not None:
        query["queue"] = getattr(queue, "pk", queue)
    if status:
        query["status"] = status
    if day is not None:
        query["day_from"] = query["day_to"] = day.isoformat()
    base = reverse(LIST_URL_NAME)
    return f"{base}?{urlencode(query)}" if query else base


def detail_url(ticket) -> str:
    """A ticket's page at the admin desk."""
    return reverse("casework_tickets:inspect", args=[ticket.pk])


def site_today(site):
    """Today in ``site``'s time zone (``SiteProfile.time_zone``)."""
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    from addons.core.models import SiteProfile

    try:
        zone = ZoneInfo(SiteProfile.for_site(site).time_zone) if site else None
    except Exception:  # an unknown zone name: the server's
        zone = None
    return timezone.localdate(timezone=zone or timezone.get_default_timezone())


def list_default(request) -> dict:
    """The desk opens on today's tickets (the site's day)."""
    from addons.core.casework.desk import work_site

    today = site_today(work_site(request)).isoformat()
    return {"day_from": today, "day_to": today}


def today_figures(user, site):
    """Today's queue on the staff home: for every queue ``user`` works at on ``site``, how
    many tickets wait, arrived, were served and did not come today (the site's day). Each
    figure links to the desk list of exactly those tickets."""
    from addons.core.casework import Figure

    queues = list(desk_queues(user, site).order_by("title", "pk"))
    if not queues:
        return []
    today = services.local_today(queues[0])
    counts = {
        (row["queue_id"], row["status"]): row["n"]
        for row in Ticket.objects.filter(queue__in=queues, day=today)
        .values("queue_id", "status").annotate(n=Count("pk"))
    }
    figures = []
    for queue in queues:
        for status in FIGURE_STATUSES:
            figures.append(Figure(
                key=f"queue-{queue.pk}-{status}",
                label=FIGURE_LABELS[status],
                value=counts.get((queue.pk, status), 0),
                url=list_url(queue=queue.pk, status=status, day=today),
                group=queue.title,
            ))
    return figures


# --- specialists in the admin ---------------------------------------------------------------


def desk_group():
    """The "Desk" group with admin access (idempotent)."""
    from django.contrib.auth.models import Group, Permission

    group, _created = Group.objects.get_or_create(name=DESK_GROUP)
    access = Permission.objects.filter(content_type__app_label="wagtailadmin",
                                       codename="access_admin").first()
    if access is not None:
        group.permissions.add(access)
    return group


def is_specialist(user) -> bool:
    from addons.addressees.models import Specialist

    return _active(user) and Specialist.objects.filter(user=user).exists()


def sync_desk_member(user) -> None:
    """Put ``user`` in the "Desk" group while they are a specialist of some addressee, and
    take them out when they no longer are."""
    if user is None:
        return
    group = desk_group()
    from addons.addressees.models import Specialist

    if Specialist.objects.filter(user=user).exists():
        user.groups.add(group)
    else:
        user.groups.remove(group)


def sync_desk_members() -> None:
    """Every specialist with a user account in the "Desk" group (``setup``, idempotent)."""
    from django.contrib.auth import get_user_model

    from addons.addressees.models import Specialist

    group = desk_group()
    ids = set(Specialist.objects.exclude(user=None).values_list("user_id", flat=True))
    group.user_set.add(*get_user_model().objects.filter(pk__in=ids))


def is_desk_only(user) -> bool:
    """A specialist whose only role in the admin is the desk: no superuser, no moderated
    addressee, no permission beyond admin access. They see the desk and nothing else."""
    if not _active(user) or user.is_superuser:
        return False
    cached = getattr(user, "_queues_desk_only", None)
    if cached is not None:
        return cached
    from addons.core.permissions import moderated_addressee_ids

    result = (
        set(user.get_all_permissions()) <= {"wagtailadmin.access_admin"}
        and not moderated_addressee_ids(user)
        and not _has_page_or_collection_permissions(user)
        and is_specialist(user)
    )
    user._queues_desk_only = result
    return result


def _has_page_or_collection_permissions(user) -> bool:
    from wagtail.models import GroupCollectionPermission, GroupPagePermission

    groups = user.groups.all()
    return (GroupPagePermission.objects.filter(group__in=groups).exists()
            or GroupCollectionPermission.objects.filter(group__in=groups).exists())


# --- the detail screen's sections (``detail_sections`` of the declaration) -----------------


def ticket_section(ticket, request) -> dict:
    """The ticket and its citizen. The citizen's question (a deputy's reception) is shown
    only to those who handle the ticket at the desk, as on the ticket page."""
    from .documents import ticket_address

    handles = can_handle(request.user, ticket)
    return {
        "ticket": ticket,
        "address": ticket_address(ticket),
        "citizen": ticket.citizen if handles else None,
        "question": ticket.question if handles else "",
        "answers": ticket.answers if handles else {},
        "cancelled": ticket.status == TicketStatus.CANCELLED,
    }


def files_section(ticket, request) -> dict:
    files = list(ticket.files.order_by("created", "pk"))
    for item in files:
        item.download_url = reverse("queues_desk_file", args=[ticket.code, item.pk])
    return {"ticket": ticket, "files": files}


def history_section(ticket, request) -> dict:
    """What was done to the ticket, from Wagtail's audit log (newest first)."""
    from wagtail.log_actions import registry as log_registry

    entries = list(log_registry.get_logs_for_instance(ticket).select_related("user")
                   .order_by("-timestamp", "-pk")[:200])
    return {"ticket": ticket, "entries": entries}


#: the admin menu items a desk-only specialist keeps: "Work" with the queue desk in it, and
#: the staff home
DESK_MENU_NAMES = frozenset({"casework", "casework-tickets", "staff-home"})

#: admin URLs a desk-only specialist may open besides the desk: the staff home, their account,
#: signing in and out, and what every admin page loads
DESK_ADMIN_URL_NAMES = frozenset({
    "wagtailadmin_home", "wagtailadmin_login", "wagtailadmin_logout",
    "wagtailadmin_javascript_catalog", "wagtailadmin_sprite", "queues_desk_file",
    "wagtailadmin_password_reset", "wagtailadmin_password_reset_done",
    "wagtailadmin_password_reset_confirm", "wagtailadmin_password_reset_complete",
})


def is_desk_url(match) -> bool:
    """Whether the resolved admin URL belongs to the desk (or what every user keeps)."""
    if match is None:
        return False
    name = match.url_name or ""
    if name in DESK_ADMIN_URL_NAMES or name.startswith("wagtailadmin_account"):
        return True
    if name == "wagtail_bulk_action":  # the desk list's bulk actions on tickets only
        return (match.kwargs.get("app_label"), match.kwargs.get("model_name")) == (
            "queues", "ticket")
    return "casework_tickets" in match.namespaces


def admin_gate(request, match):
    """``civicdesk_admin_gate`` hook: a desk-only specialist opens the desk only (403 for
    every other admin screen, the choosers and API listings included)."""
    if is_desk_only(request.user) and not is_desk_url(match):
        return False
    return None
