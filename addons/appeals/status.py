"""What the status line, the console and the chat channels may learn of an appeal from its
reference (``AddonConfig.status_lookup``). Appeals are confidential (the law on citizens'
appeals): an answer is never public, it is told only to the applicant once identified."""

from __future__ import annotations

import re

from addons.core.addon import StatusAnswer

#: ``AP-2026-000123``, ``AP2026000123``, ``AP-2026-123`` (after ``normalize_reference``)
PATTERN = r"AP-?(\d{4})-?(\d{1,6})"
PREFIX = "AP"


def find(site, reference: str) -> StatusAnswer | None:
    """The answer about the appeal of ``site`` with ``reference``, or None."""
    from django.utils.translation import gettext

    from addons.accounts.persons import normalize_email, normalize_phone
    from addons.core.casework.assignment import detail_url
    from addons.core.numbering import format_reference
    from addons.core.references import normalize_reference

    from .apps import APPEALS_CASEWORK
    from .models import OPEN_STATUSES, Appeal

    match = re.fullmatch(PATTERN, normalize_reference(reference), re.IGNORECASE)
    if match is None or site is None:
        return None
    wanted = format_reference(PREFIX, int(match[1]), int(match[2]))
    appeal = (Appeal.objects.filter(site=site, reference=wanted)
              .select_related("addressee")
              .only("pk", "site_id", "reference", "status", "due_date", "status_pin",
                    "applicant_email", "applicant_phone", "author_id", "addressee__title")
              .first())
    if appeal is None:
        return None
    owners: dict[str, set[str]] = {}
    if appeal.applicant_phone:
        phone, valid = normalize_phone(appeal.applicant_phone, site)
        if valid:
            owners["phone"] = {phone}
    if appeal.applicant_email:
        owners["email"] = {normalize_email(appeal.applicant_email)}
    if appeal.author_id:
        owners["account"] = {str(appeal.author_id)}
    return StatusAnswer(
        reference=appeal.reference,
        kind=gettext("Appeal"),
        status=str(appeal.get_status_display()),
        addressee=appeal.addressee.title if appeal.addressee_id else "",
        expected=appeal.due_date if appeal.status in OPEN_STATUSES else None,
        public=False,
        pin=appeal.status_pin or "",
        owners=owners,
        url=detail_url(APPEALS_CASEWORK, appeal),
    )
