"""How the map draws a report's status: a pin whose shape and colour follow the status,
so that colour is never the only sign (the legend and the popups also say it in words).

Statuses are the city's own (editable), so they are sorted into four kinds of pin: new,
being worked on (any other open status), resolved (``resolved``, ``closed``) and closed
otherwise (not our responsibility, duplicate...)."""

from __future__ import annotations

import json

#: the kinds of pin, in the legend's order
PIN_GROUPS = ("new", "progress", "resolved", "closed")
NEW = "new"
RESOLVED_CODES = ("resolved", "closed")


def pin_group(code: str, is_open: bool) -> str:
    if code == NEW:
        return "new"
    if is_open:
        return "progress"
    if code in RESOLVED_CODES:
        return "resolved"
    return "closed"


def public_statuses():
    from ..models import ReportStatus

    return list(ReportStatus.objects.filter(is_public=True).order_by("order", "code")
                .only("code", "name", "names", "is_open", "order"))


def status_legend(statuses=None) -> list[dict]:
    """[{"group", "labels": [status labels in the page's language]}] for the groups that
    have a public status, in PIN_GROUPS order."""
    statuses = public_statuses() if statuses is None else statuses
    groups: dict[str, list[str]] = {}
    for status in statuses:
        groups.setdefault(pin_group(status.code, status.is_open), []).append(status.label())
    return [{"group": group, "labels": groups[group]} for group in PIN_GROUPS if group in groups]


def status_pins_json(statuses=None) -> str:
    """{status code: pin group} for the map's script."""
    statuses = public_statuses() if statuses is None else statuses
    return json.dumps({s.code: pin_group(s.code, s.is_open) for s in statuses},
                      separators=(",", ":"))
