"""django-q2 tasks of the classifier: retraining after corrections, and nightly."""

from __future__ import annotations

from wagtail.models import Site

from . import retrain
from .ngram import site_key
from .store import ModelStore


def retrain_site(site_id: int | None) -> dict:
    """Retrain the model of one site and the all-sites model (queued by corrections)."""
    ModelStore("queue").release_retraining(site_key(site_id))
    site = Site.objects.filter(pk=site_id).first() if site_id else None
    figures = {"all": retrain(None)}
    if site is not None:
        figures[site_key(site)] = retrain(site)
    return figures


def retrain_all() -> dict:
    """The nightly job: every site's model and the all-sites one."""
    figures = {"all": retrain(None)}
    for site in Site.objects.all():
        figures[site_key(site)] = retrain(site)
    return figures
