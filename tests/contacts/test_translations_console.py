from pathlib import Path

import polib
import pytest

LOCALE = Path(__file__).resolve().parents[2] / "addons" / "contacts" / "locale"


@pytest.mark.parametrize("language", ["uk", "ro", "bg"])
def test_every_string_of_the_contact_center_is_translated(language):
    po = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    assert len(po) > 100
    assert po.untranslated_entries() == []
    assert po.fuzzy_entries() == []
    assert (LOCALE / language / "LC_MESSAGES" / "django.mo").exists()


@pytest.mark.django_db
def test_the_console_speaks_the_operators_language(client, site):
    from .conftest import make_staff

    client.force_login(make_staff("olena"))
    client.cookies["civicdesk_language"] = "uk"
    html = client.get("/admin/contacts/", {"q": "12345"}).content.decode()
    assert "Консоль контакт-центру" in html
    assert "не вдається прочитати як телефонний номер" in html
