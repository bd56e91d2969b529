"""Template tags for content in the visitor's language.

- ``{% language_alternates %}`` in <head>: a ``<link rel="alternate" hreflang>`` per
  language the site offers (and ``x-default``, the site's own).
- ``{% language_links as links %}``: the language switch, each link to the same page.
- ``{% untranslated_note page %}``: "This page is not translated into English; shown in
  Ukrainian." when the page has no translation in the language asked for.
- ``<h1{{ obj|lang_attr:"title" }}>``: `` lang="uk"`` when ``obj.title`` is shown in
  another language than the interface's; ``{{ obj|shown_lang:"title" }}``: that language.
"""

from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import get_language, get_language_info
from django.utils.translation import gettext as _

from .. import content_languages as cl
from ..middleware import is_public_path, site_profile

register = template.Library()


def _request(context):
    return context.get("request")


def _language_label(code: str) -> str:
    """The language's name in the interface language ("English", "англійська")."""
    try:
        name = str(get_language_info(code)["name_translated"])
    except KeyError:
        return cl.language_name(code)
    return name if (get_language() or "").startswith("en") else name.lower()


@register.simple_tag(takes_context=True)
def language_links(context):
    """[{code, name, url, href, current}] for the languages the site offers: ``href`` is
    the same page in that language, ``url`` the switch that also remembers the choice."""
    request = _request(context)
    if request is None:
        return []
    profile = site_profile(request)
    current = getattr(request, "CONTENT_LANGUAGE", None) or get_language()
    path = request.get_full_path()
    links = []
    for code in cl.site_languages(profile):
        href = cl.localized_path(request.path, code, profile)
        url = reverse("core:switch_language") + "?" + urlencode({"language": code, "next": path})
        links.append({"code": code, "name": cl.language_name(code), "href": href,
                      "url": url, "current": code == current})
    return links


@register.simple_tag(takes_context=True)
def language_alternates(context):
    request = _request(context)
    if request is None or not is_public_path(request.path):
        return ""
    profile = site_profile(request)
    if profile is None:
        return ""
    from wagtail.models import Site

    from ..sites import absolute_url

    site = Site.find_for_request(request)
    own = cl.site_language(profile)
    rows = [(code, absolute_url(site, cl.localized_path(request.path, code, profile), request))
            for code in [*cl.site_languages(profile), "x-default"]]
    rows[-1] = ("x-default", absolute_url(site, cl.localized_path(request.path, own, profile),
                                          request))
    return format_html_join(
        "\n  ", '<link rel="alternate" hreflang="{}" href="{}">', rows
    )


@register.simple_tag(takes_context=True)
def untranslated_note(context, obj=None):
    wanted = cl.wanted_language()
    if obj is None or not wanted or not cl.registered_fields(obj):
        return ""
    if cl.is_translated(obj, wanted):
        return ""
    value = cl.current()
    return format_html(
        '<p class="untranslated-note" role="note">{}</p>',
        _("This page is not translated into %(language)s; it is shown in %(original)s.") % {
            "language": _language_label(wanted), "original": _language_label(value.site)},
    )


@register.filter
def lang_attr(obj, field):
    """`` lang="uk"`` when ``obj.<field>`` is shown in another language than the page's
    interface, else nothing: ``<h1{{ page|lang_attr:"title" }}>``."""
    shown = cl.shown_language(obj, field)
    if not shown or shown == get_language():
        return ""
    return format_html(' lang="{}"', shown)


@register.filter
def shown_lang(obj, field):
    """The language ``obj.<field>`` is shown in now, for a ``lang`` attribute:
    ``lang="{{ page|shown_lang:'title' }}"``."""
    return cl.shown_language(obj, field) or get_language()
