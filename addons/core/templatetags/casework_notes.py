"""``{% load casework_notes %}{% notes_panel record %}``: a record's internal notes and the
form to add one (the casework desk's detail screen shows it for every record)."""

from django import template

register = template.Library()


@register.inclusion_tag("core/casework/notes_panel.html", takes_context=True)
def notes_panel(context, record):
    from ..casework.notes import panel_context

    request = context.get("request")
    result = panel_context(record, request)
    result["csrf_token"] = context.get("csrf_token")
    return result
