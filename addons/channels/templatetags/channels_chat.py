"""``{% chat_widget %}``: the site chat's button on public pages, when the channels add-on
is on for the site and the site has an enabled site chat. The markup is the same for every
visitor (public pages are kept whole in the cache): without JavaScript it is a link to the
report form; ``channels/chat.js`` turns it into the chat and asks for everything personal
(the chat token, the CSRF token) itself."""

from django import template
from django.core.cache import cache
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse

from addons.core.activation import is_enabled
from addons.core.middleware import find_site
from addons.core.public_cache import PAGE_VERSION, TIMEOUT

register = template.Library()


def chat_key(site) -> str:
    """The key of the site's enabled site chat, "" when it has none (kept in the cache
    until any row changes, like the whole pages)."""
    from ..models import Channel, Platform

    cache_key = f"channels:webchat-key:{site.pk}:{PAGE_VERSION.get()}"
    key = cache.get(cache_key)
    if key is None:
        key = (Channel.objects.filter(site=site, platform=Platform.WEBCHAT, enabled=True)
               .order_by("pk").values_list("key", flat=True).first()) or ""
        cache.set(cache_key, key, TIMEOUT)
    return key


@register.simple_tag(takes_context=True)
def chat_widget(context):
    request = context.get("request")
    if request is None:
        return ""
    site = find_site(request)
    if site is None or not is_enabled("channels", request=request):
        return ""
    key = chat_key(site)
    if not key:
        return ""
    try:
        report_url = reverse("reports:new")
    except NoReverseMatch:
        report_url = ""
    return render_to_string("channels/chat_widget.html", {
        "key": key, "report_url": report_url,
        "start_url": reverse("channels:chat_start", args=[key]),
        "send_url": reverse("channels:chat_send", args=[key]),
        "poll_url": reverse("channels:chat_poll", args=[key]),
    }, request=None)
