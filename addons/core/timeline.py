"""Timeline helpers every add-on's ``TimelineSource`` uses, and core's own source: the
notifications sent from the outbox to a person.

The helpers turn a person's identities (``{kind: {normalised values}}``, see
``addons.accounts.persons.identities_of``) into conditions on an add-on's own fields, so
that each source reads its records in a constant number of queries:

- ``account_ids``: the user ids of the person's cabinet accounts;
- ``email_q``: a case-insensitive match of an e-mail field against the person's e-mails;
- ``phone_q`` and ``phone_matches``: a typed phone field is compared after normalising it
  (``+380 44 123-45-67`` and ``0441234567`` are the same number). The database keeps only
  the rows whose digits end like one of the person's numbers; each candidate is then
  normalised in Python and kept when it is one of them.
"""

from __future__ import annotations

import re

from django.db.models import F, Q, Value
from django.db.models.functions import Replace
from django.utils.translation import gettext_lazy as _

from .addon import TimelineEntry

#: how many trailing digits the database compares before the exact check in Python
TAIL_DIGITS = 7
_SEPARATORS = (" ", "-", "(", ")", ".", "/", "\u00a0")


def account_ids(identities) -> list[int]:
    """The user ids of the person's cabinet accounts."""
    ids = []
    for value in identities.get("account", ()) or ():
        try:
            ids.append(int(value))
        except (TypeError, ValueError):
            continue
    return sorted(ids)


def emails(identities) -> list[str]:
    return sorted(value for value in identities.get("email", ()) or () if value)


def phones(identities) -> list[str]:
    return sorted(value for value in identities.get("phone", ()) or () if value)


def email_q(field: str, identities) -> Q | None:
    """``field`` equals one of the person's e-mails, whatever the case; None when none."""
    condition = None
    for value in emails(identities):
        part = Q(**{f"{field}__iexact": value})
        condition = part if condition is None else condition | part
    return condition


def digits_expression(field: str):
    """``field`` without the separators people type in phone numbers."""
    expression = F(field)
    for separator in _SEPARATORS:
        expression = Replace(expression, Value(separator), Value(""))
    return expression


def phone_q(alias: str, identities) -> Q | None:
    """A cheap condition on ``alias`` (a ``digits_expression`` annotated on the queryset):
    its digits end like one of the person's phone numbers. None when the person has none."""
    condition = None
    for value in phones(identities):
        tail = re.sub(r"\D", "", value)[-TAIL_DIGITS:]
        if not tail:
            continue
        part = Q(**{f"{alias}__endswith": tail})
        condition = part if condition is None else condition | part
    return condition


def phone_region(site) -> str:
    from addons.accounts.persons import site_region

    return site_region(site)


def phone_matches(raw: str, identities, region: str) -> bool:
    """Whether the phone typed as ``raw`` is one of the person's numbers once normalised."""
    from addons.accounts.persons import normalize_phone

    if not raw:
        return False
    value, valid = normalize_phone(raw, region=region)
    return valid and value in set(phones(identities))


def any_of(*conditions) -> Q | None:
    """The conditions joined by OR, the missing ones left out; None when none is left."""
    result = None
    for condition in conditions:
        if condition is None:
            continue
        result = condition if result is None else result | condition
    return result


def in_period(queryset, field: str, since=None, until=None):
    if since is not None:
        queryset = queryset.filter(**{f"{field}__gte": since})
    if until is not None:
        queryset = queryset.filter(**{f"{field}__lt": until})
    return queryset


def newest_first(entries, limit: int) -> list[TimelineEntry]:
    return sorted(entries, key=lambda entry: entry.at, reverse=True)[:limit]


def contact(name="", email="", phone="", user_id=None, language="") -> dict:
    return {"name": name or "", "email": (email or "").strip(), "phone": (phone or "").strip(),
            "user_id": user_id, "language": language or ""}


def typed_contacts(queryset, *, name=(), email=None, phone=None, user_id=None, language=None):
    """``TimelineSource.contacts`` of a queryset: the contact details typed on its rows,
    read in batches (constant memory), rows without an e-mail, phone or account left out.
    Each keyword names the row's field (a lookup path); ``name`` may name several, the
    first non-empty one wins."""
    names = (name,) if isinstance(name, str) else tuple(name)
    fields = {"email": email, "phone": phone, "user_id": user_id, "language": language}
    fields = {key: path for key, path in fields.items() if path}
    paths = [*names, *fields.values()]
    for row in queryset.values(*paths).order_by("pk").iterator(chunk_size=1000):
        values = {key: row[path] for key, path in fields.items()}
        if values.get("email") or values.get("phone") or values.get("user_id"):
            found = next((row[path] for path in names if row[path]), "")
            yield contact(name=found, **values)


# -- core's own source: the notifications sent from the outbox ---------------------------------


def entries(site, identities, user, *, since=None, until=None, limit=200):
    """The notifications of ``site`` sent (or tried) to the person's e-mail or account."""
    from .models import Notification

    condition = any_of(
        Q(recipient_id__in=account_ids(identities)) if account_ids(identities) else None,
        email_q("email", identities),
    )
    if condition is None:
        return []
    queryset = Notification.objects.filter(condition, site_id=site.pk).only(
        "pk", "event", "subject", "status", "created_at", "sent_at", "email", "recipient_id",
    ).order_by("-created_at", "-pk")
    queryset = in_period(queryset, "created_at", since, until)
    found = []
    for notification in queryset[:limit]:
        found.append(TimelineEntry(
            source="notifications",
            at=notification.sent_at or notification.created_at,
            title=notification.subject,
            reference="",
            status=str(notification.get_status_display()),
            summary=str(_("Sent to %(address)s") % {"address": notification.email})
            if notification.email else "",
            open=False,
        ))
    return found


def contacts(site):
    """The addresses notifications of ``site`` went to, with their account."""
    from .models import Notification

    yield from typed_contacts(Notification.objects.filter(site_id=site.pk).exclude(email=""),
                              email="email", user_id="recipient_id", language="language")
