"""The home page leads with large cards: the editors' own, or the ways in the site offers."""

import pytest
from django.core.exceptions import ValidationError

from addons.addressees.models import HomeQuickLink
from addons.core import activation, registry

from .helpers import add_catalog

pytestmark = pytest.mark.django_db


def _cards(client):
    html = client.get("/").content.decode()
    if 'class="quick-cards"' not in html:
        return ""
    return html.split('class="quick-cards"')[1].split("</ul>")[0]


def test_a_new_site_gets_the_default_cards(client, home, site):
    catalog = add_catalog(home)
    cards = _cards(client)
    assert f'href="{catalog.url}"' in cards and "Find who handles what" in cards
    if registry.get_addon("reports") is not None:
        assert 'href="/reports/new/"' in cards and "Report a problem" in cards
    assert '<svg class="icon' in cards and 'aria-hidden="true"' in cards


def test_editors_cards_replace_the_defaults_in_their_order(client, home, site):
    catalog = add_catalog(home)
    home.quick_links = [
        HomeQuickLink(icon="find", title="Who does what", text="All offices", link_page=catalog,
                      sort_order=0),
        HomeQuickLink(icon="appeal", title="Write to us", link_url="/appeals/", sort_order=1),
    ]
    home.save()
    cards = _cards(client)
    assert cards.index("Who does what") < cards.index("Write to us")
    assert "All offices" in cards and "Report a problem" not in cards
    assert f'href="{catalog.url}"' in cards and "quick-card-appeal" in cards


def test_a_card_of_an_addon_switched_off_is_left_out(client, home, site):
    if registry.get_addon("reports") is None:
        pytest.skip("reports is not installed")
    home.quick_links = [
        HomeQuickLink(icon="report", title="Report it", link_url="/reports/new/", sort_order=0),
        HomeQuickLink(icon="news", title="Read the news", link_url="/anything/", sort_order=1),
    ]
    home.save()
    assert "Report it" in _cards(client)
    states = {addon.label: addon.label != "reports" for addon in registry.optional_addons()}
    activation.apply_states(site, states)
    cards = _cards(client)
    assert "Report it" not in cards and "Read the news" in cards


def test_a_card_needs_a_page_or_a_path_on_the_site(home):
    with pytest.raises(ValidationError) as error:
        HomeQuickLink(page=home, icon="find", title="Nowhere").clean()
    assert "link_url" in error.value.message_dict
    for address in ("https://elsewhere.example/", "//elsewhere.example/", "reports/new/"):
        with pytest.raises(ValidationError):
            HomeQuickLink(page=home, icon="find", title="Away", link_url=address).clean()
    HomeQuickLink(page=home, icon="report", title="Here", link_url="/reports/new/").clean()
