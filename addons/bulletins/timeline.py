"""The bulletin subscriptions of a person on their timeline (``TimelineSource``
"bulletins"): digests delivered to their account's address or to one of their e-mails."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from addons.core.addon import TimelineEntry
from addons.core.timeline import (
    account_ids,
    any_of,
    email_q,
    in_period,
    newest_first,
    typed_contacts,
)

from .models import Subscription


def _status(subscription) -> str:
    if subscription.ended_at is not None:
        return _("Ended")
    if subscription.confirmed_at is None:
        return _("Waiting for the e-mail confirmation")
    return _("Active")


def entries(site, identities, user, *, since=None, until=None, limit=200):
    accounts = account_ids(identities)
    condition = any_of(Q(user_id__in=accounts) if accounts else None,
                       email_q("email", identities))
    if condition is None:
        return []
    queryset = (Subscription.objects.filter(condition, site_id=site.pk)
                .select_related("addressee").order_by("-created_at", "-pk"))
    queryset = in_period(queryset, "created_at", since, until)
    found = []
    for subscription in queryset[:limit]:
        found.append(TimelineEntry(
            source="bulletins",
            at=subscription.created_at,
            title=_("Subscribed to bulletins: %(filter)s") % {
                "filter": subscription.describe()},
            status=_status(subscription),
            summary=_("%(frequency)s to %(email)s") % {
                "frequency": subscription.get_frequency_display(),
                "email": subscription.email},
        ))
    return newest_first(found, limit)


def contacts(site):
    yield from typed_contacts(Subscription.objects.filter(site_id=site.pk),
                              name="user__full_name", email="email", user_id="user_id",
                              language="language")
