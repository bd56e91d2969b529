"""The bounce webhook: a mail provider POSTs JSON bounce events with the shared secret."""

from __future__ import annotations

import json

from django.conf import settings
from django.http import Http404, JsonResponse
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import bounces

MAX_BODY = 1024 * 1024


def _secret_of(request) -> str:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.headers.get("X-Mailings-Secret", "")


@csrf_exempt
@require_POST
def bounce_webhook(request):
    """``POST /mailings/bounces/`` with ``Authorization: Bearer <secret>`` (or
    ``X-Mailings-Secret``) and a JSON event or list of events
    ``{"email": ..., "type": "hard"|"soft", "reason": ..., "message_id": ...}``."""
    secret = getattr(settings, "CIVICDESK_MAILINGS_WEBHOOK_SECRET", "")
    if not secret:
        raise Http404("The bounce webhook is off: no secret is set.")
    if not constant_time_compare(_secret_of(request), secret):
        return JsonResponse({"error": _("Wrong or missing secret.")}, status=403)
    if len(request.body) > MAX_BODY:
        return JsonResponse({"error": _("The request is too large.")}, status=413)
    try:
        payload = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return JsonResponse({"error": _("The body is not JSON.")}, status=400)
    result = bounces.record_events(payload)
    status = 200 if not result["errors"] else (400 if not result["recorded"] else 207)
    return JsonResponse(result, status=status)
