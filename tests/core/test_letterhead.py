"""The city's letterhead on documents: coat of arms, name, address, a rule in its colour."""

import io

import pytest
from wagtail.models import Site

from addons.core import pdf
from addons.core.models import SiteProfile
from tests.conftest import make_coat_of_arms

pytestmark = pytest.mark.django_db


def _arms():
    return make_coat_of_arms((90, 105))


@pytest.fixture
def branded_site(site, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    SiteProfile.objects.filter(site=site).delete()
    SiteProfile.objects.create(site=site, municipality_name="Місто Тест",
                               postal_address="вул. Соборна, 1", brand_colour="#7a1f2b",
                               coat_of_arms=_arms())
    return Site.objects.get(pk=site.pk)


def _text(data: bytes) -> str:
    from pypdf import PdfReader

    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _images(data: bytes) -> int:
    from pypdf import PdfReader

    return sum(len(page.images) for page in PdfReader(io.BytesIO(data)).pages)


def test_letterhead_reads_the_site_settings(branded_site):
    head = pdf.letterhead(branded_site)
    assert head["name"] == "Місто Тест" and head["address"] == "вул. Соборна, 1"
    assert head["colour"] == "#7a1f2b" and head["arms"] is not None


def test_letterhead_without_arms_or_colour(site):
    head = pdf.letterhead(site)
    assert head["arms"] is None and head["colour"] == pdf.DEFAULT_COLOUR


def test_canvas_letterhead(branded_site):
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    below = pdf.draw_letterhead(page, branded_site, left=20 * mm, top=A4[1] - 20 * mm,
                                width=170 * mm)
    assert below < A4[1] - 40 * mm
    page.showPage()
    page.save()
    data = buffer.getvalue()
    assert "Місто Тест" in _text(data) and "вул. Соборна, 1" in _text(data)
    assert _images(data) == 1


def test_flowable_letterhead(branded_site, site):
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    for target, images in ((branded_site, 1), (site, 0)):
        if target is site:
            profile = SiteProfile.objects.get(site=site)
            profile.coat_of_arms = None
            profile.save()  # as the settings form does (the cached profile follows)
        buffer = io.BytesIO()
        story = [*pdf.letterhead_flowables(target), Paragraph("x", getSampleStyleSheet()["Normal"])]
        SimpleDocTemplate(buffer, pagesize=A4).build(story)
        assert "Місто Тест" in _text(buffer.getvalue())
        assert _images(buffer.getvalue()) == images
