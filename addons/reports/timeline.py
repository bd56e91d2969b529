"""The problem reports of a person on their timeline (``TimelineSource`` "reports"):
those they filed (from their account, or with one of their e-mails or phones typed as the
contact), those they co-signed ("me too") and those they follow."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from addons.core.addon import TimelineEntry
from addons.core.timeline import (
    account_ids,
    any_of,
    contact,
    digits_expression,
    email_q,
    in_period,
    newest_first,
    phone_matches,
    phone_q,
    phone_region,
    typed_contacts,
)

from .models import CoSign, Report, Subscription


def _url(report) -> str:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("casework_reports:inspect", args=[report.pk])
    except NoReverseMatch:
        return ""


def _title(report) -> str:
    category = report.category.label() if report.category_id else ""
    place = report.address
    if not place and report.lat is not None and report.lng is not None:
        place = f"{report.lat:.5f}, {report.lng:.5f}"  # the point, as people read it
    return f"{category}: {place}" if category and place else category or place


def _entry(report, at, summary) -> TimelineEntry:
    return TimelineEntry(
        source="reports",
        at=at,
        title=_title(report),
        reference=report.tracking_number,
        status=report.status.label() if report.status_id else "",
        url=_url(report),
        summary=summary,
        open=report.is_open,
    )


def _related(model, site, identities, accounts, since, until, limit):
    condition = any_of(Q(user_id__in=accounts) if accounts else None,
                       email_q("email", identities))
    if condition is None:
        return []
    queryset = (model.objects.filter(condition, report__site_id=site.pk)
                .select_related("report", "report__status", "report__category")
                .order_by("-created_at", "-pk"))
    return list(in_period(queryset, "created_at", since, until)[:limit])


def entries(site, identities, user, *, since=None, until=None, limit=200):
    accounts = account_ids(identities)
    by_phone = phone_q("phone_digits", identities)
    found = []
    condition = any_of(Q(reporter_id__in=accounts) if accounts else None,
                       email_q("contact_email", identities), by_phone)
    if condition is not None:
        queryset = (Report.objects.filter(site_id=site.pk)
                    .annotate(phone_digits=digits_expression("contact_phone"))
                    .filter(condition)
                    .select_related("status", "category")
                    .order_by("-created_at", "-pk"))
        queryset = in_period(queryset, "created_at", since, until)
        region = phone_region(site) if by_phone is not None else ""
        emails = set(identities.get("email", ()) or ())
        kept = 0
        for report in queryset[: limit * 2]:
            if (report.reporter_id in accounts
                    or report.contact_email.casefold() in emails
                    or phone_matches(report.contact_phone, identities, region)):
                found.append(_entry(report, report.created_at, _("Reported the problem")))
                kept += 1
            if kept >= limit:
                break
    for cosign in _related(CoSign, site, identities, accounts, since, until, limit):
        found.append(_entry(cosign.report, cosign.created_at, _("Co-signed: me too")))
    for follow in _related(Subscription, site, identities, accounts, since, until, limit):
        found.append(_entry(follow.report, follow.created_at, _("Follows the changes")))
    return newest_first(found, limit)


def contacts(site):
    yield from typed_contacts(
        Report.objects.filter(site_id=site.pk, anonymised_at__isnull=True),
        name="reporter_name", email="contact_email", phone="contact_phone",
        user_id="reporter_id", language="reporter__language")
    follows = (Subscription.objects.filter(report__site_id=site.pk).exclude(email="")
               .values_list("email", "user_id").order_by("pk"))
    for email, user_id in follows.iterator(chunk_size=1000):
        yield contact(email=email, user_id=user_id)
