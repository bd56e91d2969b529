"""The mass e-mail a person was sent, on their timeline (``TimelineSource`` "mailings"):
one entry per campaign delivery to one of their e-mails or their account."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from addons.core.addon import TimelineEntry
from addons.core.timeline import account_ids, any_of, email_q, newest_first, typed_contacts

from .models import Delivery


def _url(campaign) -> str:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("casework_campaigns:inspect", args=[campaign.pk])
    except NoReverseMatch:
        return ""


def entries(site, identities, user, *, since=None, until=None, limit=200):
    accounts = account_ids(identities)
    condition = any_of(Q(user_id__in=accounts) if accounts else None,
                       email_q("email", identities))
    if condition is None:
        return []
    queryset = (Delivery.objects.filter(condition, campaign__site_id=site.pk)
                .select_related("campaign")
                .only("pk", "email", "status", "sent_at", "unsubscribed_at", "campaign__id",
                      "campaign__name", "campaign__created_at", "campaign__started_at")
                .order_by("-campaign__created_at", "-pk"))
    found = []
    for delivery in queryset[: limit * 2]:
        at = delivery.sent_at or delivery.campaign.started_at or delivery.campaign.created_at
        if (since is not None and at < since) or (until is not None and at >= until):
            continue
        summary = _("To %(email)s") % {"email": delivery.email}
        if delivery.unsubscribed_at is not None:
            summary = _("To %(email)s; unsubscribed") % {"email": delivery.email}
        found.append(TimelineEntry(
            source="mailings",
            at=at,
            title=delivery.campaign.name,
            status=str(delivery.get_status_display()),
            url=_url(delivery.campaign),
            summary=summary,
        ))
    return newest_first(found, limit)


def contacts(site):
    yield from typed_contacts(Delivery.objects.filter(campaign__site_id=site.pk),
                              name="name", email="email", user_id="user_id",
                              language="language")
