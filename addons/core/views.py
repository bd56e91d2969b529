from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods


def switch_language(request):
    """The language switch (``?language=en&next=/page/``): remembers the choice (the
    language cookie) and opens the same page in that language, at its address."""
    from django.http import Http404
    from django.shortcuts import redirect
    from django.utils.http import url_has_allowed_host_and_scheme

    from .content_languages import localized_path, set_language_cookie, site_languages
    from .middleware import site_profile

    profile = site_profile(request)
    code = request.GET.get("language") or request.POST.get("language") or ""
    if code not in site_languages(profile):
        raise Http404("This site does not offer that language.")
    next_url = request.GET.get("next") or "/"
    if not next_url.startswith("/") or not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    path, _sep, query = next_url.partition("?")
    target = localized_path(path, code, profile) + (f"?{query}" if query else "")
    response = redirect(target)
    set_language_cookie(response, code)
    return response


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


@require_http_methods(["POST"])
def set_theme(request):
    """The switch on every page: ``theme`` names a theme (e.g. high contrast) kept for this
    visitor in a cookie, or is empty for the site's own theme; back to ``next``."""
    from django.conf import settings
    from django.http import HttpResponseRedirect
    from django.utils.http import url_has_allowed_host_and_scheme

    from .themes import THEME_COOKIE, available_themes

    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = "/"
    response = HttpResponseRedirect(target)
    name = request.POST.get("theme", "")
    if name in available_themes():
        response.set_cookie(THEME_COOKIE, name, max_age=365 * 24 * 3600, samesite="Lax",
                            httponly=True, secure=getattr(settings, "SESSION_COOKIE_SECURE",
                                                          False))
    else:
        response.delete_cookie(THEME_COOKIE, samesite="Lax")
    return response


def _darker(colour: str, factor: float = 0.72) -> str:
    red, green, blue = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return "#{:02x}{:02x}{:02x}".format(*(round(c * factor) for c in (red, green, blue)))


def brand_css(request):
    """The city's colour (Site profile → city colour) as the theme's primary colour, in a
    style sheet of the site's own (the pages allow no inline styles). The high-contrast
    theme keeps its own colours."""
    import re

    from django.http import HttpResponse

    from .middleware import site_profile

    profile = site_profile(request)
    colour = (getattr(profile, "brand_colour", "") or "").lower()
    css = ""
    if re.fullmatch(r"#[0-9a-f]{6}", colour):
        css = (f"html:not(.theme-contrast) {{\n  --brand: {colour};\n"
               f"  --brand-dark: {_darker(colour)};\n}}\n")
    response = HttpResponse(css, content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "public, max-age=86400"
    return response
