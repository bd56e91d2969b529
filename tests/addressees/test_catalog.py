"""The catalog page, group pages, search, filters, subtrees on demand, bad input."""

import pytest
from wagtail.models import Page, Site

from addons.addressees.models import AddresseeGroup, AddresseeGroupPage, Specialist

from .helpers import add_addressee, add_catalog, bulk_addressees

pytestmark = pytest.mark.django_db


def get(client, url, **params):
    return client.get(url, params, HTTP_HOST="localhost")


def cards(response):
    return response.content.count(b'class="card addressee-card"')


@pytest.fixture
def tree(catalog):
    """mayor > deputy > department; a water utility with a specialist; twelve more."""
    mayor = add_addressee(catalog, "Mayor", kind="official", position="Mayor of the city",
                          head_name="Olena Kovalenko", phone="+380 44 100 00 00")
    deputy = add_addressee(mayor, "Deputy mayor", kind="official",
                           duties="Housing and utilities")
    department = add_addressee(deputy, "Department of housing", duties="Repairs of roofs")
    water = add_addressee(catalog, "Водоканал", kind="enterprise", summary="Водопостачання міста")
    Specialist.objects.create(page=water, name="Петро Шевченко", competences="Лічильники води",
                              position="Інженер")
    bulk_addressees(catalog, 12, prefix="Office")
    return {"mayor": mayor, "deputy": deputy, "department": department, "water": water}


def test_top_level_is_paginated_and_cards_show_the_basics(client, catalog, tree):
    response = get(client, catalog.url)
    assert response.status_code == 200
    assert cards(response) == 5  # per_page
    html = response.content.decode()
    assert "Mayor of the city" in html and "Olena Kovalenko" in html
    assert 'href="tel:+380441000000"' in html
    # only the top level: the deputy is loaded on demand
    assert "Deputy mayor" not in html
    assert f'href="/catalog/?open={tree["mayor"].pk}"' in html
    assert f'data-subtree-url="/addressees/subtree/{tree["mayor"].pk}/"' in html
    assert "Show 1 sub-addressee<" in html
    assert "addressees/js/catalog.js" in html
    third = get(client, catalog.url, page=3)
    assert cards(third) == 4  # 14 top-level addressees


def test_open_shows_a_subtree_without_javascript(client, catalog, tree):
    response = get(client, catalog.url, open=tree["deputy"].pk)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Department of housing" in html
    assert f'href="/catalog/?open={tree["mayor"].pk}">Mayor<' in html  # the trail
    assert cards(response) == 1


@pytest.mark.parametrize("value", ["abc", "999999", "-1", "1" * 40])
def test_open_with_a_bad_id_says_so(client, catalog, tree, value):
    response = get(client, catalog.url, open=value)
    assert response.status_code == 200
    assert b"This addressee was not found in the catalog" in response.content
    assert cards(response) == 5


def test_open_cannot_reach_outside_the_catalog(client, home, catalog, tree):
    other = add_catalog(home, "Other", "other")
    stranger = add_addressee(other, "Stranger")
    response = get(client, catalog.url, open=stranger.pk)
    assert b"This addressee was not found in the catalog" in response.content


def test_subtree_fragment(client, catalog, tree):
    response = get(client, f"/addressees/subtree/{tree['mayor'].pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert "Deputy mayor" in html
    assert f'/addressees/subtree/{tree["deputy"].pk}/' in html


def test_subtree_fragment_is_paginated(client, catalog, tree):
    bulk_addressees(tree["department"], 7, prefix="Unit")
    first = get(client, f"/addressees/subtree/{tree['department'].pk}/")
    assert cards(first) == 5
    assert b'class="tree-more"' in first.content
    second = get(client, f"/addressees/subtree/{tree['department'].pk}/", page=2)
    assert cards(second) == 2
    assert b'class="tree-more"' not in second.content


@pytest.mark.parametrize("page_id", ["999999"])
def test_subtree_fragment_of_unknown_addressee_is_404(client, catalog, page_id):
    assert get(client, f"/addressees/subtree/{page_id}/").status_code == 404


def test_subtree_fragment_of_a_draft_is_404(client, catalog, tree):
    Page.objects.filter(pk=tree["deputy"].pk).update(live=False)
    assert get(client, f"/addressees/subtree/{tree['deputy'].pk}/").status_code == 404


def test_subtree_fragment_of_another_site_is_404(client, root_page, catalog, tree):
    from addons.addressees.models import HomePage

    other_home = root_page.add_child(instance=HomePage(title="Other town", slug="other-town"))
    Site.objects.create(hostname="other.localhost", root_page=other_home)
    other_catalog = add_catalog(other_home, "Catalog", "catalog")
    foreign = add_addressee(other_catalog, "Foreign")
    assert get(client, f"/addressees/subtree/{foreign.pk}/").status_code == 404


@pytest.mark.parametrize("query, found", [
    ("mayor", "Deputy mayor"),          # title, at any depth
    ("roofs", "Department of housing"),  # duties
    ("kovalenko", "Mayor"),             # head
    ("водопостачання", "Водоканал"),     # summary, Cyrillic, other case
    ("ВОДОКАНАЛ", "Водоканал"),
    ("лічильники", "Водоканал"),         # a specialist's competences
    ("шевченко", "Водоканал"),           # a specialist's name
    ("housing utilities", "Deputy mayor"),  # every word, in any field
])
def test_search(client, catalog, tree, query, found):
    response = get(client, catalog.url, q=query)
    html = response.content.decode()
    assert response.status_code == 200
    assert f">{found}</a>" in html


def test_search_shows_the_matching_specialist_with_the_addressee(client, catalog, tree):
    html = get(client, catalog.url, q="лічильники").content.decode()
    assert "Петро Шевченко" in html
    assert cards_text(html) == ["Водоканал"]


def cards_text(html):
    import re

    return re.findall(r'class="card-title"[^>]*><a href="[^"]+">([^<]+)</a>', html)


def test_search_results_name_the_parent(client, catalog, tree):
    html = get(client, catalog.url, q="roofs").content.decode()
    assert f'?open={tree["deputy"].pk}">Deputy mayor</a>' in html


def test_search_finds_nothing(client, catalog, tree):
    response = get(client, catalog.url, q="zzzz")
    assert b"Nothing found" in response.content
    assert cards(response) == 0


def test_search_wildcards_are_literal(client, catalog, tree):
    assert cards(get(client, catalog.url, q="%")) == 0
    assert cards(get(client, catalog.url, q="_")) == 0


def test_too_long_search_is_refused_with_a_message(client, catalog, tree):
    response = get(client, catalog.url, q="x" * 101)
    assert response.status_code == 200
    assert b"The search text is too long" in response.content
    assert cards(response) == 5  # the catalog is shown instead


def test_filter_by_group_and_kind(client, catalog, tree):
    group = AddresseeGroup.objects.create(name="Executive committee", slug="executive")
    tree["deputy"].groups.add(group)
    tree["deputy"].save_revision().publish()
    response = get(client, catalog.url, group="executive")
    assert cards_text(response.content.decode()) == ["Deputy mayor"]
    response = get(client, catalog.url, kind="enterprise")
    assert cards_text(response.content.decode()) == ["Водоканал"]
    response = get(client, catalog.url, kind="official", q="deputy")
    assert cards_text(response.content.decode()) == ["Deputy mayor"]


def test_unknown_group_says_so(client, catalog, tree):
    response = get(client, catalog.url, group="no-such-group")
    assert response.status_code == 200
    assert b"There is no such group" in response.content
    assert cards(response) == 5


def test_unknown_kind_says_so(client, catalog, tree):
    response = get(client, catalog.url, kind="wizard")
    assert response.status_code == 200
    assert b"There is no such kind of addressee" in response.content


@pytest.mark.parametrize("number", ["abc", "0", "999", "-2", "1.5"])
def test_bad_page_number_says_so(client, catalog, tree, number):
    response = get(client, catalog.url, page=number)
    assert response.status_code == 200
    assert b"There is no page" in response.content
    assert cards(response) == 5


def test_catalog_in_the_sites_language(client, catalog, tree):
    client.cookies["civicdesk_language"] = "uk"
    response = client.get(catalog.url, {"q": "x" * 101}, HTTP_HOST="localhost")
    assert "Текст пошуку задовгий".encode() in response.content


def test_unknown_addressee_url_is_the_themes_404(client, catalog, tree):
    response = get(client, "/catalog/no-such-addressee/")
    assert response.status_code == 404
    assert b"Page not found" in response.content


def test_group_page_lists_only_its_group_on_this_site(client, root_page, home, catalog, tree):
    group = AddresseeGroup.objects.create(name="Deputies", slug="deputies")
    for page in (tree["deputy"], tree["department"]):
        page.groups.add(group)
        page.save_revision().publish()
    # the same group on another site's tree stays there
    from addons.addressees.models import HomePage

    other_home = root_page.add_child(instance=HomePage(title="Other town", slug="other-town"))
    Site.objects.create(hostname="other.localhost", root_page=other_home)
    foreign = add_addressee(add_catalog(other_home), "Foreign deputy")
    foreign.groups.add(group)
    foreign.save_revision().publish()
    group_page = home.add_child(instance=AddresseeGroupPage(
        title="Deputies", slug="deputies", group=group, per_page=1))
    response = get(client, group_page.url)
    assert response.status_code == 200
    assert cards_text(response.content.decode()) == ["Deputy mayor"]
    assert b"2 addressees" in response.content
    assert cards_text(get(client, group_page.url, page=2).content.decode()) == [
        "Department of housing"]
    searched = get(client, group_page.url, q="roofs")
    assert cards_text(searched.content.decode()) == ["Department of housing"]
    assert b"The search text is too long" in get(client, group_page.url, q="y" * 500).content
    assert b"There is no page" in get(client, group_page.url, page="x").content


def test_home_links_to_catalog_and_group_pages(client, home, catalog):
    group = AddresseeGroup.objects.create(name="Deputies", slug="deputies")
    home.add_child(instance=AddresseeGroupPage(title="Our deputies", slug="deputies",
                                               group=group))
    html = get(client, "/").content.decode()
    assert 'action="/catalog/"' in html and 'name="q"' in html
    assert 'href="/catalog/">Catalog</a>' in html
    assert 'href="/deputies/">Our deputies</a>' in html
