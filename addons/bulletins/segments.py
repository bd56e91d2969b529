"""The mass-mailing segment "subscribers of an addressee" (``RecipientSegment`` in apps.py):
everyone whose confirmed, running subscription names the addressee (or an addressee above
it, with its subordinates)."""

from __future__ import annotations

from django.db.models import Q

from addons.core import mass_email

from .models import Subscription


def subscribers(site, value: str):
    """Recipients (one per address) of addressee ``value``'s subscribers on ``site``."""
    from addons.addressees.models import AddresseePage
    from addons.core.validation import parse_pk

    from .services import on_site

    addressee = AddresseePage.objects.filter(pk=parse_pk(value)).first()
    if addressee is None or not on_site(addressee, site):
        return []  # not an addressee of this city: nobody
    ancestors = [addressee.path[:end] for end in range(AddresseePage.steplen,
                                                       len(addressee.path),
                                                       AddresseePage.steplen)]
    rows = (Subscription.objects.confirmed().filter(site_id=site.pk)
            .filter(Q(addressee_id=addressee.pk)
                    | Q(include_subtree=True, addressee_path__in=ancestors))
            .select_related("user").order_by("email", "pk"))
    seen = set()
    for row in rows:
        if row.email in seen:
            continue
        seen.add(row.email)
        user = row.user
        yield mass_email.Recipient(
            email=row.email, name=getattr(user, "full_name", "") if user else "",
            language=row.language, user_id=row.user_id)


def choices(site) -> list[tuple[str, str]]:
    from .services import addressee_choices

    return [(str(pk), title) for pk, title in addressee_choices(site)]
