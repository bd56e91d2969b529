"""Staff menu entries show only to the staff their add-on lets in."""

from types import SimpleNamespace

from addons.core.admin_menu import Entry, staff_menu_item, staff_submenu


def _request(user):
    return SimpleNamespace(user=user)


def test_submenu_items_follow_the_rule_in_order():
    allowed = SimpleNamespace(name="staff")
    other = SimpleNamespace(name="citizen")
    menu = staff_submenu("Things", [Entry("First", "wagtailadmin_home", "first"),
                                    Entry("Second", "wagtailadmin_home", "second", "site")],
                         allowed=lambda user: user is allowed, name="things",
                         icon_name="list-ul", order=10)
    items = menu.menu.registered_menu_items
    assert [item.name for item in items] == ["first", "second"]
    assert [item.order for item in items] == [100, 200]
    assert all(item.is_shown(_request(allowed)) for item in items)
    assert not any(item.is_shown(_request(other)) for item in items)


def test_single_item():
    item = staff_menu_item("Desk", "wagtailadmin_home", allowed=lambda user: False,
                           name="desk", icon_name="time", order=5)
    assert item.url == "/admin/" and not item.is_shown(_request(object()))
