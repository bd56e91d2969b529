"""The files of a scheduled report: the figures of a period as a PDF (reportlab, on the
city's letterhead, in the font that covers Cyrillic and Romanian) and as an XLSX (one row
per figure and per part of its breakdown). Both are built from ``figures.Value`` lists in
the active language; the caller activates the schedule's language first."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from addons.core import registry
from addons.core.exports import safe
from addons.core.exports import xlsx_bytes as _xlsx_bytes

#: parts of a breakdown printed in the PDF (the XLSX has them all)
PDF_PARTS = 15


def format_value(value, unit: str) -> str:
    """A figure's value as people read it, in the active language: "no data" when there is
    none (never 0 %)."""
    if value is None:
        return _("no data")
    if unit == "count":
        return number_format(round(value), 0, force_grouping=True)
    text = number_format(value, 1)
    if unit == "%":
        return _("%(value)s %%") % {"value": text}
    if unit == "days":
        return _("%(value)s working days") % {"value": text}
    if unit == "hours":
        return _("%(value)s h") % {"value": text}
    if unit == "minutes":
        return _("%(value)s min") % {"value": text}
    if unit == "seconds":
        return _("%(value)s s") % {"value": text}
    if unit == "score":
        return _("%(value)s of 5") % {"value": text}
    return text


def service_title(record_type: str) -> str:
    """The service a value is computed for: its declared plural title, or "All services"."""
    if not record_type:
        return _("All services")
    declared = registry.service_event_type(record_type)
    return str(declared.title) if declared is not None else record_type


def status_label(status: str) -> str:
    return {"green": _("on target"), "amber": _("near the target"),
            "red": _("off target")}.get(status, "")


def scope_label(schedule) -> str:
    """Whose figures: the addressee's title, or the municipality."""
    if schedule.addressee_id:
        return schedule.addressee.title
    return _("The whole municipality")


def period_label(period) -> str:
    return _("%(start)s to %(end)s") % {"start": period.start.strftime("%d.%m.%Y"),
                                        "end": period.end.strftime("%d.%m.%Y")}


# --- XLSX --------------------------------------------------------------------------------


def xlsx_columns() -> list[str]:
    return [_("Figure"), _("Service"), _("Part"), _("Value"), _("Unit"), _("Records"),
            _("Previous period"), _("Target")]


def xlsx_rows(values):
    """One row per figure (Part empty), then one per part of its breakdown. Numbers stay
    numbers; an empty value is an empty cell."""
    for value in values:
        yield [safe(str(value.title)), safe(service_title(value.record_type)), "",
               value.value, value.unit, value.count, value.previous,
               status_label(value.status)]
        for bar in value.breakdown:
            yield [safe(str(value.title)), safe(service_title(value.record_type)),
                   safe(str(bar.label)), bar.value, value.unit, bar.count, None, ""]


def xlsx_bytes(values) -> bytes:
    return _xlsx_bytes(xlsx_columns(), xlsx_rows(values), _("Figures"))


# --- PDF ---------------------------------------------------------------------------------


def pdf_bytes(site, title: str, scope: str, period, values) -> bytes:
    """The report as a PDF: the letterhead, the title, whose figures and the period; a
    table of the figures (value, previous period, records, target); the main parts of each
    breakdown; the figures' definitions."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from addons.core.pdf import letterhead_flowables, register_font

    font = register_font()
    body = ParagraphStyle("insights-body", fontName=font, fontSize=9, leading=11)
    small = ParagraphStyle("insights-small", parent=body, fontSize=8, leading=10)
    heading = ParagraphStyle("insights-heading", fontName=font, fontSize=15, leading=19,
                             spaceAfter=2 * mm)
    subheading = ParagraphStyle("insights-subheading", fontName=font, fontSize=11,
                                leading=14, spaceBefore=4 * mm, spaceAfter=2 * mm)
    width = A4[0] - 40 * mm

    def cell(text, style=body):
        return Paragraph(escape(str(text)), style)

    def table(rows, widths):
        grid = Table(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
        grid.setStyle(TableStyle([
            ("FONTNAME", (0, 0), (-1, -1), font),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8ecf1")),
            ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#9aa5b1")),
        ]))
        return grid

    story = [*letterhead_flowables(site, width), Paragraph(escape(title), heading),
             cell(f"{scope} · {period_label(period)}"), Spacer(1, 4 * mm)]
    rows = [[cell(_("Figure")), cell(_("Service")), cell(_("Value")),
             cell(_("Previous period")), cell(_("Records")), cell(_("Target"))]]
    for value in values:
        rows.append([cell(value.title), cell(service_title(value.record_type)),
                     cell(format_value(value.value, value.unit)),
                     cell(format_value(value.previous, value.unit)),
                     cell(number_format(value.count, 0, force_grouping=True)),
                     cell(status_label(value.status))])
    if len(rows) == 1:
        rows.append([cell(_("no data")), "", "", "", "", ""])
    story.append(table(rows, [w * width for w in (0.28, 0.18, 0.16, 0.16, 0.1, 0.12)]))

    for value in values:
        if not value.breakdown:
            continue
        story.append(Paragraph(escape(f"{value.title} · {service_title(value.record_type)}"),
                               subheading))
        parts = [[cell(_("Part")), cell(_("Value")), cell(_("Records"))]]
        for bar in value.breakdown[:PDF_PARTS]:
            parts.append([cell(bar.label), cell(format_value(bar.value, value.unit)),
                          cell(number_format(bar.count, 0, force_grouping=True))])
        story.append(table(parts, [0.55 * width, 0.25 * width, 0.2 * width]))
        if len(value.breakdown) > PDF_PARTS:
            story.append(cell(_("%(shown)s of %(total)s parts shown; the XLSX file has them "
                                "all.") % {"shown": PDF_PARTS,
                                            "total": len(value.breakdown)}, small))

    definitions, seen = [], set()
    for value in values:
        if value.key in seen or not value.definition:
            continue
        seen.add(value.key)
        definitions.append(cell(f"{value.title}: {value.definition}", small))
    if definitions:
        story.append(Paragraph(escape(_("Definitions")), subheading))
        story.extend(definitions)

    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm,
                                 topMargin=15 * mm, bottomMargin=15 * mm, title=title,
                                 author=site.site_name or site.hostname)
    document.build(story)
    return buffer.getvalue()
