"""Folding service events into the facts of each record (``models.Case``)."""


def fold(limit: int | None = None) -> int:
    """Fold the events written since the last fold; returns how many were read."""
    raise NotImplementedError
