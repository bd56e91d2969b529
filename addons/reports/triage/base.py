"""The interface every report classifier back-end implements."""

from __future__ import annotations


class Classifier:
    """Suggests category codes for a report's description.

    Chosen with ``CIVICDESK_REPORTS_CLASSIFIER`` (a dotted path) and instantiated once per
    process; it must be safe to call from several threads.
    """

    def suggest(self, text: str, *, site=None, limit: int | None = 3) -> list[tuple[str, float]]:
        """``[(category code, score)]``, best first; ``limit=None`` returns every code."""
        raise NotImplementedError

    def retrain(self, site=None) -> dict:
        """Learn again from the seed set and the city's routed reports; returns figures
        (``{"examples": n, "reports": n, "codes": n, "seconds": s}``)."""
        raise NotImplementedError

    def mark_stale(self, site=None) -> None:
        """A category was corrected on ``site``: the model is out of date."""

    def is_stale(self, site=None) -> bool:
        return False
