"""Figures of appeals for a period and an addressee, their PDF, and the periodic report
e-mailed to the recipients configured in :class:`AppealsSettings`.

The figures come from one aggregate query. The PDF is drawn with reportlab in a TrueType
font that covers Cyrillic and Romanian diacritics (DejaVu Sans, Debian's
``fonts-dejavu-core``; ``CIVICDESK_PDF_FONT`` names another file).

The periodic report (django-q2 job ``appeals.reports``, daily) is sent once per site and
period: a keyed outbox row (:class:`~addons.core.models.Notification`, unique ``key``) is
written in the transaction that sends the mail, so a second run, or a second worker, finds
it and sends nothing; a failed send rolls the row back and the next run tries again.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from xml.sax.saxutils import escape

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from addons.core.pdf import (  # noqa: F401
    FONT_NAME,
    FontMissing,
    letterhead,
    letterhead_flowables,
    register_font,
)

from .models import OPEN_STATUSES, Appeal, AppealsSettings, AppealType, Procedure, Status

logger = logging.getLogger(__name__)

REPORT_EVENT = "appeals.report"


@dataclass
class ReportFigures:
    start: date
    end: date
    addressee_title: str = ""
    site_name: str = ""
    total: int = 0
    by_status: dict = field(default_factory=dict)
    #: appeal type -> count ("" for appeals without a recorded type)
    by_type: dict = field(default_factory=dict)
    #: procedure (appeal, request for public information) -> count
    by_procedure: dict = field(default_factory=dict)
    answered: int = 0
    answered_on_time: int = 0
    answered_late: int = 0
    overdue_open: int = 0
    average_handling_days: float | None = None
    #: the municipality whose letterhead the PDF carries (None: a plain heading)
    site: object = field(default=None, compare=False, repr=False)

    @property
    def on_time_share(self) -> float | None:
        """Share of the answered appeals answered by their due date (0..1)."""
        return self.answered_on_time / self.answered if self.answered else None


def _days(value) -> float | None:
    if value is None:
        return None
    if isinstance(value, timedelta):
        return value.total_seconds() / 86400
    return float(value) / 86400 / 1_000_000  # microseconds (some backends)


def aggregate(queryset, today: date | None = None) -> dict:
    """Counts by status, answered on time / late, open past due, and the average time to
    the first answer, for ``queryset``, in one query."""
    today = today or timezone.localdate()
    on_time = Q(answered_at__isnull=False, answered_at__date__lte=F("due_date"))
    late = Q(answered_at__isnull=False, answered_at__date__gt=F("due_date"))
    handling = ExpressionWrapper(F("answered_at") - F("received_at"), output_field=DurationField())
    aggregates = {
        "total": Count("pk"),
        "answered": Count("pk", filter=Q(answered_at__isnull=False)),
        "answered_on_time": Count("pk", filter=on_time),
        "answered_late": Count("pk", filter=late),
        "overdue_open": Count("pk", filter=Q(status__in=OPEN_STATUSES, due_date__lt=today)),
        "average": Avg(handling, filter=Q(answered_at__isnull=False)),
    }
    for status in Status:
        aggregates[f"status_{status.value}"] = Count("pk", filter=Q(status=status.value))
    for key in AppealType.values:
        aggregates[f"type_{key}"] = Count("pk", filter=Q(appeal_type=key))
    aggregates["type_"] = Count("pk", filter=Q(appeal_type="", procedure=Procedure.APPEAL))
    for key in Procedure.values:
        aggregates[f"procedure_{key}"] = Count("pk", filter=Q(procedure=key))
    return queryset.order_by().aggregate(**aggregates)


def compute(queryset, start: date, end: date, *, addressee=None, site=None,
            today: date | None = None) -> ReportFigures:
    """The figures of the appeals in ``queryset`` received from ``start`` to ``end``
    (inclusive), optionally of one ``addressee`` only."""
    queryset = queryset.filter(received_at__date__gte=start, received_at__date__lte=end)
    if addressee is not None:
        queryset = queryset.filter(addressee_id=addressee.pk)
    if site is not None:
        queryset = queryset.filter(site_id=site.pk)
    values = aggregate(queryset, today)
    return ReportFigures(
        start=start, end=end,
        addressee_title=addressee.title if addressee is not None else "",
        site_name=site.site_name if site is not None else "",
        total=values["total"],
        by_status={status.value: values[f"status_{status.value}"] for status in Status},
        by_type={key: values[f"type_{key}"] for key in [*AppealType.values, ""]},
        by_procedure={key: values[f"procedure_{key}"] for key in Procedure.values},
        answered=values["answered"],
        answered_on_time=values["answered_on_time"],
        answered_late=values["answered_late"],
        overdue_open=values["overdue_open"],
        average_handling_days=_days(values["average"]),
        site=site,
    )


# --- PDF ----------------------------------------------------------------------------------


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


def pdf_bytes(figures: ReportFigures) -> bytes:
    """The report as a PDF document. Every text goes into a ReportLab ``Paragraph`` escaped:
    titles and names are plain text, never paragraph markup."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = register_font()
    styles = getSampleStyleSheet()
    for style in styles.byName.values():
        style.fontName = font
    title = _("Appeals report")
    period = _("Appeals received from %(start)s to %(end)s") % {
        "start": figures.start.strftime("%d.%m.%Y"), "end": figures.end.strftime("%d.%m.%Y"),
    }
    scope = figures.addressee_title or _("Every addressee")
    story = [
        *(letterhead_flowables(figures.site) if figures.site is not None else []),
        Paragraph(escape(title), styles["Title"]),
        Paragraph(escape(period), styles["Normal"]),
        Paragraph(escape(f"{_('Addressee')}: {scope}"), styles["Normal"]),
    ]
    if figures.site_name and (figures.site is None
                              or figures.site_name != letterhead(figures.site)["name"]):
        story.append(Paragraph(escape(figures.site_name), styles["Normal"]))
    story.append(Spacer(1, 6 * mm))
    average = figures.average_handling_days
    summary = [
        [_("Appeals received"), str(figures.total)],
        [_("Answered"), str(figures.answered)],
        [_("Answered on time"),
         f"{figures.answered_on_time} ({_percent(figures.on_time_share)})"],
        [_("Answered late"), str(figures.answered_late)],
        [_("Open and overdue"), str(figures.overdue_open)],
        [_("Average time to answer"),
         "—" if average is None else _("%(days).1f days") % {"days": average}],
    ]
    statuses = [[_("Status"), _("Appeals")]] + [
        [str(label), str(figures.by_status.get(value, 0))] for value, label in Status.choices
    ]
    style = TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), font),
        ("FONTSIZE", (0, 0), (-1, -1), 10),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
        ("ALIGN", (1, 0), (1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ])
    header = [("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey)]
    procedures = [[_("Procedure"), _("Appeals")]] + [
        [str(label), str(figures.by_procedure.get(value, 0))]
        for value, label in Procedure.choices
    ]
    # every type the site's law names and any other that occurs, then those not recorded
    types = [[_("Type of appeal"), _("Appeals")]] + [
        [str(label), str(figures.by_type.get(value, 0))]
        for value, label in AppealType.choices if figures.by_type.get(value)
    ]
    if figures.by_type.get(""):
        types.append([_("Not recorded"), str(figures.by_type[""])])
    story += [
        Paragraph(escape(_("Summary")), styles["Heading2"]),
        Table(summary, colWidths=[100 * mm, 60 * mm], style=style),
        Spacer(1, 6 * mm),
        Paragraph(escape(_("By status")), styles["Heading2"]),
        Table(statuses, colWidths=[100 * mm, 60 * mm],
              style=TableStyle([*style.getCommands(), *header])),
        Spacer(1, 6 * mm),
        Paragraph(escape(_("By procedure")), styles["Heading2"]),
        Table(procedures, colWidths=[100 * mm, 60 * mm],
              style=TableStyle([*style.getCommands(), *header])),
        Spacer(1, 6 * mm),
        Paragraph(escape(_("By type of appeal")), styles["Heading2"]),
        Table(types, colWidths=[100 * mm, 60 * mm],
              style=TableStyle([*style.getCommands(), *header])),
    ]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, title=title, author="CivicDesk",
                                 leftMargin=20 * mm, rightMargin=20 * mm)
    document.build(story)
    return buffer.getvalue()


def filename(figures: ReportFigures) -> str:
    return f"appeals-report-{figures.start.isoformat()}-{figures.end.isoformat()}.pdf"


def pdf_response(figures: ReportFigures) -> HttpResponse:
    response = HttpResponse(pdf_bytes(figures), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename(figures)}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- periodic reports ---------------------------------------------------------------------


def last_period(kind: str, today: date) -> tuple[date, date, str] | None:
    """The last complete period before ``today``: (start, end, key)."""
    if kind == "weekly":
        end = today - timedelta(days=today.weekday() + 1)  # last Sunday
        start = end - timedelta(days=6)
        year, week, _weekday = start.isocalendar()
        return start, end, f"{year}-W{week:02d}"
    if kind == "monthly":
        end = today.replace(day=1) - timedelta(days=1)
        return end.replace(day=1), end, f"{end:%Y-%m}"
    return None


def report_key(site_id: int, period_key: str) -> str:
    return f"{REPORT_EVENT}:{site_id}:{period_key}"


def send_periodic_reports(today: date | None = None) -> int:
    """E-mail each site's report for its last complete period to the configured
    recipients, once per site and period. Returns how many reports were sent."""
    today = today or timezone.localdate()
    sent = 0
    for options in AppealsSettings.objects.select_related("site").exclude(report_period=""):
        if not options.recipients:
            continue
        period = last_period(options.report_period, today)
        if period is None:
            continue
        if send_report(options, *period, today=today):
            sent += 1
    return sent


def send_report(options: AppealsSettings, start: date, end: date, period_key: str,
                today: date | None = None) -> bool:
    """Send one site's report for one period unless it went already. True if sent now."""
    from django.core.mail import EmailMessage

    from addons.core.models import Notification, SiteProfile

    site = options.site
    key = report_key(site.pk, period_key)
    if Notification.objects.filter(key=key).exists():
        return False
    language = SiteProfile.for_site(site).default_language or settings.LANGUAGE_CODE
    with translation.override(language):
        figures = compute(Appeal.objects.all(), start, end, site=site, today=today)
        document = pdf_bytes(figures)
        subject = _("Appeals report, %(start)s to %(end)s") % {
            "start": start.strftime("%d.%m.%Y"), "end": end.strftime("%d.%m.%Y")}
        body = _("The appeals report of %(site)s for %(start)s to %(end)s is attached.\n\n"
                 "Received: %(total)s. Answered: %(answered)s, of which on time: %(on_time)s. "
                 "Open and overdue: %(overdue)s.") % {
            "site": site.site_name or site.hostname, "start": start.strftime("%d.%m.%Y"),
            "end": end.strftime("%d.%m.%Y"), "total": figures.total,
            "answered": figures.answered, "on_time": figures.answered_on_time,
            "overdue": figures.overdue_open,
        }
    try:
        with transaction.atomic():
            Notification.objects.create(
                site=site, recipient=None, email=options.recipients[0], event=REPORT_EVENT,
                language=language, subject=subject[:300], body=body, key=key,
                status=Notification.Status.SENT, sent_at=timezone.now(),
                context={"period": period_key, "recipients": options.recipients},
            )
            message = EmailMessage(subject, body, to=options.recipients)
            message.attach(filename(figures), document, "application/pdf")
            message.send()
    except IntegrityError:
        return False  # another worker sent it meanwhile
    logger.info("Appeals report %s sent to %d recipients", key, len(options.recipients))
    return True
