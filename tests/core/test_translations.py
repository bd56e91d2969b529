from pathlib import Path

import polib
import pytest
from django.utils import translation

from addons.core.deadlines import WORKING_DAYS, Term, get_term
from addons.core.models import Notification

LOCALE = Path(__file__).resolve().parents[2] / "addons" / "core" / "locale"


@pytest.mark.parametrize("language", ["uk", "ro", "bg"])
def test_every_core_string_is_translated(language):
    po = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    assert len(po) > 50
    assert po.untranslated_entries() == []
    assert po.fuzzy_entries() == []
    assert not po.metadata_is_fuzzy
    assert (LOCALE / language / "LC_MESSAGES" / "django.mo").exists()


@pytest.mark.parametrize(
    ("language", "jurisdiction", "rule", "expected"),
    [
        ("uk", "ua", "appeal", "1 місяць"),
        ("uk", "ua", "appeal-urgent", "15 днів"),
        ("ro", "ro", "petition", "30 de zile"),
        ("ro", "ro", "forward", "5 zile"),
        ("bg", "bg", "signal", "2 месеца"),
        ("bg", "bg", "notify-decision", "7 дни"),
    ],
)
def test_terms_in_each_language(language, jurisdiction, rule, expected):
    with translation.override(language):
        assert get_term(rule, jurisdiction).describe() == expected


@pytest.mark.parametrize(
    ("language", "working_days", "status"),
    [("uk", "2 робочі дні", "надіслано"), ("ro", "2 zile lucrătoare", "trimis"),
     ("bg", "2 работни дни", "изпратено")],
)
def test_labels_in_each_language(language, working_days, status):
    with translation.override(language):
        assert Term(2, WORKING_DAYS).describe() == working_days
        assert str(Notification.Status.SENT.label) == status
