"""Placeholders of mail templates: ``{name}`` in a subject or body.

The allowed names are declared here; a template naming anything else is refused when it is
saved (a field validator: the admin form and ``full_clean`` both run it), never when a
campaign is sent. ``{{`` and ``}}`` write literal braces.
"""

from __future__ import annotations

import string

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

#: name -> what it becomes (shown as help beside the template's fields)
PLACEHOLDERS = {
    "name": _("the recipient's name (or their email address when the list has no name)"),
    "email": _("the recipient's email address"),
    "unsubscribe_url": _("the link that unsubscribes the recipient from this list"),
    "site": _("the address of the city's site"),
    "municipality": _("the municipality's name"),
    "list": _("the name of the recipient list"),
}


def fields_of(text: str) -> list[str]:
    """The placeholder names in ``text``; raises ValueError on unbalanced braces."""
    names = []
    for _literal, field, spec, conversion in string.Formatter().parse(text or ""):
        if field is None:
            continue
        if spec or conversion or not field.isidentifier():
            raise ValueError(field)
        names.append(field)
    return names


def validate_placeholders(text: str) -> None:
    try:
        names = fields_of(text)
    except ValueError as exc:
        raise ValidationError(
            _("A brace is not closed or the placeholder is not a plain name. Write "
              "placeholders as {name}, and {{ or }} for a literal brace."),
            code="placeholder_syntax",
        ) from exc
    unknown = sorted({name for name in names if name not in PLACEHOLDERS})
    if unknown:
        raise ValidationError(
            _("Unknown placeholder: %(unknown)s. Allowed: %(allowed)s."),
            code="unknown_placeholder",
            params={
                "unknown": ", ".join(f"{{{name}}}" for name in unknown),
                "allowed": ", ".join(f"{{{name}}}" for name in PLACEHOLDERS),
            },
        )


def render(text: str, values: dict) -> str:
    """``text`` with its placeholders filled (the template was validated when saved)."""
    return (text or "").format_map({name: values.get(name, "") for name in PLACEHOLDERS})


