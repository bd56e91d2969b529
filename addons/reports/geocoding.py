"""Typed address -> point. The geocoder is pluggable: ``CIVICDESK_REPORTS_GEOCODER`` names a
class with ``geocode(text, site) -> GeocodeResult | None``; the default matches the city's
own street register (:class:`~addons.reports.models.Street`) and needs no network."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

from .spelling import skeleton

DEFAULT_GEOCODER = "addons.reports.geocoding.StreetRegisterGeocoder"

# Street-kind words in the four languages, left out when matching.
_KIND_WORDS = {
    "вул", "вулиця", "вулиці", "пров", "провулок", "просп", "проспект", "пл", "площа",
    "бульв", "бульвар", "узвіз", "шосе", "майдан", "str", "strada", "strada.", "bd", "bdul",
    "bulevardul", "calea", "piata", "piața", "aleea", "ул", "улица", "бул", "булевард",
    "street", "st", "avenue", "ave", "square", "lane", "road", "rd", "м", "місто",
}
_WORD_RE = re.compile(r"[^\W\d_]+", re.UNICODE)
_NUMBER_RE = re.compile(r"\b(\d+[a-zа-яіїєґ]?)\b", re.IGNORECASE)


def normalise(text: str) -> str:
    """Lower case, apostrophes and accents folded, street-kind words dropped."""
    text = unicodedata.normalize("NFKD", text.lower().replace("’", "'").replace("ʼ", "'"))
    text = "".join(c for c in text if not unicodedata.combining(c) or c in "\u0306\u0308")
    text = unicodedata.normalize("NFKC", text).replace("'", "")
    words = [w for w in _WORD_RE.findall(text) if w not in _KIND_WORDS]
    return " ".join(words)


@dataclass(frozen=True)
class GeocodeResult:
    lat: float
    lng: float
    address: str
    street: object = None


class StreetRegisterGeocoder:
    """Finds the street whose name (or alias) is in the typed text; the point is the
    street's reference point. Longest name wins ("Нова Садова" over "Садова")."""

    def geocode(self, text: str, site) -> GeocodeResult | None:
        from .models import Street

        if not normalise(text or ""):
            return None
        return self.match(text, Street.objects.filter(site=site).only(
            "pk", "name", "kind", "search_name", "lat", "lng"))

    @staticmethod
    def match(text: str, streets) -> GeocodeResult | None:
        """The street of ``streets`` (with ``search_name``) whose name is in ``text``."""
        padded = f" {normalise(text or '')} "
        best = None
        best_len = 0
        for street in streets:
            for name in street.search_name.split(" | "):
                if name and f" {name} " in padded and len(name) > best_len:
                    best, best_len = street, len(name)
        if best is None:
            return None
        number = _NUMBER_RE.search(text)
        address = str(best) + (f", {number.group(1)}" if number else "")
        return GeocodeResult(lat=best.lat, lng=best.lng, address=address, street=best)


def get_geocoder():
    path = getattr(settings, "CIVICDESK_REPORTS_GEOCODER", DEFAULT_GEOCODER)
    return import_string(path)()


def geocode(text: str, site) -> GeocodeResult | None:
    return get_geocoder().geocode(text, site)


# --- an address anywhere in a sentence (the chat channels) ---------------------------------
#
# "на Городоцькій біля 15", "pe strada Florilor nr. 15", "ul. Rakovski 15": every word is
# brought to one Latin skeleton (``spelling.skeleton``), its inflectional ending is cut
# off, and the words are compared with the register's names, one letter of difference
# allowed. Deterministic: no model, no network; the register's index is kept per town
# until a street changes.

# Inflectional endings (uk, ru, bg, ro) in the skeleton's letters, the longest first.
_ENDINGS = ("ului", "oiu", "eiu", "ogo", "omu", "ami", "oi", "ei", "ii", "iu", "ia", "ie",
            "om", "em", "a", "e", "i", "o", "u")
_MIN_STEM = 3

#: house numbers ("15", "15а", "15-А", "15/2") and words (apostrophes inside them kept)
_TOKEN_RE = re.compile(r"\d{1,4}(?:[/-]\d{1,3})?(?:-?[^\W\d_](?![^\W\d_]))?"
                       r"|[^\W\d_]+(?:['’ʼ`][^\W\d_]+)*")
_SENTENCE_END = re.compile(r"[.!?]\s*$")

#: words naming a kind of street, in the usual abbreviations and inflected forms
_CHAT_KIND_WORDS = (
    "вул", "вулиця", "вулиці", "вулицю", "вулицею", "пров", "провулок", "провулку", "просп",
    "проспект", "проспекту", "пр", "пл", "площа", "площі", "бульв", "бульвар", "бульварі",
    "шосе", "узвіз", "ул", "улица", "улице", "улицы", "улицу", "бул", "булевард", "булеварда",
    "площад", "кв", "str", "strada", "strazii", "bd", "bdul", "bulevardul", "calea", "piata",
    "aleea", "soseaua", "intrarea", "splaiul", "ul", "ulitsa", "ulica", "bul", "bulevard",
    "vul", "vulytsia", "vulytsi", "vulitsa", "prosp", "prov", "street", "st", "avenue", "ave",
    "road", "rd", "lane",
)
#: words before a place ("on", "near", "by")
_PLACE_WORDS = (
    "на", "по", "біля", "коло", "поруч", "возле", "около", "вздовж", "навпроти", "напроти",
    "напротив", "від", "до", "через", "за", "під", "в", "у", "край", "при", "срещу", "близо",
    "pe", "langa", "la", "din", "spre", "vizavi", "in", "on", "at", "near", "by", "na", "po",
    "bilia", "kolo", "okolo", "vozle",
)
#: words between a street and its house number ("біля 15", "nr. 15", "буд. 15")
_NUMBER_WORDS = (
    "біля", "коло", "буд", "будинок", "будинку", "дом", "дома", "д", "номер", "nr", "numarul",
    "no", "bl", "бл", "блок", "langa", "near", "house", "la", "до", "при", "около", "номера",
    "bilia", "bud", "budynok", "budynku", "dom",
)

#: words after a number that is not a house number ("2 тижні", "3 zile", "5 м")
_UNIT_WORDS = (
    "тижні", "тижнів", "тиждень", "дні", "днів", "день", "місяць", "місяці", "місяців", "роки",
    "років", "год", "годин", "хв", "м", "метрів", "недели", "недель", "дней", "zile", "zi",
    "saptamani", "luni", "ani", "ore", "metri", "m", "дена", "седмици", "месеца", "години",
    "часа", "метра", "days", "weeks", "months", "years", "hours", "metres", "meters",
)


def _stem(word: str) -> str:
    text = skeleton(word)
    for ending in _ENDINGS:
        if text.endswith(ending) and len(text) - len(ending) >= _MIN_STEM:
            return text[: -len(ending)]
    return text


_KIND_STEMS = frozenset(_stem(word) for word in _CHAT_KIND_WORDS)
_PLACE_STEMS = frozenset(_stem(word) for word in _PLACE_WORDS)
_NUMBER_STEMS = frozenset(_stem(word) for word in _NUMBER_WORDS) | _KIND_STEMS
_UNIT_STEMS = frozenset(_stem(word) for word in _UNIT_WORDS)


def _deletions(stem: str) -> set[str]:
    keys = {stem}
    if len(stem) >= 4:
        keys.update(stem[:i] + stem[i + 1:] for i in range(len(stem)))
    return keys


def _close(a: str, b: str) -> int | None:
    """The edit distance of two stems when at most one letter apart (a transposition
    counts as one), else None; short stems must be equal."""
    if a == b:
        return 0
    if min(len(a), len(b)) < 4 or abs(len(a) - len(b)) > 1:
        return None
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return 1
        if len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] \
                and a[diff[1]] == b[diff[0]]:
            return 1
        return None
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return 1 if any(long_[:i] + long_[i + 1:] == short for i in range(len(long_))) else None


@dataclass(frozen=True)
class _Token:
    text: str
    stem: str
    number: bool
    capital: bool  # written with a capital letter inside a sentence


def _tokens(text: str) -> list[_Token]:
    tokens = []
    for match in _TOKEN_RE.finditer(text):
        word = match.group(0)
        number = word[0].isdigit()
        before = text[: match.start()]
        inside = bool(before.strip()) and not _SENTENCE_END.search(before)
        tokens.append(_Token(word, "" if number else _stem(word), number,
                             inside and word[0].isupper()))
    return tokens


class StreetIndex:
    """The stems of a town's street names and aliases, looked up by every stem one letter
    shorter, so a typo costs a dictionary look-up, not a scan of the register."""

    def __init__(self, streets):
        self.streets = []  # (pk, label, lat, lng)
        self.variants: list[tuple[int, tuple[str, ...]]] = []  # (street index, word stems)
        self.keys: dict[str, list[tuple[int, int]]] = {}  # key -> [(variant, position)]
        for street in streets:
            self.streets.append((street.pk, str(street), street.lat, street.lng))
            names = [street.name, *street.aliases.splitlines()]
            seen = set()
            for name in names:
                stems = tuple(token.stem for token in _tokens(name)
                              if not token.number and token.stem not in _KIND_STEMS)
                if not stems or stems in seen:
                    continue
                seen.add(stems)
                variant = len(self.variants)
                self.variants.append((len(self.streets) - 1, stems))
                for position, stem in enumerate(stems):
                    for key in _deletions(stem):
                        self.keys.setdefault(key, []).append((variant, position))

    def _candidates(self, stem: str) -> dict[tuple[int, int], int]:
        found: dict[tuple[int, int], int] = {}
        for key in _deletions(stem):
            for variant, position in self.keys.get(key, ()):
                if (variant, position) in found:
                    continue
                distance = _close(stem, self.variants[variant][1][position])
                if distance is not None:
                    found[(variant, position)] = distance
        return found

    def find(self, text: str):
        """``(street, house number or "")`` named in ``text``, or None."""
        tokens = _tokens(text)
        best = None  # (score, street index, last token index)
        for i, token in enumerate(tokens):
            if token.number or len(token.stem) < _MIN_STEM or token.stem in _KIND_STEMS \
                    or token.stem in _PLACE_STEMS:
                continue
            for (variant, position), distance in self._candidates(token.stem).items():
                street, stems = self.variants[variant]
                if position == 0:
                    end, typos, partial = i, distance, False
                    for offset in range(1, len(stems)):
                        j = i + offset
                        if j >= len(tokens) or tokens[j].number:
                            break
                        step = _close(tokens[j].stem, stems[offset])
                        if step is None:
                            break
                        end, typos = j, typos + step
                    if end - i + 1 != len(stems):
                        continue
                elif position == len(stems) - 1 and len(token.stem) >= 5:
                    # "на Франка" for "Івана Франка": the surname alone
                    end, typos, partial = i, distance, True
                else:
                    continue
                score = self._score(tokens, i, end, stems, typos, partial)
                if score is not None and (best is None or score > best[0]):
                    best = (score, street, end)
        if best is None:
            return None
        return self.streets[best[1]], self._number(tokens, best[2])

    @staticmethod
    def _score(tokens, start, end, stems, typos, partial):
        """How sure the match is; None without any sign that a street is meant (a kind
        word or a preposition before, a house number after, a capital letter, or a name of
        several words)."""
        before = [tokens[k].stem for k in range(max(0, start - 2), start)
                  if not tokens[k].number]
        kind = bool(before) and before[-1] in _KIND_STEMS
        place = bool(before) and (before[-1] in _PLACE_STEMS
                                  or (kind and len(before) > 1 and before[-2] in _PLACE_STEMS))
        number = bool(StreetIndex._number(tokens, end))
        capital = tokens[start].capital
        several = len(stems) > 1 and not partial
        if not (kind or place or number or capital or several):
            return None
        matched = sum(len(stems[k]) for k in range(len(stems))) if not partial \
            else len(stems[-1])
        return (matched + 10 * kind + 6 * place + 8 * number + 3 * capital
                - 2 * typos - 5 * partial)

    @staticmethod
    def _number(tokens, end) -> str:
        for k in range(end + 1, min(end + 5, len(tokens))):
            token = tokens[k]
            if token.number:
                after = tokens[k + 1].stem if k + 1 < len(tokens) else ""
                return "" if after in _UNIT_STEMS else token.text
            if token.stem not in _NUMBER_STEMS:
                return ""
        return ""


_indexes: dict[int, tuple[str, StreetIndex]] = {}


def street_index(site) -> StreetIndex:
    """The town's index, built once per process and again when a street changes (the city
    map's version, one cache read)."""
    from .caching import city_key
    from .models import Street

    version = city_key(site.pk, "street-index")
    cached = _indexes.get(site.pk)
    if cached is not None and cached[0] == version:
        return cached[1]
    index = StreetIndex(Street.objects.filter(site=site).only(
        "pk", "name", "kind", "aliases", "lat", "lng"))
    _indexes[site.pk] = (version, index)
    return index


def find_address(text: str, site) -> GeocodeResult | None:
    """A street of ``site``'s register named anywhere in ``text`` ("на Городоцькій біля
    15", "pe strada Florilor nr. 15", "ul. Rakovski 15"), with the house number when one
    is given; None when no street of the register is named. The register has no houses:
    the point is the street's own."""
    if not text or site is None:
        return None
    found = street_index(site).find(str(text)[:2000])
    if found is None:
        return None
    (pk, label, lat, lng), number = found
    address = label + (f", {number}" if number else "")
    # ``street`` is the street's pk here: the index keeps no model instances
    return GeocodeResult(lat=lat, lng=lng, address=address, street=pk)
