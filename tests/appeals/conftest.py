import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from addons.addressees.models import AddresseeCatalogPage, AddresseePage
from addons.appeals.models import AppealForm, AppealFormPlacement, AppealsSettings
from addons.core.models import SiteProfile

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 40


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def odt_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


def upload(name="letter.pdf", content=PDF, content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


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
    profile.save()
    return profile


@pytest.fixture
def catalog(home):
    return home.add_child(instance=AddresseeCatalogPage(title="Addressees", slug="addressees"))


@pytest.fixture
def addressee(catalog, profile):
    return catalog.add_child(instance=AddresseePage(title="Roads department", slug="roads"))


@pytest.fixture
def sub_addressee(addressee):
    return addressee.add_child(instance=AddresseePage(title="Road repairs", slug="repairs"))


@pytest.fixture
def other_addressee(catalog, profile):
    return catalog.add_child(instance=AddresseePage(title="Parks department", slug="parks"))


@pytest.fixture
def department(catalog, profile, site):
    page = catalog.add_child(instance=AddresseePage(title="Appeals department", slug="appeals"))
    options = AppealsSettings.for_site(site)
    options.department = page
    options.save()
    return page


@pytest.fixture
def leadership(catalog, site):
    from addons.core.models import StaffingSettings

    page = catalog.add_child(instance=AddresseePage(title="Mayor's office", slug="mayor"))
    options = StaffingSettings.for_site(site)
    options.leadership = page
    options.save()
    return page


def _user(django_user_model, name, **extra):
    return django_user_model.objects.create_user(
        username=name, email=f"{name}@example.org", password="x", **extra
    )


@pytest.fixture
def make_user(django_user_model):
    def make(name, *, moderates=None, complete=True, **extra):
        if complete:
            extra.setdefault("full_name", name.title() + " Citizen")
            extra.setdefault("postal_address", "1 Main Street, Kyiv")
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
    return make_user("taras")


@pytest.fixture
def moderator(make_user, addressee):
    return make_user("roadsmod", moderates=[addressee], is_staff=True)


@pytest.fixture
def other_moderator(make_user, other_addressee):
    return make_user("parksmod", moderates=[other_addressee], is_staff=True)


@pytest.fixture
def department_moderator(make_user, department):
    return make_user("deptmod", moderates=[department], is_staff=True)


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser(
        username="admin", email="admin@example.org", password="x"
    )


@pytest.fixture
def appeal_form(site, addressee):
    form = AppealForm.objects.create(site=site, title="Appeal from an individual")
    AppealFormPlacement.objects.create(page=addressee, form=form)
    return form


@pytest.fixture
def legal_form(site, addressee):
    form = AppealForm.objects.create(site=site, title="Appeal from a legal entity",
                                     kind="legal_entity")
    AppealFormPlacement.objects.create(page=addressee, form=form)
    return form


DATA = {
    "applicant_name": "Olena Citizen",
    "applicant_address": "1 Main Street, Kyiv",
    "applicant_email": "olena@example.org",
    "appeal_type": "complaint",
    "subject": "Pothole on Main Street",
    "text": "There is a deep pothole in front of house 1. Please repair it.",
}


@pytest.fixture
def file_one(site, appeal_form, addressee, citizen):
    from addons.appeals.services import file_appeal

    def make(author=None, **data):
        appeal, _created = file_appeal(
            site=site, form=appeal_form, addressee=data.pop("to", addressee),
            author=author or citizen, data={**DATA, **data},
        )
        return appeal

    return make


@pytest.fixture
def make_town(home):
    """Another site of the installation, in country ``code`` ("ua", "ro", "bg"), with an
    addressee that takes appeals through its own individual form."""
    from wagtail.models import Site

    from addons.addressees.models import HomePage

    def make(code, slug=None):
        slug = slug or f"town-{code}"
        town_home = home.get_parent().add_child(instance=HomePage(title=slug, slug=slug))
        town_site = Site.objects.create(hostname=f"{slug}.localhost", port=80,
                                        root_page=town_home)
        SiteProfile.objects.update_or_create(
            site=town_site, defaults={"jurisdiction": code, "default_language": "en"}
        )
        town_catalog = town_home.add_child(
            instance=AddresseeCatalogPage(title="Addressees", slug="addressees")
        )
        town_addressee = town_catalog.add_child(
            instance=AddresseePage(title=f"Town hall {code}", slug="hall")
        )
        form = AppealForm.objects.create(site=town_site, title="Petition")
        AppealFormPlacement.objects.create(page=town_addressee, form=form)
        return {"site": town_site, "addressee": town_addressee, "form": form,
                "host": f"{slug}.localhost"}

    return make
