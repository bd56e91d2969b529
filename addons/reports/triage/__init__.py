"""Triage: from a report's description alone, suggest its category and the responsible
addressee.

The classifier is a back-end chosen with ``CIVICDESK_REPORTS_CLASSIFIER`` (default
:class:`addons.reports.triage.ngram.NgramClassifier`); callers only use the functions here:

- ``suggest(text, site=None, limit=3)`` -> ``[(code, score)]``, best first, limited to the
  site's active categories once it has any;
- ``suggestions(text, site=None, limit=3, point=None)`` -> the same with the category's
  label and the addressee it would be routed to, ready for a form or JSON;
- ``retrain(site=None)``; ``note_correction(report)`` when staff correct a category
  (connected to ``signals.category_corrected``): the model is marked stale and a retraining
  is queued on django-q2; ``retrain_all`` runs nightly.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string
from django.utils.translation import get_language

from . import data

logger = logging.getLogger(__name__)

DEFAULT_CLASSIFIER = "addons.reports.triage.ngram.NgramClassifier"
#: the description's length limit: longer texts are classified on their first characters
MAX_TEXT_LENGTH = 4000

_classifiers: dict[str, object] = {}


def get_classifier():
    """The configured back-end, one instance per process."""
    path = getattr(settings, "CIVICDESK_REPORTS_CLASSIFIER", DEFAULT_CLASSIFIER)
    if path not in _classifiers:
        _classifiers[path] = import_string(path)()
    return _classifiers[path]


def clean_text(text) -> str:
    return str(text or "").strip()[:MAX_TEXT_LENGTH]


def suggest(text, *, site=None, limit: int = 3) -> list[tuple[str, float]]:
    """``[(category code, score)]`` for a description, best first (empty for no text)."""
    text = clean_text(text)
    if not text or limit < 1:
        return []
    scores = get_classifier().suggest(text, site=site, limit=None)
    allowed = data.active_codes(site)
    if allowed is not None:
        scores = [(code, score) for code, score in scores if code in allowed]
    return scores[:limit]


def _default_label(code: str, lang: str) -> str:
    # A fresh database has no categories yet: the default names of the add-on.
    try:
        from addons.reports.defaults import CATEGORIES
    except ImportError:
        return code
    names = CATEGORIES.get(code)
    if not names:
        return code
    index = {"en": 0, "uk": 1, "ro": 2, "bg": 3}.get(lang, 0)
    return names[index]


def _addressee(category, site, point):
    try:
        from addons.reports.services import route

        addressee = route(category, point, site)
    except Exception:  # routing must never break a suggestion
        logger.exception("Triage: routing %s failed.", category.code)
        addressee = category.responsible if category.responsible_id else None
    if addressee is None:
        return None
    return {"id": addressee.pk, "title": addressee.title, "url": addressee.url or ""}


def suggestions(text, *, site=None, limit: int = 3, point=None) -> list[dict]:
    """``[{"code", "label", "score", "addressee"}]``: what the report form and the
    ``suggest`` endpoint show. ``addressee`` is ``{"id", "title", "url"}`` or None."""
    scores = suggest(text, site=site, limit=limit)
    if not scores:
        return []
    lang = (get_language() or "en").split("-")[0]
    categories = {}
    if site is not None:
        try:
            from addons.reports.models import ReportCategory

            categories = {
                category.code: category
                for category in ReportCategory.objects.filter(
                    site=site, code__in=[code for code, _score in scores]
                ).select_related("responsible", "parent__responsible")
            }
        except Exception:
            logger.exception("Triage: categories not read.")
    rows = []
    for code, score in scores:
        category = categories.get(code)
        rows.append({
            "code": code,
            "label": category.label(lang) if category else _default_label(code, lang),
            "score": score,
            "addressee": _addressee(category, site, point) if category else None,
        })
    return rows


def retrain(site=None) -> dict:
    """Train the model of ``site`` (None: every site's reports) again and store it."""
    return get_classifier().retrain(site)


def note_correction(report) -> None:
    """Staff corrected ``report``'s category: mark the model stale and queue retraining
    (once, however many corrections arrive while it waits)."""
    from .ngram import site_key
    from .store import ModelStore

    classifier = get_classifier()
    classifier.mark_stale(report.site)
    claims = ModelStore("queue")
    key = site_key(report.site_id)
    if not claims.claim_retraining(key):
        return

    def enqueue():
        from django_q.tasks import async_task

        try:
            async_task("addons.reports.triage.tasks.retrain_site", report.site_id,
                       task_name=f"triage-retrain-{key}")
        except Exception:  # the nightly run will catch up
            claims.release_retraining(key)
            logger.exception("Triage: retraining not queued.")

    transaction.on_commit(enqueue)
