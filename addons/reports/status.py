"""What the status line, the console and the chat channels may learn of a problem report
from its tracking number (``AddonConfig.status_lookup``). A report everyone may see on the
map is public: its status is told to anyone who knows the number."""

from __future__ import annotations

import re

from addons.core.addon import StatusAnswer

#: ``PR-2026-000123``, ``PR2026000123``, ``PR-2026-123`` (after ``normalize_reference``)
PATTERN = r"PR-?(\d{4})-?(\d{1,6})"
PREFIX = "PR"


def report_by_reference(site, reference: str):
    """The report of ``site`` with tracking number ``reference`` however typed, or None."""
    from addons.core.numbering import format_reference
    from addons.core.references import normalize_reference

    from .models import Report

    match = re.fullmatch(PATTERN, normalize_reference(reference or ""), re.IGNORECASE)
    if match is None or site is None:
        return None
    wanted = format_reference(PREFIX, int(match[1]), int(match[2]))
    return (Report.objects.filter(site=site, tracking_number=wanted)
            .select_related("site", "status", "addressee", "category").first())


def find(site, reference: str) -> StatusAnswer | None:
    """The answer about the report of ``site`` with tracking number ``reference``, or None."""
    report = report_by_reference(site, reference)
    return None if report is None else answer(report)


def answer(report) -> StatusAnswer:
    """What may be told about ``report`` (its status and addressee read)."""
    from django.urls import NoReverseMatch, reverse
    from django.utils import timezone
    from django.utils.translation import get_language, gettext

    from addons.accounts.persons import normalize_email, normalize_phone

    site = report.site
    owners: dict[str, set[str]] = {}
    if report.contact_phone:
        phone, valid = normalize_phone(report.contact_phone, site)
        if valid:
            owners["phone"] = {phone}
    if report.contact_email:
        owners["email"] = {normalize_email(report.contact_email)}
    if report.reporter_id:
        owners["account"] = {str(report.reporter_id)}
    if report.person_id:  # filed from a chat: the citizen record's id
        owners["person"] = {str(report.person_id)}
    public = (report.is_public and not report.is_hidden and report.merged_into_id is None
              and report.status.is_public)
    expected = None
    if report.is_open and report.due_at is not None:
        expected = timezone.localdate(report.due_at)
    try:
        url = reverse("casework_reports:inspect", args=[report.pk])
    except NoReverseMatch:
        url = ""
    return StatusAnswer(
        reference=report.tracking_number,
        kind=gettext("Problem report"),
        status=report.status.label(get_language()),
        addressee=report.addressee.title if report.addressee_id else "",
        expected=expected,
        public=public,
        pin=report.status_pin or "",
        owners=owners,
        url=url,
    )
