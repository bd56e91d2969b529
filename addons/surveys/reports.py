"""The PDF report of a survey for a period (reportlab, the charts drawn as bars) and the
periodic report e-mailed to the survey's recipients (django-q2 job ``surveys.reports``).

A report is sent once per survey and period: a :class:`ReportLog` row (unique per survey
and period) is written in the transaction that sends the mail, so a rerun or a second
worker sends nothing, and a failed send rolls the row back for the next run.
"""

from __future__ import annotations

import io
import logging
from datetime import date, timedelta
from xml.sax.saxutils import escape

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from addons.core.pdf import letterhead_flowables, register_font

from . import results as stats
from .models import ReportLog, ReportPeriod, Response, Survey
from .services import questions_of

logger = logging.getLogger(__name__)


def period_responses(survey, start: date | None, end: date | None, addressee=None):
    responses = Response.objects.filter(survey=survey)
    # days: a range the (survey, submitted_on) index serves
    if start:
        responses = responses.filter(submitted_on__gte=start)
    if end:
        responses = responses.filter(submitted_on__lte=end)
    if addressee is not None:
        responses = responses.filter(addressee_id=addressee.pk)
    return responses


def _fmt(day):
    return day.strftime("%d.%m.%Y") if day else "…"


def _bars_drawing(bars, font):
    from reportlab.graphics.shapes import Drawing, Rect, String
    from reportlab.lib import colors
    from reportlab.lib.units import mm

    row, label_width, bar_width = 6 * mm, 60 * mm, 80 * mm
    drawing = Drawing(label_width + bar_width + 25 * mm, row * len(bars))
    for index, bar in enumerate(bars):
        y = row * (len(bars) - index - 1)
        label = bar.label if len(bar.label) <= 40 else bar.label[:39] + "…"
        drawing.add(String(0, y + 1.5 * mm, label, fontName=font, fontSize=8))
        drawing.add(Rect(label_width, y + 1 * mm, max(bar_width * bar.share, 0.5), row - 2 * mm,
                         fillColor=colors.HexColor("#1d4f91"), strokeColor=None))
        drawing.add(String(label_width + bar_width * bar.share + 2 * mm, y + 1.5 * mm,
                           f"{bar.count} ({bar.percent} %)", fontName=font, fontSize=8))
    return drawing


def pdf_bytes(survey, figures, start=None, end=None, addressee=None) -> bytes:
    """The survey's results as a PDF with a bar chart per question."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    font = register_font()
    styles = getSampleStyleSheet()
    for style in styles.byName.values():
        style.fontName = font
    title = _("Survey report: %(title)s") % {"title": survey.title}
    story = [*letterhead_flowables(survey.site),
        Paragraph(escape(title), styles["Title"]),
        Paragraph(escape(_("Answers from %(start)s to %(end)s") % {
            "start": _fmt(start), "end": _fmt(end)}), styles["Normal"]),
        Paragraph(escape(_("Addressee: %(title)s") % {
            "title": addressee.title if addressee else _("Every addressee")}), styles["Normal"]),
        Paragraph(escape(_("Answers: %(count)s") % {"count": figures.responses}),
                  styles["Normal"]),
        Spacer(1, 6 * mm),
    ]
    for item in figures.questions:
        story.append(Paragraph(escape(item.question.text), styles["Heading3"]))
        if item.average is not None:
            story.append(Paragraph(escape(_("Average: %(average).1f (%(count)s answers)") % {
                "average": item.average, "count": item.answered}), styles["Normal"]))
        if item.bars:
            story.append(_bars_drawing(item.bars, font))
        for row in item.rows:
            average = "—" if row.average is None else f"{row.average:.1f}"
            story.append(Paragraph(escape(f"{row.label}: {average}"), styles["Normal"]))
            story.append(_bars_drawing(row.bars, font))
        if item.is_text:
            story.append(Paragraph(escape(_("Written answers: %(count)s") % {
                "count": item.answered}), styles["Normal"]))
        story.append(Spacer(1, 4 * mm))
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title=title, author="CivicDesk",
                      leftMargin=20 * mm, rightMargin=20 * mm).build(story)
    return buffer.getvalue()


def report_pdf(survey, start=None, end=None, addressee=None) -> bytes:
    questions = questions_of(survey)
    counts = stats.answer_counts(period_responses(survey, start, end, addressee))
    figures = stats.build(survey, questions, counts, min_group=0)
    return pdf_bytes(survey, figures, start, end, addressee)


def filename(survey, start=None, end=None) -> str:
    return (f"survey-{survey.pk}-report-{start.isoformat() if start else 'all'}"
            f"-{end.isoformat() if end else 'now'}.pdf")


# --- periodic reports ---------------------------------------------------------------------


def last_period(kind: str, today: date) -> tuple[date, date, str] | None:
    """The last complete week (Monday to Sunday) or month before ``today``."""
    if kind == ReportPeriod.WEEKLY:
        monday = today - timedelta(days=today.weekday() + 7)
        year, week, _day = monday.isocalendar()
        return monday, monday + timedelta(days=6), f"{year}-W{week:02d}"
    if kind == ReportPeriod.MONTHLY:
        last_day = today.replace(day=1) - timedelta(days=1)
        return last_day.replace(day=1), last_day, last_day.strftime("%Y-%m")
    return None


def send_periodic_reports(today: date | None = None) -> int:
    """Send every due survey report once. Returns how many were sent now."""
    today = today or timezone.localdate()
    sent = 0
    for survey in Survey.objects.exclude(report_period="").select_related("site"):
        period = last_period(survey.report_period, today)
        if period and survey.recipients() and send_report(survey, *period):
            sent += 1
    return sent


def send_report(survey: Survey, start: date, end: date, period_key: str) -> bool:
    from django.core.mail import EmailMessage

    from addons.core.models import SiteProfile

    if ReportLog.objects.filter(survey=survey, period=period_key).exists():
        return False
    language = SiteProfile.for_site(survey.site).default_language or settings.LANGUAGE_CODE
    with translation.override(language):
        document = report_pdf(survey, start, end)
        answers = period_responses(survey, start, end).count()
        subject = _("Survey report “%(title)s”, %(start)s to %(end)s") % {
            "title": survey.title, "start": _fmt(start), "end": _fmt(end)}
        body = _("The report of the survey “%(title)s” for %(start)s to %(end)s is "
                 "attached.\n\nAnswers in the period: %(count)s.") % {
            "title": survey.title, "start": _fmt(start), "end": _fmt(end), "count": answers}
    try:
        with transaction.atomic():
            ReportLog.objects.create(survey=survey, period=period_key)
            message = EmailMessage(subject, body, to=survey.recipients())
            message.attach(filename(survey, start, end), document, "application/pdf")
            message.send()
    except IntegrityError:
        return False  # another worker sent it meanwhile
    logger.info("Survey report %s/%s sent", survey.pk, period_key)
    return True
