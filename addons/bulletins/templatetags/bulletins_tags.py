from __future__ import annotations

from types import SimpleNamespace
from urllib.parse import urlencode

from django import template

from ..models import Bulletin

register = template.Library()


@register.simple_tag(takes_context=True)
def stream_bulletins(context, stream, page):
    """The newest bulletins a stream shows on ``page`` (one query), and the digest filter
    (query string) that shows them all."""
    addressee = stream.addressee
    if addressee is None:
        if page.specific_class is None or page.specific_class._meta.label != (
            "addressees.AddresseePage"
        ):
            return SimpleNamespace(bulletins=[], query="", level=3)
        addressee = page
    queryset = Bulletin.objects.public()
    if stream.include_subtree:
        queryset = queryset.filter(addressee_path__startswith=addressee.path)
    else:
        queryset = queryset.filter(addressee_id=addressee.pk)
    if stream.category:
        queryset = queryset.filter(category=stream.category)
    params = [("addressee", addressee.pk)]
    if stream.include_subtree:
        params.append(("subtree", "on"))
    if stream.category:
        params.append(("category", stream.category))
    many = len(context.get("placements") or ()) > 1
    return SimpleNamespace(
        bulletins=list(queryset.select_related("addressee")[: stream.count]),
        query=urlencode(params), level=4 if many else 3,
    )
