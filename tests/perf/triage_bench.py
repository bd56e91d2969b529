#!/usr/bin/env python
"""Report classifier figures (``make bench``): top-1 and top-3 accuracy on the held-out
labelled reports (uk, ro, bg, en; never trained on), overall and per language, the time to
classify one report, and the training time on the seed set. Goal: top-1 >= 85%.

Needs no database: the default classifier is trained on the seed set alone, as on a city's
first day. ``--misses`` lists the reports it got wrong. Exit status 1 below ``--floor``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GOAL = 0.85


def setup_django() -> None:
    sys.path[:0] = [str(ROOT / "site"), str(ROOT)]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicdesk.settings.test")
    import django

    django.setup()


def default_category_examples() -> list[tuple[str, str]]:
    """What a site's default categories add: their names in four languages and keywords."""
    from addons.reports.defaults import CATEGORIES

    return [(text, code) for code, row in CATEGORIES.items() for text in (*row[:4], row[7])]


def measure(with_categories: bool = False) -> dict:
    import sklearn.linear_model  # noqa: F401  (the import is not training time)

    from addons.reports.triage import data
    from addons.reports.triage.evaluate import evaluate
    from addons.reports.triage.ngram import NgramClassifier

    examples = data.seed_examples()
    if with_categories:
        examples += default_category_examples()
    classifier = NgramClassifier()
    started = time.perf_counter()
    pipeline = classifier.fit(examples)
    train_seconds = time.perf_counter() - started

    def predict(text):
        probabilities = pipeline.predict_proba([text])[0]
        return [str(pipeline.classes_[i]) for i in probabilities.argsort()[::-1][:3]]

    predict("warm-up")
    figures = evaluate(predict, data.load_heldout())
    figures["train_seconds"] = train_seconds
    figures["examples"] = len(examples)
    return figures


def report(figures: dict, title: str, misses: bool = False) -> None:
    print(f"Report classifier (character n-grams), {title}")
    print(f"  training examples: {figures['examples']}, "
          f"training: {figures['train_seconds'] * 1000:.0f} ms")
    print(f"  held-out reports: {figures['n']}   top-1: {figures['top1']:.1%}   "
          f"top-3: {figures['top3']:.1%}   (goal top-1 >= {GOAL:.0%}: "
          f"{'met' if figures['top1'] >= GOAL else 'NOT met'})")
    for lang, row in figures["languages"].items():
        print(f"    {lang}: {row['n']:3d} reports   top-1 {row['top1']:.1%}   "
              f"top-3 {row['top3']:.1%}")
    print(f"  time per report: {figures['ms_per_report']:.2f} ms")
    if misses:
        for lang, expected, predicted, text in figures["misses"]:
            print(f"  miss [{lang}] {expected} -> {', '.join(predicted)}: {text}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--misses", action="store_true", help="list the wrong guesses")
    parser.add_argument("--floor", type=float, default=0.0,
                        help="exit 1 when top-1 is below this (0..1)")
    args = parser.parse_args(argv)
    setup_django()
    figures = measure()
    report(figures, "trained on the seed set only (a fresh database)", misses=args.misses)
    with_categories = measure(with_categories=True)
    report(with_categories, "seed set + the default categories' names and keywords",
           misses=args.misses)
    return 1 if figures["top1"] < args.floor else 0


if __name__ == "__main__":
    sys.exit(main())
