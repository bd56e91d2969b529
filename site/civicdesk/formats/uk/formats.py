"""Ukrainian dates without a leading zero: "6 грудня 2026 р." (month in the genitive, lower
case, as Django's Ukrainian catalog gives it)."""

from django.conf.locale.uk.formats import *  # noqa: F403

DATE_FORMAT = "j E Y р."
DATETIME_FORMAT = "j E Y р., H:i"
MONTH_DAY_FORMAT = "j E"
