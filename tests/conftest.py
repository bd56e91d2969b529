import pytest
from wagtail.models import Page, Site


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Every test starts with an empty cache: cached pages, settings and sections of a test
    whose rows were rolled back never reach the next one."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def render_every_view(settings):
    """No whole page kept for anonymous visitors (addons/core/page_cache.py): for the tests
    of what rendering a page costs, and of the layers below it."""
    settings.CIVICDESK_PAGE_CACHE_SECONDS = 0


@pytest.fixture
def root_page(db):
    return Page.get_first_root_node()


@pytest.fixture
def home(root_page):
    from addons.addressees.models import HomePage

    home = root_page.add_child(instance=HomePage(title="Home", slug="test-home"))
    site = Site.objects.get(is_default_site=True)
    site.root_page = home
    site.hostname = "localhost"
    site.save()
    return home


@pytest.fixture
def site(home):
    return Site.objects.get(is_default_site=True)


@pytest.fixture
def private_storage(settings, tmp_path):
    """Confidential files in a temporary folder, and an empty cache, around one test."""
    from django.core.cache import cache
    from django.core.files.storage import storages

    cache.clear()
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
        },
    }
    storages._storages.pop("private", None)
    storages._backends = None
    yield tmp_path / "private"
    storages._storages.pop("private", None)
    storages._backends = None
    cache.clear()


# Figures a test measures (counts of requests, refusals, lock-outs): collected here and
# printed at the end of the run, so that `make test` shows them without `-s`.
_FIGURES = []


class _Figures:
    def add(self, name, text):
        _FIGURES.append((name, str(text)))


@pytest.fixture
def figures():
    """`figures.add("lock-out", "12 spellings tried, 0 checked")` prints the line in the
    run's summary."""
    return _Figures()


def pytest_terminal_summary(terminalreporter):
    if not _FIGURES:
        return
    terminalreporter.section("figures")
    for name, text in _FIGURES:
        terminalreporter.write_line(f"{name}: {text}")


def add_town(hostname, title="Town 2", *, slug="town-2", jurisdiction=None, language="en"):
    """Another municipality on the installation: a site with its own home page (and a site
    profile when a jurisdiction is given). Returns the site."""
    from addons.addressees.models import HomePage
    from addons.core.models import SiteProfile

    home = Page.get_first_root_node().add_child(instance=HomePage(title=title, slug=slug))
    town = Site.objects.create(hostname=hostname, port=80, root_page=home, site_name=title)
    if jurisdiction:
        SiteProfile.objects.update_or_create(
            site=town, defaults={"jurisdiction": jurisdiction, "default_language": language}
        )
    return town


def make_coat_of_arms(size=(60, 70)):
    """A Wagtail image to stand for a town's coat of arms (a plain PNG shield colour)."""
    import io

    from django.core.files.images import ImageFile
    from PIL import Image as PILImage
    from wagtail.images import get_image_model

    buffer = io.BytesIO()
    PILImage.new("RGBA", size, (20, 80, 140, 255)).save(buffer, "PNG")
    image = get_image_model()(title="Arms")
    image.file = ImageFile(io.BytesIO(buffer.getvalue()), name="arms.png")
    image._set_image_file_metadata()
    image.save()
    return image
