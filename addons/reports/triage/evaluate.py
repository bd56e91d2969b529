"""Accuracy of a classifier on the held-out set: top-1, top-3, per language, time per
report. Used by ``tests/perf/triage_bench.py`` and the accuracy test."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable


def evaluate(predict: Callable[[str], list[str]], rows: list[dict]) -> dict:
    """``predict(text)`` -> codes best first; ``rows`` as ``data.load_heldout()`` gives.

    Returns ``{"n", "top1", "top3", "ms_per_report", "languages": {lang: {...}},
    "misses": [(lang, expected, predicted, text)]}``.
    """
    totals = defaultdict(lambda: {"n": 0, "top1": 0, "top3": 0})
    misses = []
    started = time.perf_counter()
    for row in rows:
        codes = predict(row["text"])
        for key in ("all", row["lang"]):
            totals[key]["n"] += 1
            totals[key]["top1"] += bool(codes) and codes[0] == row["code"]
            totals[key]["top3"] += row["code"] in codes[:3]
        if not codes or codes[0] != row["code"]:
            misses.append((row["lang"], row["code"], codes[:3], row["text"]))
    elapsed = time.perf_counter() - started

    def rates(counts):
        n = counts["n"] or 1
        return {"n": counts["n"], "top1": counts["top1"] / n, "top3": counts["top3"] / n}

    overall = rates(totals.pop("all"))
    return {
        **overall,
        "ms_per_report": 1000 * elapsed / max(len(rows), 1),
        "languages": {lang: rates(counts) for lang, counts in sorted(totals.items())},
        "misses": misses,
    }
