"""No subscription or mailing segment crosses a site: an addressee of another town is
refused by the form and by the service."""

import pytest
from wagtail.models import Site

from addons.addressees.models import AddresseeCatalogPage, AddresseePage, HomePage
from addons.bulletins import segments, services
from addons.bulletins.forms import SubscribeForm
from addons.bulletins.models import Subscription

from .conftest import make_subscription

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_town(root_page):
    home = root_page.add_child(instance=HomePage(title="Other town", slug="other-town"))
    site = Site.objects.create(hostname="other.localhost", root_page=home, site_name="Other")
    catalog = home.add_child(instance=AddresseeCatalogPage(title="Catalog", slug="catalog"))
    mayor = catalog.add_child(instance=AddresseePage(title="Other mayor", slug="mayor"))
    return site, mayor


def test_the_subscribe_form_refuses_another_towns_addressee(site, roads, other_town):
    _other_site, mayor = other_town
    form = SubscribeForm({"addressee": str(mayor.pk), "frequency": "daily",
                          "email": "a@example.org"}, site=site)
    assert not form.is_valid() and "addressee" in form.errors


def test_the_subscribe_service_refuses_another_towns_addressee(site, roads, other_town):
    _other_site, mayor = other_town
    spec = services.DigestFilter(addressee=mayor)
    with pytest.raises(services.SubscriptionError) as error:
        services.subscribe(site, spec, "daily", email="a@example.org")
    assert error.value.field_name == "addressee"
    assert not Subscription.objects.exists()
    assert services.subscribe(site, services.DigestFilter(addressee=roads), "daily",
                              email="a@example.org").addressee_id == roads.pk


def test_the_segment_reaches_no_subscriber_through_another_towns_addressee(
        site, roads, other_town):
    other_site, mayor = other_town
    make_subscription(other_site, "there@example.org", addressee=mayor)
    make_subscription(site, "here@example.org", addressee=roads)
    assert list(segments.subscribers(site, str(mayor.pk))) == []
    assert [r.email for r in segments.subscribers(other_site, str(mayor.pk))] == [
        "there@example.org"]
    for value in ("99999999999999999999999999", "-1", "0", "\u0661", "", None):
        assert list(segments.subscribers(site, value)) == []
