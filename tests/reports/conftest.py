"""Shared fixtures of the problem-reports tests: a site with the default categories and
statuses, city bounds round the demo centre, addressees with moderators, citizens."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from addons.addressees.models import AddresseeCatalogPage, AddresseePage
from addons.core.geo import Point
from addons.core.models import SiteProfile

CENTRE = Point(49.2350, 31.6230)


@pytest.fixture(autouse=True)
def _clean(private_storage):
    """Every test here gets its own private storage and an empty cache."""
    return private_storage


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies["civicdesk_language"] = "en"
    return client


@pytest.fixture
def profile(site):
    profile = SiteProfile.for_site(site)
    profile.jurisdiction = "ua"
    profile.default_language = "en"
    profile.map_center = str(CENTRE)
    profile.save()
    return profile


@pytest.fixture
def catalog(home):
    return home.add_child(instance=AddresseeCatalogPage(title="Addressees", slug="addressees"))


@pytest.fixture
def city_hall(catalog, profile):
    """The leadership; the roads department sits under it (its head's moderators)."""
    return catalog.add_child(instance=AddresseePage(title="City hall", slug="city-hall"))


@pytest.fixture
def addressee(city_hall):
    return city_hall.add_child(instance=AddresseePage(title="Roads department", slug="roads"))


@pytest.fixture
def water(catalog, profile):
    return catalog.add_child(instance=AddresseePage(title="Water company", slug="vodokanal"))


@pytest.fixture
def reports_site(site, profile, addressee, water, city_hall, settings):
    """The site with the default categories (roads.* to the roads department, water.* to
    the water company), city bounds round CENTRE, the city hall as leadership."""
    from addons.reports.models import ReportsSettings
    from addons.reports.services import create_defaults

    options = ReportsSettings.for_site(site)
    options.min_lat, options.max_lat = CENTRE.lat - 0.1, CENTRE.lat + 0.1
    options.min_lng, options.max_lng = CENTRE.lng - 0.15, CENTRE.lng + 0.15
    options.category_map = {"roads.": "roads", "water.": "vodokanal"}
    options.save()
    from addons.core.models import StaffingSettings

    StaffingSettings.objects.update_or_create(site=site, defaults={"leadership": city_hall})
    create_defaults(site)
    return site


@pytest.fixture
def category(reports_site):
    from addons.reports.models import ReportCategory

    return ReportCategory.objects.get(site=reports_site, code="roads.pothole")


def _user(django_user_model, name, **extra):
    return django_user_model.objects.create_user(
        username=name, email=f"{name}@example.org", password="x", **extra
    )


@pytest.fixture
def make_user(django_user_model):
    def make(name, *, moderates=None, **extra):
        extra.setdefault("full_name", name.title() + " Citizen")
        user = _user(django_user_model, name, **extra)
        for page in moderates or ():
            page.refresh_from_db()
            user.groups.add(page.moderators)
        return user

    return make


@pytest.fixture
def citizen(make_user):
    return make_user("olena", language="en")


@pytest.fixture
def other_citizen(make_user):
    return make_user("taras", language="en")


@pytest.fixture
def moderator(make_user, addressee):
    return make_user("roadsmod", moderates=[addressee], is_staff=True, language="en")


@pytest.fixture
def head(make_user, city_hall):
    return make_user("mayor", moderates=[city_hall], is_staff=True, language="en")


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser(
        username="admin", email="admin@example.org", password="x"
    )


@pytest.fixture
def make_report(reports_site, category, citizen):
    """make_report(**overrides) files a report through the service."""
    from addons.reports.services import submit_report

    def make(**kwargs):
        data = {
            "site": reports_site, "category": category, "point": CENTRE,
            "description": "Deep pothole in front of house 15.", "reporter": citizen,
        }
        data.update(kwargs)
        return submit_report(**data)

    return make


def image_bytes(size=(64, 48), fmt="JPEG", exif=None, color=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    image = Image.new("RGB", size, color)
    if exif is not None:
        image.save(buffer, fmt, exif=exif)
    else:
        image.save(buffer, fmt)
    return buffer.getvalue()


def gps_exif(lat: float, lng: float):
    exif = Image.Exif()

    def dms(value):
        value = abs(value)
        d = int(value)
        m = int((value - d) * 60)
        s = round(((value - d) * 60 - m) * 60 * 100)
        from PIL.TiffImagePlugin import IFDRational

        return (IFDRational(d, 1), IFDRational(m, 1), IFDRational(s, 100))

    exif[0x010F] = "PhoneMaker"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1] = "N" if lat >= 0 else "S"
    gps[2] = dms(lat)
    gps[3] = "E" if lng >= 0 else "W"
    gps[4] = dms(lng)
    return exif


def photo_upload(name="photo.jpg", content=None, content_type="image/jpeg"):
    return SimpleUploadedFile(name, content if content is not None else image_bytes(),
                              content_type=content_type)


@pytest.fixture
def water_moderator(make_user, water):
    return make_user("watermod", moderates=[water], is_staff=True, language="en")


@pytest.fixture
def leak(reports_site):
    from addons.reports.models import ReportCategory

    return ReportCategory.objects.get(site=reports_site, code="water.leak")
