"""Photos of reports: checked, re-encoded, stripped of every metadata, resized, thumbnailed.

The GPS position in a photo's EXIF is read (to offer it as the report's location) before the
metadata is dropped; the stored file never carries it.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

try:  # phones send HEIC
    from pillow_heif import register_heif_opener

    register_heif_opener()
except ImportError:  # pragma: no cover
    pass

MAX_PHOTOS = 5
THUMBNAIL_EDGE = 320
#: more pixels than this in one photo is refused, read from the file's header before any
#: decoding (a decompression bomb, or simply too big to handle): 24 MP, a phone's full size
DEFAULT_MAX_PIXELS = 24_000_000
#: more pixels than this in all the photos of one request is refused the same way
DEFAULT_MAX_TOTAL_PIXELS = 60_000_000
GPS_IFD = 0x8825
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "HEIF", "MPO", "TIFF", "BMP"}


def max_photos() -> int:
    return getattr(settings, "CIVICDESK_REPORTS_MAX_PHOTOS", MAX_PHOTOS)


def max_pixels() -> int:
    return getattr(settings, "CIVICDESK_REPORTS_MAX_PIXELS", DEFAULT_MAX_PIXELS)


def max_total_pixels() -> int:
    return getattr(settings, "CIVICDESK_REPORTS_MAX_TOTAL_PIXELS", DEFAULT_MAX_TOTAL_PIXELS)


def header_pixels(upload) -> int:
    """Width × height as the file's header declares it, without decoding any pixel; 0 when
    the header cannot be read (the full check then says what is wrong)."""
    try:
        position = upload.tell()
    except (AttributeError, OSError):
        position = 0
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(upload) as probe:
                width, height = probe.size
        return width * height
    except Exception:  # noqa: BLE001 - not an image: process_photo reports it
        return 0
    finally:
        try:
            upload.seek(position)
        except (AttributeError, OSError):
            pass


@dataclass
class ProcessedPhoto:
    image: bytes
    thumbnail: bytes
    width: int
    height: int
    gps: tuple[float, float] | None = None


def _rational(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        num, den = value
        return num / den if den else 0.0


def gps_from_exif(image: Image.Image) -> tuple[float, float] | None:
    """(lat, lng) from the EXIF GPS block, or None."""
    try:
        gps = image.getexif().get_ifd(GPS_IFD)
    except Exception:  # noqa: BLE001 - broken EXIF is simply no GPS
        return None
    try:
        lat_ref, lat, lng_ref, lng = gps.get(1), gps.get(2), gps.get(3), gps.get(4)
        if not (lat and lng):
            return None

        def degrees(dms) -> float:
            d, m, s = (_rational(x) for x in dms)
            return d + m / 60 + s / 3600

        lat_value, lng_value = degrees(lat), degrees(lng)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if str(lat_ref).upper().startswith("S"):
        lat_value = -lat_value
    if str(lng_ref).upper().startswith("W"):
        lng_value = -lng_value
    in_range = -90 <= lat_value <= 90 and -180 <= lng_value <= 180
    if not in_range or (lat_value, lng_value) == (0, 0):
        return None
    return round(lat_value, 6), round(lng_value, 6)


def _encode(image: Image.Image, edge: int, quality: int) -> bytes:
    copy = image.copy()
    copy.thumbnail((edge, edge), Image.Resampling.LANCZOS)
    # Pillow writes some of ``info`` back out (the JPEG comment, ICC profile, ...): a fresh
    # JPEG carries none of the original's metadata, comment, EXIF, XMP, ICC or text.
    copy.info = {}
    out = io.BytesIO()
    copy.save(out, "JPEG", quality=quality, optimize=True, exif=b"", icc_profile=None,
              comment=b"")
    return out.getvalue()


def process_photo(upload, *, max_bytes: int, max_edge: int = 1600) -> ProcessedPhoto:
    """Check and re-encode one uploaded file; ValidationError with a clear message if it is
    not an image, too large, or a decompression bomb."""
    name = getattr(upload, "name", "") or _("the photo")
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise ValidationError(
            _("%(name)s is too large: the limit is %(mb)d MB.")
            % {"name": name, "mb": max_bytes // (1024 * 1024)},
            code="too_large",
        )
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValidationError(
            _("%(name)s is too large: the limit is %(mb)d MB.")
            % {"name": name, "mb": max_bytes // (1024 * 1024)},
            code="too_large",
        )
    not_image = ValidationError(
        _("%(name)s is not an image we can read (JPEG, PNG, WebP or HEIC).") % {"name": name},
        code="not_image",
    )
    bomb = ValidationError(
        _("%(name)s has too many pixels to be processed safely.") % {"name": name},
        code="too_many_pixels",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            probe = Image.open(io.BytesIO(data))
            if probe.format not in ALLOWED_FORMATS:
                raise not_image
            width, height = probe.size
            if width * height > max_pixels():
                raise bomb
            probe.verify()
            image = Image.open(io.BytesIO(data))
            gps = gps_from_exif(image)
            if image.format in ("JPEG", "MPO"):
                # decode at a reduced scale when the photo is far larger than what is kept
                image.draft("RGB", (max_edge, max_edge))
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise bomb from None
        except ValidationError:
            raise
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
            raise not_image from None
    try:
        image = ImageOps.exif_transpose(image)
    except Exception:  # noqa: BLE001 - a broken orientation tag: keep the pixels as they are
        pass
    if image.mode not in ("RGB", "L"):
        background = Image.new("RGB", image.size, "white")
        rgba = image.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    elif image.mode == "L":
        image = image.convert("RGB")
    encoded = _encode(image, max_edge, 85)
    final = Image.open(io.BytesIO(encoded))
    return ProcessedPhoto(
        image=encoded,
        thumbnail=_encode(image, THUMBNAIL_EDGE, 80),
        width=final.width,
        height=final.height,
        gps=gps,
    )


def process_photos(files, site) -> list[ProcessedPhoto]:
    """Check and re-encode the photos of one report (the form's uploads, a chat's
    downloads): their count and their headers first (pixels per photo and in all, nothing
    decoded yet), then each once. ValidationError with every photo's problem."""
    from .services import get_settings

    if len(files) > max_photos():
        raise ValidationError(_("At most %(n)d photos.") % {"n": max_photos()})
    if sum(header_pixels(upload) for upload in files) > max_total_pixels():
        raise ValidationError(_(
            "Together these photos have too many pixels to be processed safely. Send "
            "fewer or smaller photos."), code="too_many_pixels")
    options = get_settings(site)
    errors, processed = [], []
    for upload in files:
        try:
            processed.append(process_photo(
                upload, max_bytes=options.max_photo_mb * 1024 * 1024,
                max_edge=options.photo_max_edge,
            ))
        except ValidationError as error:
            errors.extend(error.messages)
    if errors:
        raise ValidationError(errors)
    return processed


# --- photos kept between the steps of the report form -------------------------------------

#: how long checked photos wait for the next step of the form
CHECKED_TTL = 30 * 60


def _checked_key(token: str, site) -> str:
    return f"reports.photos:{getattr(site, 'pk', site)}:{token}"


def store_checked(photos: list[ProcessedPhoto], site) -> str:
    """Keep processed photos (at most a few MB) for CHECKED_TTL; the token to fetch them."""
    import secrets

    from django.core.cache import cache

    token = secrets.token_urlsafe(24)
    cache.set(_checked_key(token, site), list(photos), CHECKED_TTL)
    return token


def load_checked(token: str, site) -> list[ProcessedPhoto] | None:
    from django.core.cache import cache

    if not token or len(token) > 64 or not token.replace("-", "").replace("_", "").isalnum():
        return None
    photos = cache.get(_checked_key(token, site))
    if not isinstance(photos, list) or not all(isinstance(p, ProcessedPhoto) for p in photos):
        return None
    return photos


def forget_checked(token: str, site) -> None:
    from django.core.cache import cache

    cache.delete(_checked_key(token, site))
