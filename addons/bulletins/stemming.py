"""Word forms for the e-digest's search, the same on every database.

A small suffix-stripping stemmer of our own for the languages CivicDesk serves (Ukrainian
and the Cyrillic Bulgarian and Russian; Romanian and English in Latin script). It is not a
linguist's stemmer: it only has to bring the forms of one word close enough that "сніг"
finds "снігу", "drum" finds "drumurile" and "сняг" finds "снега".

Each bulletin keeps ``search_stems``: every word of its title, summary, text and tags in a
normalised form, followed by its stem (" снігу сніг ..."). A query word is stemmed the same
way and matches when its stem begins some stored word. Since the stored list holds the
words themselves as well as their stems, a word the stemmer cut too short in a bulletin is
still found by its fuller form.
"""

from __future__ import annotations

import re
import unicodedata

#: words: runs of letters and digits of any script (apostrophes inside words are dropped)
_WORD = re.compile(r"[^\W_]+")
_APOSTROPHES = re.compile(r"(?<=\w)['’ʼ`](?=\w)")
#: a stem keeps at least this many letters
MIN_STEM = 3

_CYRILLIC_SUFFIXES = sorted({
    # Ukrainian and Russian nouns and adjectives
    "ями", "ами", "ові", "еві", "єві", "ого", "ому", "ього", "ьому", "ими", "іми", "ій", "ий",
    "их", "іх", "им", "ім", "ою", "ею", "єю", "ів", "їв", "ям", "ам", "ах", "ях", "ом", "ем",
    "ей", "ой", "ая", "яя", "ое", "ее", "ые", "ый", "ую", "юю", "ої",
    # verbs
    "ться", "тися", "ти", "ть", "ють", "ують", "ує", "ла", "ли", "ло",
    # Bulgarian definite articles and plurals
    "ите", "ата", "ото", "ята", "ове", "еве", "ища", "ът", "ят", "та", "то", "те",
    # single endings
    "а", "я", "о", "е", "є", "у", "ю", "і", "ї", "и", "ь", "й", "ы", "ъ",
}, key=len, reverse=True)

_LATIN_SUFFIXES = sorted({
    # Romanian articles, cases and plurals (diacritics folded: ă -> a, ț -> t)
    "urilor", "urile", "ilor", "elor", "ului", "iile", "ile", "ele", "uri", "lor", "ul", "ua",
    "ei", "ii", "le", "ea", "ia",
    # Romanian verbs and participles
    "eaza", "esc", "este", "area", "arii", "are", "ari", "ata", "ate", "ati", "at", "ita",
    "ite",
    # English
    "ings", "ing", "ies", "es", "ed", "ly", "s",
    # single endings
    "a", "e", "i", "u",
}, key=len, reverse=True)


def _fold_latin(word: str) -> str:
    """Romanian diacritics (either cedilla or comma below) folded to plain letters."""
    decomposed = unicodedata.normalize("NFD", word)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _is_cyrillic(word: str) -> bool:
    return any("\u0400" <= char <= "\u04ff" for char in word)


def normalise(word: str) -> str:
    """``word`` in lower case, Latin diacritics folded, Cyrillic ё as е."""
    word = word.casefold()
    if _is_cyrillic(word):
        return word.replace("ё", "е")
    return _fold_latin(word)


def _strip(word: str, suffixes) -> str:
    for suffix in suffixes:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_STEM:
            return word[: -len(suffix)]
    return word


def _soften(stem: str) -> str:
    """Bulgarian "ят" vowel: сняг / снега, бял / бели: an inner я is read as е."""
    return stem[0] + stem[1:].replace("я", "е") if len(stem) > 1 else stem


def stem(word: str) -> str:
    """The stem of one word (normalised first)."""
    word = normalise(word)
    if word.isdigit():
        return word
    if _is_cyrillic(word):
        return _soften(_strip(word, _CYRILLIC_SUFFIXES))
    return _strip(word, _LATIN_SUFFIXES)


def words(text: str) -> list[str]:
    """The words of ``text`` (apostrophes inside a word kept out: під’їзд is one word)."""
    return _WORD.findall(_APOSTROPHES.sub("", text or ""))


def index_text(text: str) -> str:
    """What a bulletin stores for its search: each distinct word (normalised) and its stem,
    separated and surrounded by spaces, so that ``" " + stem`` finds a word beginning."""
    seen: dict[str, None] = {}
    for word in words(text):
        normal = normalise(word)
        if _is_cyrillic(normal):
            normal = _soften(normal)
        seen.setdefault(normal, None)
        seen.setdefault(stem(word), None)
    return f" {' '.join(seen)} " if seen else ""


def query_stems(text: str, limit: int = 20) -> list[str]:
    """The stems of the words of a search, each once, at most ``limit``."""
    result: dict[str, None] = {}
    for word in words(text)[:limit]:
        result.setdefault(stem(word), None)
    return list(result)


def matches(stems: list[str], indexed: str) -> bool:
    """Whether every stem begins some word of ``indexed`` (an ``index_text``)."""
    return all(f" {item}" in indexed for item in stems)
