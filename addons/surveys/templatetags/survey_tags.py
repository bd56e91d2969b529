"""Survey boxes on host pages, and charts drawn on the server as SVG."""

from django import template
from django.utils.html import format_html, format_html_join

register = template.Library()

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


@register.simple_tag
def bar_chart(bars):
    """A horizontal bar chart of ``bars`` (results.Bar): each answer's label as text (it
    wraps, and keeps the page's font size on a phone) over a bar drawn as a small SVG, and
    its share. It is decorative for screen readers: the table beside it carries the same
    figures."""
    rows = format_html_join("", (
        '<div class="survey-bar"><span class="survey-bar-label">{}</span>'
        '<svg class="survey-bar-track" viewBox="0 0 100 10" preserveAspectRatio="none" '
        'focusable="false"><rect x="0" y="0" width="{}" height="10" '
        'class="survey-chart-bar" fill="currentColor"></rect></svg>'
        '<span class="survey-bar-value">{} %</span></div>'
    ), (
        (bar.label, round(100 * bar.share, 1), bar.percent) for bar in bars
    ))
    return format_html('<div class="survey-chart-svg survey-bars" aria-hidden="true">{}</div>',
                       rows)


@register.simple_tag
def star_text(average):
    """Stars as characters, for the eye (screen readers get the number beside them)."""
    if average is None:
        return ""
    full = int(round(average))
    return "★" * full + "☆" * (5 - full)
