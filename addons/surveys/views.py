"""Public pages of surveys: the survey with its form, the answer, the results, one-time
links, the opinion center and the cabinet's list. Rules live in ``services``; figures in
``results``."""

from __future__ import annotations

import ipaddress
import secrets
import time

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django_ratelimit.core import get_usage, is_ratelimited
from wagtail.models import Site

from addons.core import page_cache
from addons.core.validation import parse_pk

from . import results as stats
from . import services
from .forms import SurveyForm
from .models import Audience, Invitation, Survey, SurveyCategory, SurveyPlacement

BROWSER_COOKIE = "civicdesk_survey_browser"
BROWSER_SALT = "surveys.browser"
BROWSER_MAX_AGE = 2 * 365 * 24 * 3600
STARTED_SALT = "surveys.started"


def _site(request):
    site = Site.find_for_request(request)
    if site is None:
        raise Http404
    return site


def _survey(request, pk) -> Survey:
    survey = get_object_or_404(Survey.objects.select_related("category"), pk=parse_pk(pk))
    if survey.site_id != _site(request).pk:
        raise Http404
    return survey


def _placed_addressee(survey, value):
    """The live addressee page ``value`` names, if ``survey`` hangs on it."""
    from addons.addressees.models import AddresseePage

    page_id = parse_pk(value)
    if page_id is None:
        return None
    if not SurveyPlacement.objects.filter(survey=survey, page_id=page_id).exists():
        return None
    return AddresseePage.objects.live().filter(pk=page_id).first()


def _any_addressee(request, value):
    from addons.addressees.models import AddresseePage

    page_id = parse_pk(value)
    if page_id is None:
        return None
    return (AddresseePage.objects.live().descendant_of(_site(request).root_page)
            .filter(pk=page_id).first())


def browser_id(request) -> str | None:
    """The browser's survey id from its signed cookie (None when it has none yet)."""
    try:
        return request.get_signed_cookie(BROWSER_COOKIE, salt=BROWSER_SALT,
                                         max_age=BROWSER_MAX_AGE)
    except (KeyError, signing.BadSignature):
        return None


def _remember_browser(response, value) -> None:
    response.set_signed_cookie(BROWSER_COOKIE, value, salt=BROWSER_SALT,
                               max_age=BROWSER_MAX_AGE, httponly=True, samesite="Lax",
                               secure=settings.SESSION_COOKIE_SECURE)


def survey_state(request, survey, addressee=None, invitation=None) -> str:
    """What the citizen can do: "open", "answered", "login", "link", "closed", "used"."""
    if not survey.is_open():
        return "closed"
    if survey.audience == Audience.LINK:
        if invitation is None:
            return "link"
        return "used" if invitation.used_at else "open"
    if survey.audience == Audience.CITIZENS and not request.user.is_authenticated:
        return "login"
    if services.has_answered(survey, request.user, addressee=addressee,
                             browser_id=browser_id(request)):
        return "answered"
    return "open"


def started_value(request=None) -> str:
    """The signed moment the form was shown, carried by the form (``started``); a form sent
    back after an error keeps the moment it was first shown."""
    if request is not None and request.method == "POST" and \
            fill_seconds(request.POST.get("started")) is not None:
        return request.POST["started"]
    return signing.dumps(round(time.time(), 1), salt=STARTED_SALT)


def fill_seconds(value) -> float | None:
    """How long ago the form carrying ``value`` was shown; None when it carries none."""
    try:
        return time.time() - float(signing.loads(value or "", salt=STARTED_SALT))
    except (signing.BadSignature, TypeError, ValueError):
        return None


def survey_box_context(request, survey, addressee=None, *, form=None, invitation=None,
                       questions=None) -> dict:
    """What a survey's form needs, on its own page or in an addressee page's section."""
    questions = questions if questions is not None else services.questions_of(survey)
    state = survey_state(request, survey, addressee, invitation)
    if form is None and state == "open":
        form = SurveyForm(questions=questions)
    action = (reverse("surveys:invitation", args=[invitation.token]) if invitation
              else reverse("surveys:answer", args=[survey.pk]))
    return {"survey": survey, "addressee": addressee, "questions": questions, "form": form,
            "state": state, "action": action, "invitation": invitation,
            "results_url": results_url(survey, addressee),
            # on a page kept for anonymous visitors, filled in afresh on every view
            "started": page_cache.hole(request, "surveys.started",
                                       lambda: started_value(request))}


def results_url(survey, addressee=None) -> str:
    url = reverse("surveys:results", args=[survey.pk])
    return f"{url}?addressee={addressee.pk}" if addressee is not None else url


def survey(request, pk):
    """The survey on its own page, with its form (or why it cannot be answered)."""
    item = _survey(request, pk)
    addressee = _placed_addressee(item, request.GET.get("addressee"))
    return render(request, "surveys/survey.html", survey_box_context(request, item, addressee))


def _rate() -> str:
    return getattr(settings, "CIVICDESK_SURVEYS_RATE", "20/h")


def _setting(name, default):
    return getattr(settings, f"CIVICDESK_SURVEYS_{name}", default)


def client_address(request) -> str:
    """The client's address as the rate limits read it (``key="ip"``: behind the trusted
    proxy, the real client)."""
    try:
        from django_ratelimit.core import _get_ip

        return _get_ip(request)
    except Exception:  # an older django-ratelimit, or no address at all
        return request.META.get("REMOTE_ADDR") or "0.0.0.0"


def network_key(group, request) -> str:
    """The client's network: its /24 for IPv4, its /48 for IPv6 (a ratelimit key)."""
    try:
        address = ipaddress.ip_address(client_address(request))
    except ValueError:
        return "unknown"
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def _open_limits(item) -> list[dict]:
    """The limits of a survey open to anyone, per survey: per address and per network."""
    return [
        {"group": f"surveys.answer.address.{item.pk}", "key": "ip",
         "rate": _setting("ADDRESS_RATE", "5/h")},
        {"group": f"surveys.answer.network.{item.pk}", "key": network_key,
         "rate": _setting("NETWORK_RATE", "30/h")},
    ]


def _over_open_limits(request, item) -> bool:
    """Whether one more answer would go over a limit (counted only once stored)."""
    for limit in _open_limits(item):
        usage = get_usage(request, method="POST", increment=False, **limit)
        if usage is not None and usage["count"] >= usage["limit"]:
            return True
    return False


def _count_open_limits(request, item) -> None:
    for limit in _open_limits(item):
        get_usage(request, method="POST", increment=True, **limit)


def _suspicious(request, item) -> bool:
    """An answer sent faster than a person fills the form, or beyond the burst allowed
    from one network (more than ``BURST`` answers to this survey within
    ``BURST_SECONDS``)."""
    seconds = fill_seconds(request.POST.get("started"))
    too_fast = seconds is None or seconds < _setting("MIN_FILL_SECONDS", 3)
    key = f"surveys:burst:{item.pk}:{network_key(None, request)}"
    cache.add(key, 0, _setting("BURST_SECONDS", 600))
    try:
        count = cache.incr(key)
    except ValueError:  # expired in between
        cache.set(key, 1, _setting("BURST_SECONDS", 600))
        count = 1
    return too_fast or count > _setting("BURST", 10)


def _answer(request, item, *, addressee=None, invitation=None):
    questions = services.questions_of(item)
    form = SurveyForm(request.POST, questions=questions)
    # The hidden trap field: robots fill it, people do not see it. An answer with it filled
    # is kept for staff as suspicious (a browser's autofill may have filled it for a person)
    # and raises no public counter.
    trapped = bool(request.POST.get("website"))
    status = 400
    open_to_anyone = item.audience == Audience.ANYONE
    if is_ratelimited(request, group="surveys.answer", key="ip", rate=_rate(), method="POST",
                      increment=True) or (open_to_anyone and _over_open_limits(request, item)):
        form.is_valid()
        form.add_error(None, _("Too many answers came from your network in a short time. "
                               "Please wait a while and try again."))
        status = 429
    elif form.is_valid():
        new_browser = None
        current = browser_id(request)
        if item.audience == Audience.ANYONE and current is None:
            current = new_browser = secrets.token_hex(16)
        try:
            services.submit(item, form.items(), user=request.user, addressee=addressee,
                            invitation=invitation, browser_id=current, questions=questions,
                            suspicious=trapped or (open_to_anyone
                                                          and _suspicious(request, item)))
        except services.AlreadyAnswered as error:
            form.add_error(None, str(error.message))
            status = 409
        except services.SurveyError as error:
            form.add_service_errors(error)
            status = 403 if isinstance(error, (services.SurveyClosed,
                                               services.NotAllowed)) else 400
        else:
            if open_to_anyone:
                _count_open_limits(request, item)
            messages.success(request, _("Thank you! Your answer is recorded."))
            response = redirect(results_url(item, addressee) if item.public_results
                                else item.get_absolute_url())
            if new_browser:
                _remember_browser(response, new_browser)
            return response
    context = survey_box_context(request, item, addressee, form=form, invitation=invitation,
                                 questions=questions)
    context["state"] = "open"  # show the form again with what was typed and the errors
    return render(request, "surveys/survey.html", context, status=status)


def answer(request, pk):
    item = _survey(request, pk)
    addressee = _placed_addressee(item, request.POST.get("addressee"))
    if request.method != "POST":
        return redirect(item.get_absolute_url())
    return _answer(request, item, addressee=addressee)


def invitation(request, token):
    """A one-time link: the form, answered once."""
    link = get_object_or_404(Invitation.objects.select_related("survey", "addressee"),
                             token=token)
    item = link.survey
    if item.site_id != _site(request).pk:
        raise Http404
    if request.method == "POST":
        return _answer(request, item, addressee=link.addressee, invitation=link)
    return render(request, "surveys/survey.html",
                  survey_box_context(request, item, link.addressee, invitation=link))


def results(request, pk):
    """Public results: counts, shares, average stars, charts, the ranking of addressees."""
    item = _survey(request, pk)
    if not item.public_results:
        raise Http404
    addressee = _any_addressee(request, request.GET.get("addressee"))
    questions = services.questions_of(item)
    figures = stats.public_results(item, questions, addressee.pk if addressee else 0)
    ranking = [] if addressee else stats.ranking(item, stats.rating_question(questions))
    return render(request, "surveys/results.html", {
        "survey": item, "addressee": addressee, "results": figures, "ranking": ranking,
        "answer_url": (f"{item.get_absolute_url()}?addressee={addressee.pk}" if addressee
                       else item.get_absolute_url()),
        # a participant is told they have answered, not invited to answer again
        "state": survey_state(request, item, addressee),
    })


# --- the opinion center page --------------------------------------------------------------


def opinion_center_context(page, request) -> dict:
    """Open surveys by category, or (``?archive=1``) the closed ones with their results."""
    site = page.get_site() or _site(request)
    surveys = Survey.objects.filter(site=site).select_related("category")
    if page.category_id:
        surveys = surveys.filter(category_id=page.category_id)
    archive = request.GET.get("archive") == "1"
    if archive:
        paginator = Paginator(surveys.archived().order_by("-closes_at", "-pk"), 20)
        return {"archive": True, "page_obj": paginator.get_page(request.GET.get("page"))}
    categories = list(SurveyCategory.objects.filter(site=site))
    if page.category_id:
        categories = [c for c in categories if c.pk == page.category_id]
    by_category: dict = {category.pk: [] for category in categories}
    uncategorised = []
    for item in surveys.open().order_by("title"):
        by_category.get(item.category_id, uncategorised).append(item)
    sections = [(category, by_category[category.pk]) for category in categories
                if by_category[category.pk]]
    return {"archive": False, "sections": sections, "uncategorised": uncategorised}


# --- the cabinet --------------------------------------------------------------------------


def cabinet_context(request) -> dict:
    """Surveys the citizen answered under their name (anonymous answers are not linked)."""
    from .models import Response

    if not request.user.is_authenticated:
        return {"responses": []}
    return {"responses": list(Response.objects.filter(citizen=request.user)
                              .select_related("survey", "addressee")[:20])}
