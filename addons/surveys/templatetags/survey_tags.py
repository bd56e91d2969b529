"""Survey boxes on host pages, and charts drawn on the server as SVG."""

from django import template
from django.utils.html import format_html, format_html_join

register = template.Library()

ROW = 26
LABEL_WIDTH = 200
BAR_WIDTH = 300
WIDTH = LABEL_WIDTH + BAR_WIDTH + 80


@register.inclusion_tag("surveys/includes/box.html", takes_context=True)
def survey_box(context, survey, page=None):
    """The survey's form (or why it cannot be answered) and its results on ``page``."""
    from ..results import public_results
    from ..views import survey_box_context

    request = context["request"]
    data = survey_box_context(request, survey, page)
    data["request"] = request
    data["csrf_token"] = context.get("csrf_token")
    if survey.public_results:
        data["results"] = public_results(survey, data["questions"], page.pk if page else 0)
    return data


def _short(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@register.simple_tag
def bar_chart(bars):
    """A horizontal bar chart of ``bars`` (results.Bar) as inline SVG. It is decorative
    for screen readers: the table beside it carries the same figures."""
    height = ROW * len(bars) + 4
    rows = format_html_join("", (
        '<text x="0" y="{}" class="survey-chart-label">{}</text>'
        '<rect x="{}" y="{}" width="{}" height="{}" class="survey-chart-bar" '
        'fill="currentColor"></rect>'
        '<text x="{}" y="{}" class="survey-chart-value">{} %</text>'
    ), (
        (index * ROW + 17, _short(bar.label), LABEL_WIDTH, index * ROW + 4,
         round(BAR_WIDTH * bar.share, 1), ROW - 8,
         LABEL_WIDTH + round(BAR_WIDTH * bar.share, 1) + 6, index * ROW + 17, bar.percent)
        for index, bar in enumerate(bars)
    ))
    return format_html(
        '<svg class="survey-chart-svg" viewBox="0 0 {} {}" width="100%" role="presentation" '
        'aria-hidden="true" focusable="false" font-size="13" fill="currentColor">{}</svg>',
        WIDTH, height, rows,
    )


@register.simple_tag
def star_text(average):
    """Stars as characters, for the eye (screen readers get the number beside them)."""
    if average is None:
        return ""
    full = int(round(average))
    return "★" * full + "☆" * (5 - full)
