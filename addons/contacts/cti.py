"""The phone system's call events, in the form of Zammad's generic CTI interface.

A PBX bridge (Asterisk, FreePBX, 3CX) posts form-encoded events to
``/contacts/cti/<token>/``: ``event`` (newCall, answer, hangup), ``from``, ``to``,
``direction`` (in, out), ``callId``, ``user[]`` (who the call goes to or who answered),
``answeringNumber`` and ``cause``. The token is the town's own (``manage.py contacts_cti``);
a wrong one is refused with 403 and nothing is stored. The answer is ``{}``."""

from __future__ import annotations

import logging

from django.http import HttpResponseForbidden, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from wagtail.models import Site

from . import services

logger = logging.getLogger(__name__)


@csrf_exempt
@never_cache
@require_POST
def event(request, token):
    site = Site.find_for_request(request)
    if not services.token_site_ok(site, token):
        return HttpResponseForbidden("{}", content_type="application/json")
    users = request.POST.getlist("user[]") or request.POST.getlist("user")
    services.call_event(site, request.POST, users[:10])
    return JsonResponse({})
