#!/usr/bin/env python
"""Street matching in chat messages (``make bench``): of the held-out messages that name a
street of a demo town's register (``fixtures/reports/streets_heldout.yaml``; uk, ro, bg),
how many get the right street, and the right house number where one is given, from
``geocoding.find_address`` (goal: at least 90 %), beside the report form's geocoder
(``StreetRegisterGeocoder``: the register's names as typed) as the baseline; the time per
message, and the index's build time at demo size and for a register of ``--streets``
generated streets (city size).

Needs no database: the registers are read from ``fixtures/demo/geo/<town>.yaml``.
``--misses`` lists the messages matched wrongly. Exit status 1 below ``--floor``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from tests.perf.triage_bench import setup_django  # noqa: E402

GOAL = 0.90


class RegisterStreet:
    """A street of a register file, shaped as the geocoders read a ``Street``."""

    def __init__(self, pk, row):
        from addons.reports.geocoding import normalise

        self.pk = pk
        self.name, self.kind = row["name"], row.get("kind", "")
        self.aliases = "\n".join(row.get("aliases") or ())
        self.lat, self.lng = row["point"]
        self.search_name = " | ".join(
            normalise(x) for x in [self.name, *self.aliases.splitlines()] if x.strip())

    def __str__(self):
        return f"{self.kind} {self.name}".strip()


def registers() -> dict[str, list[RegisterStreet]]:
    found = {}
    for path in sorted((ROOT / "fixtures" / "demo" / "geo").glob("*.yaml")):
        rows = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("streets", [])
        found[path.stem] = [RegisterStreet(pk, row) for pk, row in enumerate(rows, start=1)]
    return found


def expected_address(street: RegisterStreet, number: str) -> str:
    return str(street) + (f", {number}" if number else "")


def measure(misses: bool = False) -> dict:
    from addons.reports.geocoding import StreetIndex, StreetRegisterGeocoder

    towns = registers()
    rows = yaml.safe_load((ROOT / "fixtures" / "reports" / "streets_heldout.yaml")
                          .read_text(encoding="utf-8"))
    started = time.perf_counter()
    indexes = {town: StreetIndex(streets) for town, streets in towns.items()}
    build_ms = (time.perf_counter() - started) * 1000 / len(towns)
    totals = defaultdict(lambda: {"n": 0, "street": 0, "address": 0, "baseline": 0})
    wrong = []
    elapsed = 0.0
    for row in rows:
        streets = {street.name: street for street in towns[row["town"]]}
        street = streets[row["street"]]
        number = str(row.get("number") or "")
        started = time.perf_counter()
        found = indexes[row["town"]].find(row["text"])
        elapsed += time.perf_counter() - started
        baseline = StreetRegisterGeocoder.match(row["text"], towns[row["town"]])
        for key in ("all", row["lang"]):
            counts = totals[key]
            counts["n"] += 1
            counts["street"] += bool(found) and found[0][0] == street.pk
            counts["address"] += bool(found) and found[0][0] == street.pk and found[1] == number
            counts["baseline"] += bool(baseline) and baseline.street.pk == street.pk and (
                baseline.address == expected_address(street, number))
        if not found or found[0][0] != street.pk or found[1] != number:
            wrong.append((row["lang"], expected_address(street, number),
                          f"{found[0][1]}, {found[1]}" if found else None, row["text"]))
    return {"totals": dict(totals), "ms_per_message": 1000 * elapsed / len(rows),
            "build_ms": build_ms, "misses": wrong if misses else []}


def city_size(count: int) -> dict:
    """The index of a register of ``count`` generated streets: build time and look-up."""
    from addons.reports.geocoding import StreetIndex

    stems = ["Садов", "Вишнев", "Кленов", "Соснов", "Польов", "Лугов", "Річков", "Степов"]
    streets = [RegisterStreet(pk, {"name": f"{stems[pk % len(stems)]}а {pk}",
                                   "kind": "вул.", "point": [49.0, 31.0]})
               for pk in range(1, count + 1)]
    streets.append(RegisterStreet(count + 1, {"name": "Городоцька", "kind": "вул.",
                                              "point": [49.0, 31.0]}))
    started = time.perf_counter()
    index = StreetIndex(streets)
    build = time.perf_counter() - started
    started = time.perf_counter()
    runs = 200
    for _ in range(runs):
        index.find("Велика яма на Гродоцькій біля 15, машини обʼїжджають по зустрічці")
    return {"streets": count + 1, "build_ms": build * 1000,
            "ms_per_message": (time.perf_counter() - started) * 1000 / runs}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--misses", action="store_true", help="list the wrong matches")
    parser.add_argument("--streets", type=int, default=5000, help="streets of the city-size "
                        "register")
    parser.add_argument("--floor", type=float, default=0.0,
                        help="exit 1 when the address rate is below this (0..1)")
    args = parser.parse_args(argv)
    setup_django()
    figures = measure(misses=args.misses)
    overall = figures["totals"].pop("all")

    def rate(counts, key):
        return counts[key] / (counts["n"] or 1)

    print("Streets named in chat messages (geocoding.find_address), held-out messages")
    print(f"  messages: {overall['n']}   street found: {rate(overall, 'street'):.1%}   "
          f"street and house number: {rate(overall, 'address'):.1%}   (goal >= {GOAL:.0%}: "
          f"{'met' if rate(overall, 'address') >= GOAL else 'NOT met'})")
    print(f"  baseline (the report form's geocoder, names as typed): "
          f"{rate(overall, 'baseline'):.1%}")
    for lang, counts in sorted(figures["totals"].items()):
        print(f"    {lang}: {counts['n']:3d} messages   street {rate(counts, 'street'):.1%}   "
              f"with number {rate(counts, 'address'):.1%}   baseline "
              f"{rate(counts, 'baseline'):.1%}")
    print(f"  time per message: {figures['ms_per_message']:.3f} ms; index of a demo town: "
          f"{figures['build_ms']:.1f} ms")
    big = city_size(args.streets)
    print(f"  city-size register ({big['streets']} streets): index built in "
          f"{big['build_ms']:.0f} ms, {big['ms_per_message']:.3f} ms per message")
    for lang, expected, found, text in figures["misses"]:
        print(f"  miss [{lang}] {expected} -> {found}: {text}")
    return 1 if rate(overall, "address") < args.floor else 0


if __name__ == "__main__":
    sys.exit(main())
