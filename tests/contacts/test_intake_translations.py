"""The contact center's strings, the filing screen's among them, in every language of the
installation."""

from pathlib import Path

import polib
import pytest
from django.utils import translation

LOCALE = Path(__file__).resolve().parents[2] / "addons" / "contacts" / "locale"


@pytest.mark.parametrize("language", ["uk", "ro", "bg"])
def test_every_contacts_string_is_translated(language):
    po = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    assert len(po) > 20
    assert po.untranslated_entries() == []
    assert po.fuzzy_entries() == []
    assert not po.metadata_is_fuzzy
    assert (LOCALE / language / "LC_MESSAGES" / "django.mo").exists()


@pytest.mark.parametrize(("language", "expected"), [
    ("uk", "Зареєструвати від імені абонента"),
    ("ro", "Înregistrare în numele apelantului"),
    ("bg", "Регистриране от името на обаждащия се"),
])
def test_the_filing_screen_in_each_language(language, expected):
    from django.utils.translation import gettext

    with translation.override(language):
        assert gettext("File on the caller's behalf") == expected


@pytest.mark.parametrize("language", ["uk", "ro", "bg"])
def test_the_law_s_refusal_in_each_language(language):
    from addons.appeals.intake import NOT_ALLOWED

    with translation.override(language):
        text = str(NOT_ALLOWED["ro"]["phone"])
    assert "27/2002" in text and not text.startswith("Under")
