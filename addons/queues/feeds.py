"""The desk's downloads at fixed addresses: a queue's tickets as CSV or XLSX
(``/queues/desk/<id>/export.csv?start=&end=``) for its staff, and the queue's private
iCalendar feed (``/queues/desk/<id>/calendar/<token>.ics``) that calendar apps read with the
secret token in the URL. Both stay where they are while the desk itself is in the admin."""

from __future__ import annotations

from functools import wraps

from django import forms
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from addons.core.forms import DateInput
from addons.core.validation import parse_pk

from .forms import BoundedDateField
from .models import Queue
from .staff import desk_queues


def site_zone(request):
    """The time zone of the request's site (``SiteProfile.time_zone``)."""
    from zoneinfo import ZoneInfo

    from addons.core.models import SiteProfile

    try:
        return ZoneInfo(SiteProfile.for_request(request).time_zone)
    except Exception:  # no site or an unknown zone name: the server's
        return timezone.get_default_timezone()


def in_site_zone(view):
    """Run ``view`` with the site's time zone active (today, forms, shown times)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        with timezone.override(site_zone(request)):
            return view(request, *args, **kwargs)

    return wrapper


# --- exports ------------------------------------------------------------------------------


class ExportForm(forms.Form):
    start = BoundedDateField(label=gettext_lazy("From"), required=False, widget=DateInput())
    end = BoundedDateField(label=gettext_lazy("Until"), required=False, widget=DateInput())

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start") and cleaned.get("end") and cleaned["start"] > cleaned["end"]:
            self.add_error("end", _("The end of the period is before its start."))
        return cleaned


@in_site_zone
def export(request, queue_id, fmt):
    """Tickets of a queue (``?start=&end=`` days, default: today) as CSV or XLSX."""
    from wagtail.models import Site

    from . import exports

    site = Site.find_for_request(request)
    queue = get_object_or_404(desk_queues(request.user, site), pk=parse_pk(queue_id))
    if fmt not in ("csv", "xlsx"):
        raise Http404
    form = ExportForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return HttpResponse(" ".join(m for e in form.errors.values() for m in e), status=400,
                            content_type="text/plain; charset=utf-8")
    data = form.cleaned_data if form.is_bound else {}
    start = data.get("start") or timezone.localdate()
    end = data.get("end") or start
    tickets = queue.tickets.filter(day__gte=start, day__lte=end)
    if fmt == "csv":
        return exports.csv_response(tickets)
    return exports.xlsx_response(tickets)


def calendar_token(queue) -> str:
    """The secret of a queue's iCalendar feed (changes with SECRET_KEY)."""
    return salted_hmac("queues.calendar", str(queue.pk)).hexdigest()[:32]


def calendar_url(queue) -> str:
    return reverse("queues:desk:calendar", args=[queue.pk, calendar_token(queue)])


@never_cache
def calendar(request, queue_id, token):
    """The visits of a queue as an iCalendar feed for the specialist's calendar."""
    from . import exports

    queue = get_object_or_404(Queue, pk=parse_pk(queue_id))
    if not constant_time_compare(token, calendar_token(queue)):
        raise Http404
    return exports.ics_response(queue, request)
