"""The phone system's call events, in the form of Zammad's generic CTI interface.

A PBX bridge (Asterisk, FreePBX, 3CX) posts form-encoded events to
``/contacts/cti/<token>/``: ``event`` (newCall, answer, hangup), ``from``, ``to``,
``direction`` (in, out), ``callId``, ``user[]`` (who the call goes to or who answered),
``answeringNumber`` and ``cause``. The token is the town's own (``manage.py contacts_cti``);
a wrong one is refused with 403 and nothing is stored, and an address that keeps sending
wrong ones is refused with 429 for a minute. The answer is ``{}``."""

from __future__ import annotations

import logging

from django.http import HttpResponseForbidden, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django_ratelimit.core import get_usage
from wagtail.models import Site

from . import services

logger = logging.getLogger(__name__)

#: wrong tokens an address may send before all its call events are refused for a while
WRONG_TOKEN_RATE = "20/m"


def _wrong_tokens(request, *, count: bool) -> bool:
    """Whether the address sent too many wrong tokens (``count``: this one too)."""
    usage = get_usage(request, group="contacts.cti.wrong", key="ip", rate=WRONG_TOKEN_RATE,
                      method="POST", increment=count)
    return bool(usage and usage["count"] >= usage["limit"])


@csrf_exempt
@never_cache
@require_POST
def event(request, token):
    if _wrong_tokens(request, count=False):
        return JsonResponse({}, status=429)
    site = Site.find_for_request(request)
    if not services.token_site_ok(site, token):
        _wrong_tokens(request, count=True)
        logger.warning("call event with a wrong token for %s", getattr(site, "hostname", ""))
        return HttpResponseForbidden("{}", content_type="application/json")
    users = request.POST.getlist("user[]") or request.POST.getlist("user")
    services.call_event(site, request.POST, users[:10])
    return JsonResponse({})
