"""Bulgarian dates as they are written: "6 декември 2026 г.", "6 декември 2026 г., 14:30"
(the month names come lower case from ``site/civicdesk/locale/bg``)."""

from django.conf.locale.bg.formats import *  # noqa: F403

DATE_FORMAT = "j F Y г."
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j F Y г., H:i"
YEAR_MONTH_FORMAT = "F Y г."
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "d.m.Y"
SHORT_DATETIME_FORMAT = "d.m.Y, H:i"
FIRST_DAY_OF_WEEK = 1
