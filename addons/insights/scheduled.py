"""Scheduled reports: the dashboard of the period just ended, mailed as PDF and XLSX.

``send_due`` runs every day (``apps.InsightsConfig.scheduled_jobs``). For each active
``ReportSchedule`` it takes the last whole period in the site's time zone (weekly: Monday
to Sunday before today; monthly: the previous calendar month) and, if no ``ReportRun``
exists for it, computes the figures, renders the files and mails them.

**Each period once.** The ``ReportRun`` row is the mark that a period went. It is INSERTed
first, in a transaction; the message is sent inside the same transaction, which commits
only after the mail server took the message. ``ReportRun``'s unique constraint (schedule,
period start) makes a second worker's INSERT wait for the first worker's transaction: if
that commits, the second gets ``IntegrityError`` and sends nothing; if it rolls back (the
mail failed), the second worker may send.

**A failed send does not mark the period sent**: the exception rolls the row back, the
schedule is tried again on the next run (the next day: the period stays the last whole one
for a week or a month), and ``send_due`` raises ``ReportsNotSent`` after trying the other
schedules, so the task queue shows the failure. The one window left is the mail server
accepting the message and the database then failing to commit: the period would be sent
again the next day (at least once, rather than possibly never).

Only the last whole period is sent: a period missed while the workers were down for longer
than a period is not sent afterwards.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

PDF_TYPE = "application/pdf"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ReportsNotSent(RuntimeError):
    """Some schedules' reports could not be sent; they are tried again on the next run."""


# --- recipients --------------------------------------------------------------------------


def split_recipients(text: str) -> list[str]:
    """The addresses in a schedule's text: one per line (commas and semicolons too),
    blanks and repeats dropped, in order."""
    seen, found = set(), []
    for part in (text or "").replace(";", "\n").replace(",", "\n").splitlines():
        address = part.strip()
        if address and address.lower() not in seen:
            seen.add(address.lower())
            found.append(address)
    return found


def clean_recipients(text: str) -> list[str]:
    """The addresses of ``text``; ``ValidationError`` naming each one that is not an e-mail
    address, or when there is none."""
    addresses = split_recipients(text)
    if not addresses:
        raise ValidationError(_("Enter at least one e-mail address."), code="required")
    bad = []
    for address in addresses:
        try:
            validate_email(address)
        except ValidationError:
            bad.append(address)
    if bad:
        raise ValidationError(
            _("These are not e-mail addresses: %(addresses)s. Write one address per line."),
            code="invalid", params={"addresses": ", ".join(bad)})
    return addresses


# --- periods -----------------------------------------------------------------------------


def site_zone(site):
    from addons.core.models import SiteProfile

    try:
        return ZoneInfo(SiteProfile.for_site(site).time_zone or settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def site_today(site) -> date:
    """Today in the site's time zone (``SiteProfile.time_zone``)."""
    return timezone.now().astimezone(site_zone(site)).date()


def last_period(frequency: str, today: date) -> tuple[date, date]:
    """(first day, last day) of the last whole period before ``today``: weekly, the Monday
    to Sunday before the week of ``today``; monthly, the previous calendar month."""
    if frequency == "weekly":
        end = today - timedelta(days=today.weekday() + 1)
        return end - timedelta(days=6), end
    end = today.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


# --- sending -----------------------------------------------------------------------------


def schedule_language(schedule) -> str:
    from addons.core.models import SiteProfile

    codes = {code for code, _name in settings.LANGUAGES}
    for language in (schedule.language, SiteProfile.for_site(schedule.site).default_language):
        if language in codes:
            return language
    return settings.LANGUAGE_CODE


def schedule_scope(schedule):
    from .figures import Scope

    return Scope(site=schedule.site, addressee=schedule.addressee)


def build_message(schedule, period, *, values=None) -> EmailMessage:
    """The report of ``schedule`` for ``period``, in the schedule's language, with its
    files attached (figures computed here unless given)."""
    from . import figures, report_files

    site = schedule.site
    with translation.override(schedule_language(schedule)):
        if values is None:
            values = figures.compute(schedule_scope(schedule), period)
        scope = report_files.scope_label(schedule)
        when = report_files.period_label(period)
        subject = _("%(title)s: %(period)s") % {"title": schedule.title, "period": when}
        lines = [
            _("The figures of %(scope)s for %(period)s are attached.") % {
                "scope": scope, "period": when},
            "",
        ]
        for value in values:
            if value.record_type or value.key not in ("intake", "backlog"):
                continue
            lines.append(f"{value.title}: {report_files.format_value(value.value, value.unit)}")
        lines += ["", _("This report is sent %(frequency)s to the addresses of the schedule "
                        "“%(title)s” at %(site)s.") % {
            "frequency": schedule.get_frequency_display(), "title": schedule.title,
            "site": site.site_name or site.hostname}]
        message = EmailMessage(subject, "\n".join(lines), settings.DEFAULT_FROM_EMAIL,
                               split_recipients(schedule.recipients))
        stem = f"{slugify(schedule.title) or 'report'}-{period.start:%Y%m%d}-{period.end:%Y%m%d}"
        if schedule.pdf:
            message.attach(f"{stem}.pdf",
                           report_files.pdf_bytes(site, schedule.title, scope, period, values),
                           PDF_TYPE)
        if schedule.xlsx:
            message.attach(f"{stem}.xlsx", report_files.xlsx_bytes(values), XLSX_TYPE)
    return message


def send_schedule(schedule, today: date | None = None) -> bool:
    """Send ``schedule``'s report for its last whole period unless it went already. True
    when sent now; False when sent before (by this worker or another) or when the schedule
    has no valid address. A failed send raises, and the period is not marked sent."""
    from .figures import Period
    from .models import ReportRun

    today = today or site_today(schedule.site)
    start, end = last_period(schedule.frequency, today)
    if ReportRun.objects.filter(schedule=schedule, period_start=start).exists():
        return False
    try:
        recipients = clean_recipients(schedule.recipients)
    except ValidationError:
        logger.warning("Scheduled report %s has no valid recipient; not sent", schedule.pk)
        return False
    # the figures and files are made before the transaction: it stays short
    message = build_message(schedule, Period(start, end))
    try:
        with transaction.atomic():
            ReportRun.objects.create(schedule=schedule, period_start=start, period_end=end,
                                     recipients=len(recipients))
            message.send()  # raises: the row is rolled back, the period stays unsent
    except IntegrityError:
        return False  # another worker has sent this period
    logger.info("Scheduled report %s sent for %s..%s to %d recipients", schedule.pk, start,
                end, len(recipients))
    return True


def send_due(today=None) -> int:
    """Send every active schedule's report for the last whole period not sent yet; the
    number sent. ``today``: the day to reckon from (default: today in each site's time
    zone). Raises ``ReportsNotSent`` after the others when some could not be sent."""
    from .models import ReportRun, ReportSchedule

    schedules = list(ReportSchedule.objects.filter(active=True)
                     .select_related("site", "addressee").order_by("pk"))
    due = []
    for schedule in schedules:
        start, _end = last_period(schedule.frequency, today or site_today(schedule.site))
        due.append((schedule, start))
    sent_before = set(ReportRun.objects.filter(
        schedule__in=[schedule for schedule, _start in due],
        period_start__in={start for _schedule, start in due},
    ).values_list("schedule_id", "period_start"))
    due = [(schedule, start) for schedule, start in due
           if (schedule.pk, start) not in sent_before]
    if not due:
        return 0
    from .fold import fold

    fold()  # the figures count every event written until now
    sent, failed = 0, []
    for schedule, _start in due:
        try:
            sent += send_schedule(schedule, today)
        except Exception:  # noqa: BLE001 - one schedule's failure must not stop the others
            logger.exception("Scheduled report %s could not be sent", schedule.pk)
            failed.append(schedule.pk)
    if failed:
        raise ReportsNotSent(f"scheduled reports not sent: {failed}")
    return sent
