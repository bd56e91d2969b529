import math
from datetime import timedelta

from django import template

register = template.Library()


@register.filter
def minutes(value) -> int:
    """Whole minutes in a timedelta (rounded up): ``{{ cooloff_timedelta|minutes }}``."""
    if not isinstance(value, timedelta):
        return 0
    return max(1, math.ceil(value.total_seconds() / 60))
