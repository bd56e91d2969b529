"""The default classifier: character n-grams of the description (so it copes with four
languages, inflections, typos and missing diacritics) and a linear model with probability
scores, learnt from the seed set plus the city's own routed reports. No network, no
downloaded model: training takes well under a second on the seed set."""

from __future__ import annotations

import logging
import threading
import time
from importlib.metadata import version

from django.utils import timezone

from . import data
from .base import Classifier
from .store import ModelStore

logger = logging.getLogger(__name__)


def site_key(site) -> str:
    if site is None:
        return "all"
    return f"site-{getattr(site, 'pk', site)}"


class NgramClassifier(Classifier):
    """TF-IDF of character 2-5-grams within words, and logistic regression trained by SGD."""

    ngram_range = (2, 5)
    alpha = 5e-5

    def __init__(self):
        self.store = ModelStore("ngram", version=version("scikit-learn"))
        self._loaded: dict[str, tuple[str, dict]] = {}
        self._lock = threading.Lock()

    # -- training ----------------------------------------------------------------------
    def examples(self, site=None) -> tuple[list[tuple[str, str]], int]:
        reports = data.report_examples(site)
        return data.seed_examples() + data.category_examples(site) + reports, len(reports)

    def fit(self, examples: list[tuple[str, str]]):
        import numpy as np
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import SGDClassifier
        from sklearn.pipeline import make_pipeline

        texts = [text for text, _code in examples]
        codes = [code for _text, code in examples]
        pipeline = make_pipeline(
            TfidfVectorizer(analyzer="char_wb", ngram_range=self.ngram_range, sublinear_tf=True,
                            preprocessor=data.features, dtype=np.float32),
            SGDClassifier(loss="log_loss", alpha=self.alpha, max_iter=50, tol=1e-4,
                          random_state=0),
        )
        pipeline.fit(texts, codes)
        model = pipeline[-1]
        model.coef_ = model.coef_.astype(np.float32)  # half the stored size, same ranking
        return pipeline

    def train(self, site=None) -> dict:
        started = time.perf_counter()
        examples, reports = self.examples(site)
        pipeline = self.fit(examples)
        return {
            "pipeline": pipeline,
            "trained_at": timezone.now().isoformat(),
            "examples": len(examples),
            "reports": reports,
            "codes": len(pipeline.classes_),
            "seconds": round(time.perf_counter() - started, 3),
        }

    def retrain(self, site=None) -> dict:
        key = site_key(site)
        with self._lock:
            model = self.train(site)
            token = self.store.save(key, model)
            self.store.clear_stale(key)
            self._loaded[key] = (token, model)
        logger.info("Triage model %s: %s examples (%s reports) in %ss.", key,
                    model["examples"], model["reports"], model["seconds"])
        return {name: model[name] for name in ("examples", "reports", "codes", "seconds")}

    def model(self, site=None) -> dict:
        """The current model for ``site``: kept in this process while the stored token is
        unchanged; loaded from the store when another host retrained; trained when none."""
        key = site_key(site)
        token = self.store.token(key)
        loaded = self._loaded.get(key)
        if loaded is not None and token is not None and loaded[0] == token:
            return loaded[1]
        stored = self.store.load(key)
        if stored is not None:
            self._loaded[key] = stored
            return stored[1]
        self.retrain(site)
        return self._loaded[key][1]

    # -- suggesting --------------------------------------------------------------------
    def suggest(self, text, *, site=None, limit=3):
        pipeline = self.model(site)["pipeline"]
        probabilities = pipeline.predict_proba([text])[0]
        order = probabilities.argsort()[::-1]
        if limit is not None:
            order = order[:limit]
        return [(str(pipeline.classes_[i]), round(float(probabilities[i]), 4)) for i in order]

    # -- staleness ---------------------------------------------------------------------
    def mark_stale(self, site=None):
        self.store.mark_stale(site_key(site))
        self.store.mark_stale(site_key(None))  # the all-sites model learns from it too

    def is_stale(self, site=None):
        return self.store.is_stale(site_key(site))
