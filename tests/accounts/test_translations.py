from pathlib import Path

import polib
import pytest

LOCALE = Path(__file__).resolve().parents[2] / "addons" / "accounts" / "locale"


@pytest.mark.parametrize("language", ["uk", "ro", "bg"])
def test_every_string_is_translated(language):
    po = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    assert len(po) > 100
    assert po.untranslated_entries() == []
    assert po.fuzzy_entries() == []
    assert (LOCALE / language / "LC_MESSAGES" / "django.mo").exists()


def test_pages_speak_the_chosen_language(client, db):
    client.cookies["civicdesk_language"] = "ro"
    html = client.get("/accounts/register/").content.decode()
    assert "Creați contul" in html
    client.cookies["civicdesk_language"] = "bg"
    html = client.get("/accounts/login/").content.decode()
    assert "Забравена парола?" in html
