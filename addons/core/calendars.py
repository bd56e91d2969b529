"""Holiday calendars of the countries CivicDesk serves: Ukraine, Romania, Bulgaria.

Built on the ``holidays`` package, with one rule made explicit here rather than left to
whatever the package version does:

Ukraine: martial law has been in force since 2022-02-24, and under it (law No. 2136-IX on
labour relations under martial law) public holidays are not days off: they stay working days. While
``settings.CIVICDESK_UA_MARTIAL_LAW`` is True (the default) no day from 2022-02-24 on is a
public holiday. When it is set to False (martial law lifted), the peacetime holidays apply
again: ``holidays.UA`` then still reports none for 2023+ (it encodes martial law itself), so
we take its "workday" category, which lists the holidays that martial law turned into
working days, together with its public ones.

Weekends (Saturday, Sunday) are days off in all three countries.

Memory: ``holidays`` loads every country it knows (about 10 MiB in a worker) to answer for
one, and a module once imported stays for the life of the process. So a year is computed in a
short-lived child Python process (``_country_days``; in this process only when no child can be
started), and the year's days are kept in the shared cache: the other workers, and a restarted
one, read them from there. No web worker ever imports the package.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from datetime import date, timedelta
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache

JURISDICTIONS: tuple[str, ...] = ("ua", "ro", "bg")

#: the first day of martial law in Ukraine
UA_MARTIAL_LAW_SINCE = date(2022, 2, 24)

_COUNTRY = {"ua": "UA", "ro": "RO", "bg": "BG"}

#: how long a computed year stays in the shared cache (seconds); the key names the
#: ``holidays`` package's version, so an upgrade recomputes
HOLIDAYS_CACHE_SECONDS = 7 * 24 * 3600


logger = logging.getLogger(__name__)

#: how long the child process computing a year may take (seconds)
CHILD_TIMEOUT = 60

#: run by the child process: the days ``holidays`` lists for a country, a year and
#: optionally categories, as ordinals in JSON
_CHILD = """
import json, sys
import holidays
country, year, categories = sys.argv[1], int(sys.argv[2]), tuple(sys.argv[3:])
options = {"categories": categories} if categories else {}
days = holidays.country_holidays(country, years=year, **options)
print(json.dumps(sorted(day.toordinal() for day in days)))
"""


class UnknownJurisdiction(ValueError):
    """A jurisdiction code other than "ua", "ro" or "bg"."""


def _check(jurisdiction: str) -> str:
    code = (jurisdiction or "").lower()
    if code not in _COUNTRY:
        raise UnknownJurisdiction(
            f"Unknown jurisdiction {jurisdiction!r}; expected one of {', '.join(JURISDICTIONS)}."
        )
    return code


def ua_martial_law() -> bool:
    """Whether Ukraine's martial-law calendar (no public holidays) is in force."""
    return bool(getattr(settings, "CIVICDESK_UA_MARTIAL_LAW", True))


@lru_cache(maxsize=256)
def _holidays(code: str, year: int, martial_law: bool) -> frozenset[date]:
    key = f"civicdesk:holidays:{_package_version()}:{code}:{year}:{int(martial_law)}"
    ordinals = cache.get(key)
    if ordinals is None:
        ordinals = sorted(day.toordinal() for day in _compute_holidays(code, year, martial_law))
        cache.set(key, ordinals, HOLIDAYS_CACHE_SECONDS)
    return frozenset(date.fromordinal(ordinal) for ordinal in ordinals)


@lru_cache(maxsize=1)
def _package_version() -> str:
    from importlib.metadata import version

    return version("holidays")


def _child_python() -> str | None:
    """The Python interpreter to run the child with: this process's, when it is one (under
    an embedding server ``sys.executable`` may be the server's own binary)."""
    executable = sys.executable or ""
    name = os.path.basename(executable)
    return executable if name.startswith("python") and os.access(executable, os.X_OK) else None


def _country_days(country: str, year: int, categories: tuple[str, ...] = ()) -> set[date]:
    """What ``holidays.country_holidays(country, years=year, categories=...)`` lists,
    computed in a child process so that this one never imports the package (see the
    module's docstring); in this process when no child can be run."""
    python = _child_python()
    if python is not None:
        try:
            result = subprocess.run(
                [python, "-c", _CHILD, country, str(year), *categories],
                capture_output=True, text=True, timeout=CHILD_TIMEOUT, check=True,
                stdin=subprocess.DEVNULL,
            )
            return {date.fromordinal(ordinal) for ordinal in json.loads(result.stdout)}
        except (OSError, subprocess.SubprocessError, ValueError) as error:
            logger.warning("holidays of %s %s computed in this process: the child process "
                           "failed (%s)", country, year, error)
    import holidays  # heavy: see the module's docstring

    options = {"categories": categories} if categories else {}
    return set(holidays.country_holidays(country, years=year, **options))


def _compute_holidays(code: str, year: int, martial_law: bool) -> frozenset[date]:
    if code == "ua" and martial_law and year > UA_MARTIAL_LAW_SINCE.year:
        return frozenset()  # no public holiday at all: no need to load the package
    if code == "ua":
        days = _country_days("UA", year)
        if martial_law:
            return frozenset(day for day in days if day < UA_MARTIAL_LAW_SINCE)
        # Peacetime calendar: the package lists the holidays cancelled by martial law in
        # its "workday" category; add them back.
        days |= _country_days("UA", year, ("workday",))
        return frozenset(days)
    return frozenset(_country_days(_COUNTRY[code], year))


def public_holidays(year: int, jurisdiction: str) -> frozenset[date]:
    """The public holidays (days off) of ``jurisdiction`` in ``year``."""
    code = _check(jurisdiction)
    return _holidays(code, year, ua_martial_law() if code == "ua" else False)


def is_public_holiday(day: date, jurisdiction: str) -> bool:
    """Whether ``day`` is a public holiday (a day off by law) in ``jurisdiction``."""
    return day in public_holidays(day.year, jurisdiction)


def is_working_day(day: date, jurisdiction: str) -> bool:
    """Whether ``day`` is neither a weekend nor a public holiday in ``jurisdiction``."""
    return day.weekday() < 5 and not is_public_holiday(day, jurisdiction)


def next_working_day(day: date, jurisdiction: str) -> date:
    """``day`` itself if it is a working day, else the first working day after it."""
    _check(jurisdiction)
    while not is_working_day(day, jurisdiction):
        day += timedelta(days=1)
    return day


# --- iCalendar (RFC 5545) -------------------------------------------------------------------

#: a content line's longest length in octets, the line break excluded (RFC 5545 3.1)
ICS_LINE_OCTETS = 75


def ics_escape(text: str) -> str:
    """``text`` as an iCalendar TEXT value (RFC 5545 3.3.11): backslashes, semicolons and
    commas escaped, line breaks as ``\\n``."""
    return (str(text).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n"))


def ics_fold(line: str) -> str:
    """One content line folded as RFC 5545 3.1 asks: no physical line longer than 75
    octets (UTF-8), continuations begin with a space after CRLF, and a multi-octet
    character is never split between two lines."""
    if len(line.encode()) <= ICS_LINE_OCTETS:
        return line
    parts: list[str] = []
    current: list[str] = []
    size = 0
    limit = ICS_LINE_OCTETS
    for char in line:
        octets = len(char.encode())
        if size + octets > limit:
            parts.append("".join(current))
            current, size = [], 0
            limit = ICS_LINE_OCTETS - 1  # the leading space takes one octet
        current.append(char)
        size += octets
    parts.append("".join(current))
    return "\r\n ".join(parts)


def ics_unfold(text: str) -> list[str]:
    """The content lines of an iCalendar text, folds undone (CRLF followed by a space or a
    tab is removed)."""
    return [line for line in text.replace("\r\n ", "").replace("\r\n\t", "").split("\r\n")
            if line]


def ics_stamp(moment) -> str:
    """A DATE-TIME in UTC (``20261207T093000Z``)."""
    from datetime import UTC

    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def ics_calendar(events, *, name: str = "", product: str = "-//CivicDesk//EN") -> str:
    """A VCALENDAR of ``events`` (dicts with ``uid``, ``start``, ``end``, ``summary`` and
    optionally ``location``, ``description``, ``url``, ``status``), every line folded at 75
    octets and ended by CRLF."""
    from django.utils import timezone

    now = ics_stamp(timezone.now())
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{product}", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH"]
    if name:
        lines.append(f"X-WR-CALNAME:{ics_escape(name)}")
    for event in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{event['uid']}",
            f"DTSTAMP:{now}",
            f"DTSTART:{ics_stamp(event['start'])}",
            f"DTEND:{ics_stamp(event['end'])}",
            f"SUMMARY:{ics_escape(event['summary'])}",
        ]
        for key, prop in (("location", "LOCATION"), ("description", "DESCRIPTION")):
            if event.get(key):
                lines.append(f"{prop}:{ics_escape(event[key])}")
        if event.get("url"):
            lines.append(f"URL:{event['url']}")
        if event.get("status"):
            lines.append(f"STATUS:{event['status']}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "\r\n".join(ics_fold(line) for line in lines) + "\r\n"
