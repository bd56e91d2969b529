"""The site chat's button on public pages (``AddonConfig.page_parts``, slot "body_end"),
when the channels add-on is on for the site and the site has an enabled site chat. The
markup is the same for every visitor (public pages are kept whole in the cache): without
JavaScript it is a link to the report form; ``channels/chat.js`` turns it into the chat and
asks for everything personal (the chat token, the CSRF token) itself."""

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse

from addons.core.activation import is_enabled
from addons.core.middleware import find_site

from .models import Channel, Platform

#: seconds the site's chat key is kept: a channel saved by another process (a management
#: command) shows on the pages within this time at most
TIMEOUT = 60


def _cache_key(site_id) -> str:
    return f"channels:webchat-key:{site_id}"


def chat_key(site) -> str:
    """The key of the site's enabled site chat, "" when it has none (kept in the cache:
    public pages pay no query for it)."""
    key = cache.get(_cache_key(site.pk))
    if key is None:
        key = (Channel.objects.filter(site=site, platform=Platform.WEBCHAT, enabled=True)
               .order_by("pk").values_list("key", flat=True).first()) or ""
        cache.set(_cache_key(site.pk), key, TIMEOUT)
    return key


def _forget(sender, instance, **kwargs):
    cache.delete(_cache_key(instance.site_id))


post_save.connect(_forget, sender=Channel, dispatch_uid="channels-webchat-key-save")
post_delete.connect(_forget, sender=Channel, dispatch_uid="channels-webchat-key-delete")


def chat_button(context):
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
