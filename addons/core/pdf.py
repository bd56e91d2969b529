"""The documents every add-on prints (reportlab): the PDF font, a TrueType font that covers
Cyrillic and Romanian diacritics, registered once per process, safely under threads; and the
city's letterhead (coat of arms, name, address, a rule in its colour) for their first page."""

from __future__ import annotations

import io
import threading
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

DEFAULT_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
FONT_NAME = "CivicDeskSans"
_lock = threading.Lock()


class FontMissing(RuntimeError):
    """The TrueType font for PDFs is not installed."""


def font_path() -> Path:
    return Path(getattr(settings, "CIVICDESK_PDF_FONT", DEFAULT_FONT))


def register_font() -> str:
    """Register the document font with reportlab and return its name; FontMissing says
    what to install. Registration is serialised: two threads making their first PDF at
    once must not both embed the font."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    with _lock:
        if FONT_NAME in pdfmetrics.getRegisteredFontNames():
            return FONT_NAME
        path = font_path()
        if not path.is_file():
            raise FontMissing(
                _(
                    "The PDF font %(path)s is missing: install the package fonts-dejavu-core "
                    "or set CIVICDESK_PDF_FONT to a TrueType font covering Cyrillic and Latin."
                )
                % {"path": path}
            )
        pdfmetrics.registerFont(TTFont(FONT_NAME, str(path)))
        return FONT_NAME


# -- the city's letterhead on every document -------------------------------------------

#: the rule under the letterhead when the site has no colour of its own (the civic theme's)
DEFAULT_COLOUR = "#17427a"


def _arms_bytes(image) -> bytes | None:
    """The coat of arms' file (None for none, an SVG or a file that cannot be read: the
    letterhead then shows the name only)."""
    if image is None:
        return None
    name = getattr(image.file, "name", "") or ""
    if name.lower().endswith(".svg"):
        return None
    try:
        with image.file.open("rb") as handle:
            return handle.read()
    except Exception:  # noqa: BLE001 - a missing file must not stop the document
        return None


def letterhead(site) -> dict:
    """What the letterhead shows: ``name``, ``address``, ``colour`` (``#rrggbb``, never
    empty), ``arms`` (an ImageReader or None) and ``arms_bytes`` (its file), from
    ``sites.branding(site)``."""
    from reportlab.lib.utils import ImageReader

    from .sites import branding

    brand = branding(site)
    data = _arms_bytes(brand["coat_of_arms"])
    return {"name": brand["name"], "address": brand["address"],
            "colour": brand["colour"] or DEFAULT_COLOUR, "arms_bytes": data,
            "arms": ImageReader(io.BytesIO(data)) if data else None}


def draw_letterhead(pdf, site, *, left: float, top: float, width: float) -> float:
    """Draw the city's letterhead on a reportlab canvas: the coat of arms, the
    municipality's name and address, a rule in the city's colour. Returns the y below it
    (points)."""
    from reportlab.lib.colors import HexColor
    from reportlab.lib.units import mm

    font = register_font()
    head = letterhead(site)
    height = 18 * mm
    x = left
    if head["arms"] is not None:
        image_width, image_height = head["arms"].getSize()
        drawn = height * image_width / max(image_height, 1)
        pdf.drawImage(head["arms"], left, top - height, width=drawn, height=height,
                      mask="auto")
        x = left + drawn + 4 * mm
    pdf.setFillColor(HexColor(head["colour"]))
    pdf.setFont(font, 14)
    pdf.drawString(x, top - 7 * mm, head["name"])
    pdf.setFillColor(HexColor("#1b1f24"))
    if head["address"]:
        pdf.setFont(font, 9)
        pdf.drawString(x, top - 13 * mm, head["address"])
    pdf.setStrokeColor(HexColor(head["colour"]))
    pdf.setLineWidth(2)
    rule = top - height - 3 * mm
    pdf.line(left, rule, left + width, rule)
    pdf.setStrokeColor(HexColor("#000000"))
    pdf.setLineWidth(1)
    return rule - 4 * mm


def letterhead_flowables(site, width: float | None = None) -> list:
    """The letterhead as platypus flowables, to put first in a document's story:
    ``story = [*letterhead_flowables(site), ...]``."""
    from xml.sax.saxutils import escape

    from reportlab.lib.colors import HexColor
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import HRFlowable, Image, Paragraph, Spacer, Table, TableStyle

    font = register_font()
    head = letterhead(site)
    width = width or 170 * mm
    name = Paragraph(escape(head["name"]), ParagraphStyle(
        "letterhead-name", fontName=font, fontSize=14, leading=17,
        textColor=HexColor(head["colour"])))
    cells = [name]
    if head["address"]:
        cells.append(Paragraph(escape(head["address"]), ParagraphStyle(
            "letterhead-address", fontName=font, fontSize=9, leading=12)))
    row, widths = [cells], [width]
    if head["arms"] is not None:
        image_width, image_height = head["arms"].getSize()
        height = 18 * mm
        drawn = height * image_width / max(image_height, 1)
        arms = Image(io.BytesIO(head["arms_bytes"]), width=drawn, height=height,
                     mask="auto")
        row, widths = [[arms, cells]], [drawn + 4 * mm, width - drawn - 4 * mm]
    table = Table(row, colWidths=widths, hAlign="LEFT", style=TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
    ]))
    return [table, Spacer(1, 2 * mm),
            HRFlowable(width="100%", thickness=2, color=HexColor(head["colour"])),
            Spacer(1, 4 * mm)]
