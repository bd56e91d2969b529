# The fixtures of the figures' staff screens (see screens.py).
from .screens import english, manager, nobody, places, roads_clerk, service_types  # noqa: F401
