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
    params = []
    if addressee is None and page.specific_class is not None and (
        page.specific_class._meta.label == "addressees.AddresseePage"
    ):
        addressee = page
    if addressee is None:
        # on a page that is not an addressee's (the home page): the whole city's newest
        from wagtail.models import Site

        request = context.get("request")
        site = Site.find_for_request(request) if request is not None else None
        queryset = Bulletin.objects.public(site)
    else:
        queryset = Bulletin.objects.public()
        if stream.include_subtree:
            queryset = queryset.filter(addressee_path__startswith=addressee.path)
        else:
            queryset = queryset.filter(addressee_id=addressee.pk)
        params.append(("addressee", addressee.pk))
        if stream.include_subtree:
            params.append(("subtree", "on"))
    if stream.category:
        queryset = queryset.filter(category=stream.category)
        params.append(("category", stream.category))
    many = len(context.get("placements") or ()) > 1
    return SimpleNamespace(
        bulletins=list(queryset.select_related("addressee")[: stream.count]),
        query=urlencode(params), level=4 if many else 3,
    )
