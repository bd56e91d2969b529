"""The two wire formats of GeoReport v2: the same data as XML or JSON.

The views build plain Python data (dicts, lists, strings, numbers, datetimes, None); this
module writes it out. In XML a list becomes a wrapper element holding one child per item,
named after the singular of the wrapper (``<services><service>``); a top-level list is
wrapped in the root element the endpoint names. JSON is the same data as is.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from xml.etree import ElementTree

from django.http import HttpResponse
from django.utils import timezone

FORMATS = ("xml", "json")
CONTENT_TYPES = {
    "xml": "text/xml; charset=utf-8",
    "json": "application/json; charset=utf-8",
}
#: XML element of each item of a list, by the list's element
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}


def w3c(value: datetime | None) -> str | None:
    """A datetime in the W3C format the spec uses (``2026-05-01T10:15:00+03:00``)."""
    if value is None:
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return timezone.localtime(value).replace(microsecond=0).isoformat()


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return w3c(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _fill(element: ElementTree.Element, value) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _fill(ElementTree.SubElement(element, key), item)
    elif isinstance(value, list | tuple):
        item_tag = ITEM_TAGS.get(element.tag, "item")
        for item in value:
            _fill(ElementTree.SubElement(element, item_tag), item)
    else:
        element.text = _text(value)


def to_xml(root: str, data) -> bytes:
    """``data`` under a ``root`` element, with the XML declaration, as UTF-8 bytes."""
    element = ElementTree.Element(root)
    _fill(element, data)
    return ElementTree.tostring(element, encoding="utf-8", xml_declaration=True)


def _json_default(value):
    if isinstance(value, datetime):
        return w3c(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def to_json(data) -> bytes:
    return json.dumps(data, ensure_ascii=False, default=_json_default).encode("utf-8")


def respond(fmt: str, root: str, data, status: int = 200) -> HttpResponse:
    """The HTTP response of ``data`` in ``fmt`` (``xml`` or ``json``)."""
    body = to_xml(root, data) if fmt == "xml" else to_json(data)
    response = HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])
    response["Access-Control-Allow-Origin"] = "*"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def errors(fmt: str, status: int, *descriptions: str) -> HttpResponse:
    """The spec's error list: one ``{code, description}`` per problem, with ``status``."""
    data = [{"code": status, "description": str(text)} for text in descriptions]
    return respond(fmt, "errors", data, status=status)
