"""Template helpers of the addressee pages: the "open now" badge."""

from django import template
from django.utils import formats
from django.utils.html import format_html
from django.utils.translation import gettext as _

from addons.core.templatetags.civicdesk import in_sentence

register = template.Library()


def _moment(value, at) -> str:
    """"14:00", "tomorrow at 09:00" or "Monday, 5 January at 09:00", relative to ``at``."""
    clock = formats.time_format(value, "H:i")
    days = (value.date() - at.date()).days if at else None
    if days == 0:
        return _("today at %(time)s") % {"time": clock}
    if days == 1:
        return _("tomorrow at %(time)s") % {"time": clock}
    day = in_sentence(formats.date_format(value, "l, j E"))  # inside the sentence
    return _("%(day)s at %(time)s") % {"day": day, "time": clock}


def badge_html(status) -> str:
    """The "open now" badge of an OpeningStatus as HTML: "Open now, until 17:00", "Closed,
    opens tomorrow at 09:00"; empty for an addressee without office hours."""
    if status is None or not status.has_hours:
        return ""
    if status.is_open:
        if status.until and status.at and status.until.date() == status.at.date():
            text = _("Open now, until %(time)s") % {
                "time": formats.time_format(status.until, "H:i")
            }
        elif status.until:
            text = _("Open now, until %(moment)s") % {"moment": _moment(status.until, status.at)}
        else:
            text = _("Open now")
    elif status.next_opening:
        text = _("Closed, opens %(moment)s") % {"moment": _moment(status.next_opening, status.at)}
    else:
        text = _("Closed")
    return format_html('<span class="badge {}">{}</span>',
                       "badge-open" if status.is_open else "badge-closed", text)


@register.simple_tag
def opening_badge(status):
    """``{% opening_badge status %}``: the badge of an OpeningStatus (see badge_html)."""
    return badge_html(status)
