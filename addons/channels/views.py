"""The platforms' webhooks: ``/channels/<platform>/<key>/``.

A GET is the platform's subscription handshake (Meta's ``hub.challenge``); a POST is a
delivery: its signature is checked on the raw bytes before anything is parsed (403 and
nothing stored when wrong), its events are stored once each and queued, and the platform
gets its answer at once. A channel that does not exist, is off or belongs to another town
is 404."""

from __future__ import annotations

import logging

from django.http import Http404, HttpResponseForbidden, HttpResponseNotAllowed
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from addons.core.middleware import find_site

from . import inbound
from .adapters import adapter_class
from .models import Channel

logger = logging.getLogger(__name__)


def channel_of(request, platform: str, key: str) -> Channel:
    if adapter_class(platform) is None:
        raise Http404
    site = find_site(request)
    channel = Channel.objects.filter(platform=platform, key=key, enabled=True,
                                     site=site).select_related("site").first()
    if channel is None:
        raise Http404
    return channel


@csrf_exempt
@never_cache
def webhook(request, platform, key):
    channel = channel_of(request, platform, key)
    adapter = adapter_class(platform)(channel)
    if request.method == "GET":
        answer = adapter.handshake(request)
        if answer is None:
            return HttpResponseNotAllowed(["POST"])
        return answer
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "POST"])
    body = request.body
    if not adapter.verify(request, body):
        logger.warning("Channels: a %s delivery with a wrong signature was refused.", platform)
        return HttpResponseForbidden()
    try:
        events = adapter.parse(body)
    except ValueError:
        logger.warning("Channels: a %s delivery could not be read.", platform)
        events = []
    inbound.store(channel, events)
    return adapter.acknowledge(events)
