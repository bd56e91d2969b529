"""The main menu is cached per site and follows page changes."""

from addons.addressees.models import AddresseeCatalogPage


def _pages(items):
    return [item for item in items if not item["addon"]]


def _menu(client):
    return _pages(client.get("/", HTTP_HOST="localhost").context["civic_nav"])


def test_menu_lists_live_in_menu_children_and_marks_current(client, home):
    home.add_child(
        instance=AddresseeCatalogPage(title="Catalog", slug="catalog", show_in_menus=True)
    )
    home.add_child(
        instance=AddresseeCatalogPage(title="Hidden", slug="hidden", show_in_menus=False)
    )
    titles = [item["title"] for item in _menu(client)]
    assert titles == ["Catalog"]
    response = client.get("/catalog/", HTTP_HOST="localhost")
    assert [item["active"] for item in _pages(response.context["civic_nav"])] == [True]


def test_menu_follows_publish_unpublish_and_rename(client, home, django_assert_max_num_queries):
    catalog = home.add_child(
        instance=AddresseeCatalogPage(title="Catalog", slug="catalog", show_in_menus=True)
    )
    assert [i["title"] for i in _menu(client)] == ["Catalog"]
    catalog.title = "Addressees"
    catalog.save_revision().publish()
    assert [i["title"] for i in _menu(client)] == ["Addressees"]
    catalog.unpublish()
    assert _menu(client) == []


def test_cached_menu_costs_no_page_queries(rf, home):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from addons.core.navigation import menu_items

    home.add_child(
        instance=AddresseeCatalogPage(title="Catalog", slug="catalog", show_in_menus=True)
    )
    request = rf.get("/", HTTP_HOST="localhost")
    assert [item["title"] for item in _pages(menu_items(request))] == ["Catalog"]
    with CaptureQueriesContext(connection) as queries:
        again = menu_items(rf.get("/", HTTP_HOST="localhost"))
    assert [item["title"] for item in _pages(again)] == ["Catalog"]
    assert not [q for q in queries.captured_queries if '"wagtailcore_page"."depth" =' in q["sql"]]


def test_addon_pages_follow_the_pages_in_the_visitors_language(client, home, site):
    from addons.core import activation

    home.add_child(
        instance=AddresseeCatalogPage(title="Catalog", slug="catalog", show_in_menus=True)
    )
    client.cookies["civicdesk_language"] = "en"
    menu = client.get("/", HTTP_HOST="localhost").context["civic_nav"]
    assert [(item["title"], item["addon"]) for item in menu] == [
        ("Catalog", False), ("Report a problem", True), ("News", True), ("Receptions", True),
        ("City in figures", True)]
    assert [item["url"] for item in menu if item["addon"]] == [
        "/reports/new/", "/bulletins/", "/queues/receptions/", "/figures/"]
    client.cookies["civicdesk_language"] = "uk"
    menu = client.get("/", HTTP_HOST="localhost").context["civic_nav"]
    assert [item["title"] for item in menu if item["addon"]] == [
        "Повідомити про проблему", "Новини", "Прийоми", "Місто в цифрах"]
    activation.disable(site, "bulletins")
    menu = client.get("/", HTTP_HOST="localhost").context["civic_nav"]
    assert [item["title"] for item in menu if item["addon"]] == [
        "Повідомити про проблему", "Прийоми", "Місто в цифрах"]
