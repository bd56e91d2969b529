# The fixtures of the figures' staff screens (see screens.py).
from .screens import declared, english, manager, nobody, roads_clerk, towns  # noqa: F401
