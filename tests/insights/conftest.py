"""The management figures' test fixtures (``factories``): the fake add-on's record types
(``declared``) and two towns with addressee trees (``towns``)."""

from .factories import declared, towns  # noqa: F401
