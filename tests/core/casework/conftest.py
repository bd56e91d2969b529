"""Two towns with addressees, staff and cases of the test case add-on, for the desk's
tests (imported by the casework test modules)."""

import datetime
import itertools

import pytest
from django.utils import timezone

from tests.conftest import add_town

_seq = itertools.count(1)


def make_user(django_user_model, name, **extra):
    n = next(_seq)
    return django_user_model.objects.create_user(
        username=f"staff{n}", email=f"staff{n}@example.org", password="pw-12345-long",
        full_name=name, **{"language": "en", **extra})


def staff_of(user, page):
    page.refresh_from_db()
    user.groups.add(page.moderators)
    for attr in ("_civicdesk_moderated_addressee_ids", "_perm_cache", "_user_perm_cache",
                 "_group_perm_cache"):
        if hasattr(user, attr):
            delattr(user, attr)
    return user


def make_addressee(home, title, slug):
    from addons.addressees.models import AddresseeCatalogPage, AddresseePage

    catalog = AddresseeCatalogPage.objects.child_of(home).first()
    if catalog is None:
        catalog = home.add_child(instance=AddresseeCatalogPage(title="Addressees",
                                                               slug=f"addressees-{slug}"))
    page = catalog.add_child(instance=AddresseePage(title=title, slug=slug))
    page.refresh_from_db()
    return page


class Town:
    """A site with two addressees, two categories and a maker of cases."""

    def __init__(self, site, suffix):
        from tests.core.case_addon.models import CaseCategory

        home = site.root_page.specific
        self.site = site
        self.roads = make_addressee(home, f"Roads {suffix}", f"roads-{suffix}")
        self.parks = make_addressee(home, f"Parks {suffix}", f"parks-{suffix}")
        self.potholes = CaseCategory.objects.create(site=site, name=f"Potholes {suffix}")
        self.lights = CaseCategory.objects.create(site=site, name=f"Lights {suffix}")

    def case(self, addressee=None, **fields):
        from tests.core.case_addon.models import Case

        n = next(_seq)
        values = {"site": self.site, "addressee": addressee or self.roads,
                  "reference": f"C-{n:04d}", "title": f"Case {n}",
                  "category": self.potholes,
                  "due_date": timezone.localdate() + datetime.timedelta(days=10)}
        values.update(fields)
        return Case.objects.create(**values)


@pytest.fixture
def town(site):
    return Town(site, "a")


@pytest.fixture
def town2(db, home):
    site = add_town("town2.example.org", "Town 2", slug="town-2")
    return Town(site, "b")


@pytest.fixture
def roads_staff(django_user_model, town):
    return staff_of(make_user(django_user_model, "Roads Olha"), town.roads)


@pytest.fixture
def roads_staff2(django_user_model, town):
    return staff_of(make_user(django_user_model, "Roads Petro"), town.roads)


@pytest.fixture
def parks_staff(django_user_model, town):
    return staff_of(make_user(django_user_model, "Parks Ivan"), town.parks)


@pytest.fixture
def town2_staff(django_user_model, town2):
    return staff_of(make_user(django_user_model, "Town2 Maria"), town2.roads)


@pytest.fixture
def outsider(django_user_model):
    return make_user(django_user_model, "Citizen Outsider")


@pytest.fixture(autouse=True)
def _english_messages():
    """Services called outside a request speak English in these tests (the checks on
    translated text set the language themselves)."""
    from django.utils import translation

    with translation.override("en"):
        yield
