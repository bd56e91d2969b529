"""Reference numbers as people type or say them: ``AP-2026-000123``, ``ap 2026 123``,
``АР2026000123`` typed on a Cyrillic keyboard.

``normalize_reference`` reads Cyrillic look-alike letters as Latin, removes spaces and
makes every kind of dash a plain hyphen; ``find_reference`` asks the add-ons' status
lookups (``AddonConfig.status_lookup``) which record of a site it is. Nothing here imports
an add-on.
"""

from __future__ import annotations

import re

from django.utils import timezone
from django.utils.module_loading import import_string

from . import registry

#: Cyrillic letters that look like Latin capitals (after upper-casing)
LOOK_ALIKES = str.maketrans({
    "А": "A", "В": "B", "С": "C", "Е": "E", "Н": "H", "І": "I", "Ї": "I", "Ј": "J",
    "К": "K", "М": "M", "О": "O", "Р": "P", "Ѕ": "S", "Т": "T", "Х": "X", "У": "Y",
    "Ү": "Y",
})
#: hyphen look-alikes: figure dash, en dash, em dash, minus sign, non-breaking hyphen, ...
DASHES = re.compile("[\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d_/.]")
SPACES = re.compile(r"\s+")


def normalize_reference(text: str) -> str:
    """``" ар–2026 000123 "`` -> ``"AP-2026000123"``: upper case, Latin letters, plain
    hyphens, no spaces."""
    value = (text or "").strip().upper().translate(LOOK_ALIKES)
    value = DASHES.sub("-", value)
    return SPACES.sub("", value)


def lookups(site=None):
    """``[(addon, StatusLookup)]`` of the add-ons on at ``site`` (every installed one
    without a site)."""
    items = registry.status_lookups()
    if site is None:
        return items
    from .activation import enabled_labels

    enabled = enabled_labels(site)
    return [(addon, item) for addon, item in items if addon.label in enabled]


def matches(lookup, text: str) -> bool:
    """Whether the normalised ``text`` is a reference of ``lookup``'s kind."""
    return re.fullmatch(lookup.pattern, normalize_reference(text), re.IGNORECASE) is not None


def find_reference(site, text: str):
    """The ``StatusAnswer`` of the record of ``site`` whose reference ``text`` is, or None
    (nothing of that kind, a reference of another site, an add-on that is off there)."""
    value = normalize_reference(text)
    if not value:
        return None
    for _addon, lookup in lookups(site):
        if re.fullmatch(lookup.pattern, value, re.IGNORECASE):
            answer = import_string(lookup.find)(site, value)
            if answer is not None:
                return answer
    return None


def digits_to_reference(lookup, digits: str, *, today=None) -> str:
    """The reference typed as digits on a phone keypad, in ``lookup``'s way
    (``StatusLookup.digits``): ``"year+number"`` reads ``2026123`` as the year 2026 and
    number 123 (digits starting with a year from 2000 to this one), other digits as a
    number of this year; ``"number"`` reads the digits as the whole number. "" when they
    cannot be read."""
    digits = re.sub(r"\D", "", digits or "")
    if not digits or not lookup.digits:
        return ""
    prefix = lookup.prefix
    if lookup.digits == "number":
        return f"{prefix}-{int(digits)}" if prefix else str(int(digits))
    if lookup.digits == "year+number":
        year = (today or timezone.localdate()).year
        if len(digits) > 4 and 2000 <= int(digits[:4]) <= year and int(digits[4:]) > 0:
            year, number = int(digits[:4]), int(digits[4:])
        else:
            number = int(digits)
        if number <= 0:
            return ""
        return f"{prefix}-{year}-{number:06d}"
    return ""
