"""The appeals of a person on their timeline (``TimelineSource`` "appeals").

An appeal is the person's when they filed it from their cabinet account or typed one of
their e-mails or phones as the applicant's. Appeals are confidential (UA Law 393/96
art. 10): only staff who handle the appeal (``casework.scope``: its addressee's staff,
the town's appeals department, whom the staffing rule routes it to, superusers) read its
subject; anyone else learns that it exists, its reference and date.
"""

from __future__ import annotations

from django.db.models import Q

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

from .models import OPEN_STATUSES, Appeal


def _readable_ids(user, site, ids) -> set[int]:
    if not ids or user is None:
        return set()
    from .casework import scope

    return set(scope(user, site).filter(pk__in=ids).values_list("pk", flat=True))


def _url(appeal) -> str:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("casework_appeals:inspect", args=[appeal.pk])
    except NoReverseMatch:
        return ""


def entries(site, identities, user, *, since=None, until=None, limit=200):
    accounts = account_ids(identities)
    by_phone = phone_q("phone_digits", identities)
    condition = any_of(
        Q(author_id__in=accounts) if accounts else None,
        email_q("applicant_email", identities),
        by_phone,
    )
    if condition is None:
        return []
    queryset = (Appeal.objects.filter(site_id=site.pk)
                .annotate(phone_digits=digits_expression("applicant_phone"))
                .filter(condition)
                .only("pk", "site_id", "reference", "subject", "status", "received_at",
                      "author_id", "applicant_email", "applicant_phone", "procedure")
                .order_by("-received_at", "-pk"))
    queryset = in_period(queryset, "received_at", since, until)
    region = phone_region(site) if by_phone is not None else ""
    emails = set(identities.get("email", ()) or ())
    appeals = []
    for appeal in queryset[: limit * 2]:
        if (appeal.author_id in accounts
                or appeal.applicant_email.casefold() in emails
                or phone_matches(appeal.applicant_phone, identities, region)):
            appeals.append(appeal)
        if len(appeals) >= limit:
            break
    readable = _readable_ids(user, site, [appeal.pk for appeal in appeals])
    found = []
    for appeal in appeals:
        may_read = appeal.pk in readable
        found.append(TimelineEntry(
            source="appeals",
            at=appeal.received_at,
            title=appeal.subject if may_read else "",
            reference=appeal.reference,
            status=str(appeal.get_status_display()) if may_read else "",
            url=_url(appeal) if may_read else "",
            summary=str(appeal.get_procedure_display()) if may_read else "",
            open=appeal.status in OPEN_STATUSES,
            readable=may_read,
        ))
    return newest_first(found, limit)


def contacts(site):
    yield from typed_contacts(
        Appeal.objects.filter(site_id=site.pk, anonymised_at__isnull=True),
        name="applicant_name", email="applicant_email", phone="applicant_phone",
        user_id="author_id", language="author__language")
