"""Romanian dates as they are written: "6 decembrie 2026" (the month names come lower case
from ``site/civicdesk/locale/ro``); everything else as Django's own Romanian formats."""

from django.conf.locale.ro.formats import *  # noqa: F403

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
