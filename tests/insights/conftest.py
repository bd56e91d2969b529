"""The management figures' test fixtures (``factories``): the fake add-on's record types
(``declared``) and two towns with addressee trees (``towns``); the staff screens' own
(``screens``)."""

from .factories import declared, towns  # noqa: F401
from .screens import english, manager, nobody, places, roads_clerk, service_types  # noqa: F401
