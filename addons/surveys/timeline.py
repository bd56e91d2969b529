"""The survey answers of a person on their timeline (``TimelineSource`` "surveys"): only
answers to surveys that are not anonymous (an anonymous survey keeps no link between an
answer and a person), given from the person's cabinet account."""

from __future__ import annotations

from datetime import datetime, time

from django.utils import timezone
from django.utils.translation import gettext as _

from addons.core.addon import TimelineEntry
from addons.core.timeline import account_ids, newest_first, typed_contacts

from .models import Response


def _url(response) -> str:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("casework_survey_answers:inspect", args=[response.pk])
    except NoReverseMatch:
        return ""


def _moment(response):
    if response.submitted_at is not None:
        return response.submitted_at
    return timezone.make_aware(datetime.combine(response.submitted_on, time(12)))


def entries(site, identities, user, *, since=None, until=None, limit=200):
    accounts = account_ids(identities)
    if not accounts:
        return []
    queryset = (Response.objects.filter(survey__site_id=site.pk, survey__anonymous=False,
                                        citizen_id__in=accounts)
                .select_related("survey", "addressee")
                .order_by("-submitted_on", "-pk"))
    if since is not None:
        queryset = queryset.filter(submitted_on__gte=timezone.localdate(since))
    if until is not None:
        queryset = queryset.filter(submitted_on__lte=timezone.localdate(until))
    found = []
    for response in queryset[:limit]:
        at = _moment(response)
        if (since is not None and at < since) or (until is not None and at >= until):
            continue
        summary = (_("On the page of %(addressee)s") % {"addressee": response.addressee.title}
                   if response.addressee_id and response.addressee else "")
        found.append(TimelineEntry(
            source="surveys",
            at=at,
            title=response.survey.title,
            reference=str(response.pk),
            status=_("Answered"),
            url=_url(response),
            summary=summary,
        ))
    return newest_first(found, limit)


def contacts(site):
    yield from typed_contacts(
        Response.objects.filter(survey__site_id=site.pk, survey__anonymous=False,
                                citizen__isnull=False),
        name="citizen__full_name", email="citizen__email", phone="citizen__phone",
        user_id="citizen_id", language="citizen__language")
