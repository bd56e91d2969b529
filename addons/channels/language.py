"""The language a conversation is held in: the platform's ``language_code`` when the site
offers it, else guessed from the citizen's words, else the site's own language.

The guess is deterministic and small: Cyrillic with і/ї/є/ґ is Ukrainian, Cyrillic with ъ
or common Bulgarian words is Bulgarian; Latin with ă/â/î/ș/ț or common Romanian words is
Romanian, common English words English, Bulgarian written in Latin letters Bulgarian."""

from __future__ import annotations

import re

#: the languages the dialogue speaks
SPOKEN = ("uk", "ro", "bg", "en")

UKRAINIAN_LETTERS = set("іїєґ")
BULGARIAN_LETTERS = set("ъ")
ROMANIAN_LETTERS = set("ăâîșşțţ")
WORDS = re.compile(r"[^\W\d_]+", re.UNICODE)

BULGARIAN_WORDS = {"има", "няма", "ул", "улица", "дупка", "пред", "със", "това", "са",
                   "моля", "здравейте", "отпадъци", "работи", "който", "която", "до", "от",
                   "моите", "моят", "сигнал", "сигнали", "сигнала"}
UKRAINIAN_WORDS = {"вулиця", "вул", "біля", "яма", "не", "працює", "сміття", "дякую", "на",
                   "доброго", "дня", "мої", "звернення"}
ROMANIAN_WORDS = {"strada", "str", "pe", "este", "si", "nu", "functioneaza", "groapa",
                  "langa", "gunoi", "apa", "trotuar", "trotuarul", "sunt", "pentru", "cu",
                  "blocul", "bloc", "multumesc", "buna", "ziua", "mare", "in", "la", "din",
                  "sesizarile", "mele", "o", "un"}
ENGLISH_WORDS = {"the", "is", "there", "street", "near", "on", "of", "and", "my", "hello",
                 "please", "broken", "not", "working", "big", "a", "an", "reports", "in",
                 "at", "it", "hi"}
BULGARIAN_LATIN_WORDS = {"ima", "dupka", "ulica", "ul", "nyama", "raboti", "pred", "moya",
                         "molya", "boklik", "boklak", "zdraveite", "tova", "sas"}


def detect(text: str) -> str:
    """``"uk"``, ``"bg"``, ``"ro"``, ``"en"`` guessed from ``text``, or "" when it says
    too little."""
    lowered = (text or "").casefold()
    words = WORDS.findall(lowered)
    if not words:
        return ""
    letters = set(lowered)
    cyrillic = sum(1 for char in lowered if "\u0400" <= char <= "\u04ff")
    latin = sum(1 for char in lowered if "a" <= char <= "z" or char in ROMANIAN_LETTERS)
    if cyrillic > latin:
        if letters & UKRAINIAN_LETTERS:
            return "uk"
        if letters & BULGARIAN_LETTERS:
            return "bg"
        bulgarian = sum(word in BULGARIAN_WORDS for word in words)
        ukrainian = sum(word in UKRAINIAN_WORDS for word in words)
        if bulgarian > ukrainian:
            return "bg"
        return "uk" if ukrainian else ""
    if letters & ROMANIAN_LETTERS:
        return "ro"
    scores = {
        "ro": sum(word in ROMANIAN_WORDS for word in words),
        "en": sum(word in ENGLISH_WORDS for word in words),
        "bg": sum(word in BULGARIAN_LATIN_WORDS for word in words),
    }
    best = max(scores, key=lambda code: (scores[code], code == "en"))
    return best if scores[best] else ""


def offered(site) -> list[str]:
    """The languages the dialogue may speak on ``site``, its own first."""
    from addons.core.content_languages import site_languages
    from addons.core.models import SiteProfile

    codes = [code for code in site_languages(SiteProfile.for_site(site)) if code in SPOKEN]
    return codes or ["en"]


def choose(site, platform_code: str, text: str) -> tuple[str, str]:
    """``(language, how)`` for a conversation of ``site``: ``how`` is "platform", "text"
    or "site" (the last two may change when the citizen writes more)."""
    codes = offered(site)
    code = (platform_code or "").lower().replace("_", "-").split("-")[0]
    if code in codes:
        return code, "platform"
    guessed = detect(text)
    if guessed in codes:
        return guessed, "text"
    return codes[0], "site"
