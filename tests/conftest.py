import pytest
from wagtail.models import Page, Site


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
