import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from PIL import Image

from addons.reports.photos import gps_from_exif, process_photo

from .conftest import gps_exif, image_bytes, photo_upload


@pytest.fixture(autouse=True)
def _english():
    """The messages are checked in English, whatever an earlier request activated."""
    with translation.override("en"):
        yield

MB = 1024 * 1024


def test_reencoded_without_metadata_and_gps_read():
    upload = photo_upload(content=image_bytes(size=(2400, 1200), exif=gps_exif(49.2361, 31.6244)))
    result = process_photo(upload, max_bytes=10 * MB, max_edge=1600)
    assert result.gps == pytest.approx((49.2361, 31.6244), abs=1e-3)
    stored = Image.open(io.BytesIO(result.image))
    assert stored.format == "JPEG" and stored.size == (1600, 800)
    assert len(stored.getexif()) == 0 and gps_from_exif(stored) is None
    assert "exif" not in stored.info and b"PhoneMaker" not in result.image
    thumb = Image.open(io.BytesIO(result.thumbnail))
    assert max(thumb.size) == 320 and len(thumb.getexif()) == 0


def test_not_an_image():
    with pytest.raises(ValidationError) as error:
        process_photo(photo_upload("x.jpg", b"MZ\x90\x00 not an image at all"), max_bytes=MB)
    assert "not an image" in error.value.messages[0]


def test_truncated_image():
    data = image_bytes(size=(200, 200))[:200]
    with pytest.raises(ValidationError):
        process_photo(photo_upload("t.jpg", data), max_bytes=MB)


def test_too_large():
    with pytest.raises(ValidationError) as error:
        process_photo(photo_upload(content=image_bytes()), max_bytes=100)
    assert "too large" in error.value.messages[0]


def _png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG that claims an enormous size (a decompression bomb)."""
    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def test_decompression_bomb():
    with pytest.raises(ValidationError) as error:
        process_photo(photo_upload("bomb.png", _png_header_only(60000, 60000)), max_bytes=MB)
    assert "too many pixels" in error.value.messages[0]


def test_bomb_under_pillow_limit_but_over_ours(settings):
    settings.CIVICDESK_REPORTS_MAX_PIXELS = 1000
    with pytest.raises(ValidationError) as error:
        process_photo(photo_upload(content=image_bytes(size=(100, 100))), max_bytes=MB)
    assert "too many pixels" in error.value.messages[0]


def test_png_with_alpha_is_flattened():
    buffer = io.BytesIO()
    Image.new("RGBA", (50, 50), (0, 0, 0, 0)).save(buffer, "PNG")
    result = process_photo(photo_upload("a.png", buffer.getvalue()), max_bytes=MB)
    assert Image.open(io.BytesIO(result.image)).mode == "RGB"


@pytest.mark.django_db
def test_bad_photos_through_the_form(client, reports_site):
    from addons.reports.models import Report

    from .test_reporting import URL, form_data

    for name, content, message in [
        ("x.jpg", b"plain text", "not an image"),
        ("bomb.png", _png_header_only(60000, 60000), "too many pixels"),
    ]:
        response = client.post(URL, form_data(photos=[photo_upload(name, content)]))
        assert response.status_code == 400
        assert message in response.content.decode()
    assert not Report.objects.exists()
