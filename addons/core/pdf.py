"""The PDF font every add-on's documents use (reportlab): a TrueType font that covers
Cyrillic and Romanian diacritics, registered once per process, safely under threads."""

from __future__ import annotations

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
