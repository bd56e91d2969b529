"""Charts of the figures drawn on the server as SVG (no JavaScript): a horizontal bar chart
of a figure's breakdown and the weekly flow in and out of a service.

Every bar is a link (``<a href>``) to the list of the records behind it. A chart carries
a ``<title>`` and a description, each bar its own ``<title>`` (its label, value and count);
the screens show a data table with the same numbers beside every chart, so the chart is never
the only way to read them. Colours come from the stylesheet (``static/insights/insights.css``),
never from style attributes.

A chart's drawing is narrow (300 units) with each label on its own line above its bar, so it
stays legible on a phone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import count

from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

WIDTH = 300
#: a bar chart row: the label's line and the bar under it
ROW = 40
BAR = 14
LABEL_CHARS = 40
#: the flow chart's drawing
FLOW_WIDTH = 400
FLOW_HEIGHT = 200
FLOW_AXIS = 30

_ids = count(1)


@dataclass
class ChartBar:
    """One bar as a chart draws it: its label, its length's number, what it shows as text
    (the value with its unit), the records behind it, its link, and whether it is greyed."""

    label: str
    value: float | None
    text: str
    count: int
    url: str
    grey: bool = False


def _short(label: str, limit: int = LABEL_CHARS) -> str:
    label = str(label)
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _bar_title(bar: ChartBar) -> str:
    return _("%(label)s: %(value)s (%(count)s records)") % {
        "label": bar.label, "value": bar.text, "count": bar.count}


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def bar_chart(bars: list[ChartBar], title: str, description: str = "") -> str:
    """A horizontal bar chart: each label on its own line, its bar (a link) under it and the
    value at the bar's end. Bars without a value ("no data") are drawn empty."""
    chart_id = f"insights-chart-{next(_ids)}"
    peak = max((bar.value for bar in bars if bar.value is not None and bar.value > 0),
               default=0)
    track = WIDTH - 60
    rows = []
    for index, bar in enumerate(bars):
        top = index * ROW
        length = 0 if not peak or bar.value is None or bar.value <= 0 else max(
            1, track * bar.value / peak)
        rows.append((
            bar.url, "insights-bar insights-bar-grey" if bar.grey else "insights-bar",
            _bar_title(bar), top + 14, _short(bar.label), top + 20, _number(length),
            _number(length + 5), top + 32, bar.text))
    body = format_html_join(
        "",
        '<a href="{}" class="{}"><title>{}</title>'
        '<text x="0" y="{}" class="insights-chart-label">{}</text>'
        '<rect x="0" y="{}" width="{}" height="' + str(BAR) + '" class="insights-bar-fill"/>'
        '<text x="{}" y="{}" class="insights-chart-value">{}</text></a>',
        rows)
    height = max(ROW * len(bars), ROW)
    return format_html(
        '<svg class="insights-chart insights-bar-chart" viewBox="0 0 {} {}" '
        'role="group" aria-labelledby="{}-title {}-desc" focusable="false">'
        '<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>{}</svg>',
        WIDTH, height, chart_id, chart_id, chart_id, title, chart_id,
        description or _("Each bar links to the list of its records; the table beside the "
                         "chart holds the same numbers."),
        body or mark_safe(""))


@dataclass
class FlowWeek:
    """A week of the flow chart: its label, the records received (in) and resolved (out),
    and the links to each list."""

    label: str
    received: int
    resolved: int
    received_url: str
    resolved_url: str


def flow_chart(weeks: list[FlowWeek], title: str) -> str:
    """The weekly flow: for each week a bar of the records received and one of those
    resolved, side by side (each a link), and the week's label under every few weeks."""
    chart_id = f"insights-chart-{next(_ids)}"
    peak = max([week.received for week in weeks] + [week.resolved for week in weeks] + [0])
    plot = FLOW_HEIGHT - FLOW_AXIS
    slot = FLOW_WIDTH / max(len(weeks), 1)
    bar = max(slot * 0.4, 0.5)
    # a label every few weeks, so that labels (about 9 units a character) never overlap
    widest = max((len(week.label) for week in weeks), default=1) * 9 + 10
    every = max(1, math.ceil(widest / slot))
    parts = []
    for index, week in enumerate(weeks):
        left = index * slot + slot * 0.1
        for offset, number, url, css, text in (
                (0, week.received, week.received_url, "insights-flow-in",
                 _("received")),
                (bar, week.resolved, week.resolved_url, "insights-flow-out",
                 _("resolved"))):
            height = (plot - 10) * number / peak if peak else 0
            parts.append(format_html(
                '<a href="{}" class="insights-bar {}"><title>{}</title>'
                '<rect x="{}" y="{}" width="{}" height="{}" class="insights-bar-fill"/></a>',
                url, css,
                _("Week of %(week)s: %(count)s %(what)s") % {
                    "week": week.label, "count": number, "what": text},
                _number(left + offset), _number(plot - height), _number(bar),
                _number(max(height, 0))))
        if index % every == 0:
            parts.append(format_html(
                '<text x="{}" y="{}" class="insights-chart-axis">{}</text>',
                _number(left), plot + 16, week.label))
    parts.append(format_html(
        '<line x1="0" y1="{}" x2="{}" y2="{}" class="insights-chart-baseline"/>',
        plot, FLOW_WIDTH, plot))
    return format_html(
        '<svg class="insights-chart insights-flow-chart" viewBox="0 0 {} {}" '
        'role="group" aria-labelledby="{}-title {}-desc" focusable="false">'
        '<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>{}</svg>',
        FLOW_WIDTH, FLOW_HEIGHT, chart_id, chart_id, chart_id, title, chart_id,
        _("Records received and resolved each week; each bar links to its records, the "
          "table beside the chart holds the same numbers."),
        mark_safe("".join(parts)))
