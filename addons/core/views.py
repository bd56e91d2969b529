from django.shortcuts import render
from django.utils.translation import gettext as _


def rate_limited(request, exception=None):
    return render(
        request,
        "core/rate_limited.html",
        {"message": _("Too many requests. Please wait a minute and try again.")},
        status=429,
    )
