"""Charts of the public transparency page, drawn on the server as SVG (no script). They
are decorative for screen readers (``aria-hidden``): a table beside each carries the same
figures."""

from __future__ import annotations

from django.utils.html import format_html, format_html_join

#: the drawing's height in its own units (the columns' width follows their number)
HEIGHT = 100
COLUMN = 10
GAP = 2


def columns_svg(bars) -> str:
    """Vertical columns, one per item of ``bars`` (dicts with ``count``), scaled to the
    largest; "" when there is nothing to draw."""
    counts = [max(0, int(bar.get("count") or 0)) for bar in bars]
    top = max(counts, default=0)
    if not top:
        return ""
    width = len(counts) * (COLUMN + GAP)
    columns = format_html_join("", (
        '<rect x="{}" y="{}" width="{}" height="{}" class="insights-column" '
        'fill="currentColor"></rect>'
    ), (
        (index * (COLUMN + GAP), HEIGHT - round(HEIGHT * count / top, 2), COLUMN,
         round(HEIGHT * count / top, 2))
        for index, count in enumerate(counts)
    ))
    return format_html(
        '<svg class="insights-columns" viewBox="0 0 {} {}" preserveAspectRatio="none" '
        'aria-hidden="true" focusable="false">{}</svg>', width, HEIGHT, columns)


def share_svg(share: float) -> str:
    """A horizontal bar of ``share`` (0..1) of the row's width."""
    share = min(1.0, max(0.0, float(share or 0)))
    return format_html(
        '<svg class="insights-bar" viewBox="0 0 100 10" preserveAspectRatio="none" '
        'aria-hidden="true" focusable="false"><rect x="0" y="0" width="{}" height="10" '
        'fill="currentColor"></rect></svg>', round(100 * share, 1))
