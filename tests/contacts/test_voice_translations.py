"""The contact center and its status line speak Ukrainian, Romanian and Bulgarian."""

from pathlib import Path

import polib
import pytest
from django.utils import translation

from addons.contacts.voice import spell_date, spell_reference

LOCALE = Path(__file__).resolve().parents[2] / "addons" / "contacts" / "locale"


@pytest.mark.parametrize("language", ["uk", "ro", "bg"])
def test_every_contacts_string_is_translated(language):
    po = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    assert len(po) > 50
    assert po.untranslated_entries() == []
    assert po.fuzzy_entries() == []
    assert (LOCALE / language / "LC_MESSAGES" / "django.mo").exists()


@pytest.mark.parametrize(("language", "date", "digits"), [
    ("uk", "7 грудня 2026 року", "два, нуль, два, шість; сім"),
    ("ro", "7 decembrie 2026", "doi, zero, doi, șase; șapte"),
    ("bg", "7 декември 2026 година", "две, нула, две, шест; седем"),
    ("en", "7 December 2026", "two, zero, two, six; seven"),
])
def test_dates_and_digits_for_speech(language, date, digits):
    import datetime

    with translation.override(language):
        assert spell_date(datetime.date(2026, 12, 7)) == date
        assert spell_reference("AP-2026-000007") == digits
