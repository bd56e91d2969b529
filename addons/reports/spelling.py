"""One spelling of a word whatever the alphabet or keyboard it was typed on: "ліхтар",
"lihtar", "likhtar" and "ЛІХТАР" give the same Latin skeleton. Used to match street names in
a chat message (``geocoding.find_address``) and by the report classifier (``triage``).

The skeleton: Cyrillic transliterated, diacritics folded ("ș", "ş" and "s" are one letter),
the spellings of one sound made one letter (``zh``, ``j`` -> ``z``; ``kh``, ``h`` -> ``g``;
``ts`` -> ``c``; ``y`` -> ``i``; Bulgarian chat Latin's ``q`` for "я", ``w`` for "в"),
doubled letters made single. Deterministic, no model."""

from __future__ import annotations

import re
import unicodedata

_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "ґ": "g", "д": "d", "е": "e", "є": "ie",
    "ж": "zh", "з": "z", "и": "y", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l", "м": "m",
    "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh",
    "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "a", "ь": "", "ю": "iu", "я": "ia",
    "ё": "e", "ы": "y", "э": "e",
}
_RULES = (
    ("shch", "s"), ("sht", "s"), ("zh", "z"), ("kh", "h"), ("ch", "c"), ("sh", "s"),
    ("ts", "c"), ("tz", "c"), ("w", "v"), ("q", "ia"), ("x", "h"), ("j", "z"), ("y", "i"),
    ("h", "g"),
)
_DOUBLED = re.compile(r"(.)\1+")


def skeleton(word: str) -> str:
    """The word's skeleton (letters and digits only)."""
    out = []
    for char in unicodedata.normalize("NFC", word.lower()):
        if char in _CYRILLIC:
            out.append(_CYRILLIC[char])
            continue
        folded = unicodedata.normalize("NFKD", char)
        out.append("".join(c for c in folded if not unicodedata.combining(c) and c.isalnum()))
    text = "".join(out)
    for old, new in _RULES:
        text = text.replace(old, new)
    return _DOUBLED.sub(r"\1", text)
