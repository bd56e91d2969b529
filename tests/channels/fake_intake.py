"""What the dialogue's tests stand on instead of the reports add-on: a chat intake
(``ChatIntake.service``) and status lookups over an in-memory store, and a chat platform
without buttons whose files are fetched from the local platform server.

The store is per town: a record is kept under ``(site id, reference)``; ``find`` of
another town answers None, as the real lookups do."""

from __future__ import annotations

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import get_language

from addons.channels.adapters.base import Adapter, DownloadError, Sent, call_json, fetch_bytes
from addons.core.addon import StatusAnswer

CATEGORIES = [
    {"code": "pothole", "addressee": "Roads department", "place_required": True,
     "anonymous": True, "words": {"pothole", "яма", "ями", "groapa", "groapă", "дупка"},
     "label": {"en": "Pothole", "uk": "Яма", "ro": "Groapă", "bg": "Дупка"}},
    {"code": "light", "addressee": "Lighting service", "place_required": False,
     "anonymous": False, "words": {"light", "lamp", "ліхтар", "bec", "лампа"},
     "label": {"en": "Street light", "uk": "Ліхтар", "ro": "Bec", "bg": "Лампа"}},
    {"code": "waste", "addressee": "Sanitation", "place_required": False, "anonymous": True,
     "words": {"waste", "rubbish", "сміття", "gunoi", "боклук"},
     "label": {"en": "Waste", "uk": "Сміття", "ro": "Gunoi", "bg": "Боклук"}},
    {"code": "graffiti", "addressee": "City look", "place_required": True,
     "anonymous": True, "words": {"graffiti"},
     "label": {"en": "Graffiti", "uk": "Графіті", "ro": "Graffiti", "bg": "Графити"}},
    {"code": "tree", "addressee": "Parks", "place_required": True, "anonymous": True,
     "words": {"tree", "дерево", "copac"},
     "label": {"en": "Fallen tree", "uk": "Дерево", "ro": "Copac", "bg": "Дърво"}},
]
BY_CODE = {category["code"]: category for category in CATEGORIES}
#: street register: a word of the street's name as typed -> (lat, lng, name)
STREETS = {"florilor": (47.02, 28.83, "strada Florilor"),
           "городоцьк": (49.84, 24.01, "вулиця Городоцька"),
           "раковски": (42.69, 23.32, "ул. Раковски")}
#: the city: latitudes between these (every test town)
CITY = (40.0, 55.0)
EXPECTED = datetime.date(2026, 12, 21)

RECORDS: dict = {}  # (site id, reference) -> dict(answer=, person=, code=, lat=, lng=)
FILED: list = []  # (site id, data, person, source)
FEEDBACK: list = []  # (site id, reference, person, answer, rating)
COSIGNED: list = []  # (site id, reference, person)
CALLS: list = []  # (function, site id)


def reset():
    for store in (RECORDS, FILED, FEEDBACK, COSIGNED, CALLS):
        store.clear()


def _label(category) -> str:
    return category["label"].get((get_language() or "en")[:2], category["label"]["en"])


def suggest(site, text, *, limit=3, lat=None, lng=None):
    CALLS.append(("suggest", site.pk))
    words = set(re.findall(r"\w+", text.casefold()))
    if "zzz" in words:
        return []
    scored = sorted(CATEGORIES, key=lambda item: -len(item["words"] & words))
    return [{"code": item["code"], "label": _label(item), "addressee": item["addressee"]}
            for item in scored[:limit]]


def locate(site, text):
    folded = text.casefold()
    for key, (lat, lng, name) in STREETS.items():
        if key in folded:
            number = re.search(r"\b(\d{1,3})\b", folded)
            address = f"{name} {number.group(1)}" if number else name
            return {"lat": lat, "lng": lng, "address": address}
    return None


def check_place(site, lat, lng):
    return "" if CITY[0] <= lat <= CITY[1] else "This place is outside the city."


def place_required(site, code):
    return BY_CODE[code]["place_required"]


def anonymous_allowed(site, code):
    return BY_CODE[code]["anonymous"]


def nearby(site, code, lat, lng):
    return [row["answer"] for (site_id, _ref), row in RECORDS.items()
            if site_id == site.pk and row["code"] == code and row["lat"] is not None
            and abs(row["lat"] - lat) < 0.01 and abs(row["lng"] - lng) < 0.01]


def cosign(site, reference, *, person):
    row = RECORDS.get((site.pk, reference))
    if row is None:
        return None
    COSIGNED.append((site.pk, reference, person))
    return row["answer"]


def add_record(site, reference, *, code="pothole", lat=None, lng=None, public=True,
               owners=None, person=None, status="Registered", kind="Problem report"):
    answer = StatusAnswer(reference=reference, kind=kind, status=status,
                          addressee=BY_CODE[code]["addressee"], expected=EXPECTED,
                          public=public, owners=owners or {})
    RECORDS[(site.pk, reference)] = {"answer": answer, "person": person, "code": code,
                                     "lat": lat, "lng": lng}
    return answer


def file(site, data, *, person, source):
    errors = {}
    if not (data.get("description") or "").strip():
        errors["description"] = ["Describe the problem."]
    if any(photo.startswith(b"BOMB") for photo in data.get("photos") or []):
        errors["photos"] = ["This picture is refused: it is not a valid image."]
    if place_required(site, data["code"]) and data.get("lat") is None:
        errors["lat"] = ["Say where it is."]
    if errors:
        raise ValidationError(errors)
    FILED.append((site.pk, data, person, source))
    reference = f"PR-2026-{len(RECORDS) + 1:06d}"
    return add_record(site, reference, code=data["code"], lat=data.get("lat"),
                      lng=data.get("lng"), person=person,
                      owners={"phone": {data["phone"]}} if data.get("phone") else {})


def mine(site, person):
    return [row["answer"] for (site_id, _ref), row in RECORDS.items()
            if site_id == site.pk and row["person"] is not None
            and row["person"].pk == person.pk]


def feedback(site, reference, *, person, answer, rating=None):
    FEEDBACK.append((site.pk, reference, person, answer, rating))
    return {"confirm": "Glad it is fixed.", "reopen": "The report is open again.",
            "rate": f"Thank you for the {rating}."}[answer]


def find(site, reference):
    """The status lookup: ``PR2026000001``, ``AP-2026-1`` as the core normalised them."""
    match = re.fullmatch(r"([A-Z]{2})-?(\d{4})-?(\d{1,6})", reference.upper())
    if match is None:
        return None
    row = RECORDS.get((site.pk, f"{match[1]}-{match[2]}-{int(match[3]):06d}"))
    return row["answer"] if row else None


class PlainChatAdapter(Adapter):
    """A platform without buttons (numbered choices are typed) whose photos are URLs of
    the local platform server; what is sent is posted to it too."""

    platform = "plainchat"
    capabilities = frozenset({"location", "photos", "contact"})

    def send(self, chat_id, message) -> Sent:
        if self.api_base:
            status, _data = call_json("POST", f"{self.api_base}/send",
                                      {"chat_id": chat_id, "text": message.text})
            return Sent(ok=status == 200, error="" if status == 200 else str(status))
        return Sent(ok=True)

    def download(self, ref: str) -> bytes:
        if not ref.startswith(self.api_base + "/"):
            raise DownloadError("not ours")
        return fetch_bytes(ref, limit=1000)
