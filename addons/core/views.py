from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods


def rate_limited(request, exception=None):
    return render(
        request,
        "core/rate_limited.html",
        {"message": _("Too many requests. Please wait a minute and try again.")},
        status=429,
    )


def bad_request(request, exception=None):
    """The page for a request that cannot be read: a NUL character in a link or a form,
    or a link far too long."""
    return render(
        request,
        "core/bad_request.html",
        {"message": _(
            "The address or the form contains characters or a length that cannot be used. "
            "Check what you typed or follow the link again from the page it came from."
        )},
        status=400,
    )


@csrf_exempt  # RFC 8058: a mail client's one-click POST comes without cookies
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """GET: a confirmation page with a button, nothing changes (link checkers and mail
    scanners follow links). POST: the button, or the one-click POST, ends the
    subscription without a login."""
    from . import mass_email

    try:
        kind, _key = mass_email.read_unsubscribe_token(token)
        if mass_email.handler_for(kind) is None:
            raise mass_email.BadToken(kind)
        done = None
        if request.method == "POST":
            done = mass_email.unsubscribe(token)
    except mass_email.BadToken:
        return render(
            request,
            "core/unsubscribe.html",
            {
                "bad_token": True,
                "message": _(
                    "This unsubscribe link is not valid: it may be incomplete or altered. "
                    "Copy the whole link from the email, or use the unsubscribe link of a "
                    "newer message."
                ),
            },
            status=404,
        )
    return render(
        request,
        "core/unsubscribe.html",
        {"token": token, "posted": request.method == "POST", "done": done},
    )
