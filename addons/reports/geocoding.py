"""Typed address -> point. The geocoder is pluggable: ``CIVICDESK_REPORTS_GEOCODER`` names a
class with ``geocode(text, site) -> GeocodeResult | None``; the default matches the city's
own street register (:class:`~addons.reports.models.Street`) and needs no network."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

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

        wanted = normalise(text or "")
        if not wanted:
            return None
        padded = f" {wanted} "
        best = None
        best_len = 0
        for street in Street.objects.filter(site=site).only(
            "pk", "name", "kind", "search_name", "lat", "lng"
        ):
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
