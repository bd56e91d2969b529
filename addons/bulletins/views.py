"""Public pages of bulletins: the e-digest with its filters, a bulletin, subscribing (with
the visitor's confirmation) and the citizen's subscriptions. Rules live in ``services``."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit
from wagtail.models import Site

from addons.core.pagination import CappedPaginator
from addons.core.sites import public_base_url

from . import services
from .forms import DigestFilterForm, SubscribeForm
from .models import Bulletin, Frequency, Subscription

PAGE_SIZE = 20
#: the digest counts at most this many bulletins: counting the whole archive would cost
#: time in proportion to it; older ones are reached with the date filter
COUNT_CAP = 1000
#: subscriptions a visitor without an account may ask for from one address
SUBSCRIBE_RATE = "10/h"
FILTER_KEYS = ("addressee", "subtree", "category", "date_from", "date_to", "tags", "q")


def _site(request):
    site = Site.find_for_request(request)
    if site is None:
        raise Http404
    return site


def filter_from_request(request, site):
    """(form, filter) of the digest's GET parameters; an invalid field is ignored."""
    form = DigestFilterForm(request.GET or None, site=site)
    if form.is_bound:
        form.is_valid()
        for name in list(form.errors):
            form.cleaned_data.pop(name, None)
    return form, form.to_filter()


def _query_string(request, keys=FILTER_KEYS, spec=None) -> str:
    """The filter's parameters; with ``spec`` the addressee is the one it resolved to (a
    typed name becomes ``addressee=<id>``; one refused is left out)."""
    pairs = []
    for key in keys:
        if key == "addressee" and spec is not None:
            if spec.addressee is not None:
                pairs.append((key, spec.addressee.pk))
            continue
        pairs += [(key, value) for value in request.GET.getlist(key) if value]
    return urlencode(pairs)


class DigestPaginator(CappedPaginator):
    """Core's capped paginator counting up to ``COUNT_CAP`` rows (``COUNT(*)`` over a
    ``LIMIT``), so a page costs the same with a thousand bulletins or a million; a page
    number past the end, below 1 or not a number shows the last or first page with a
    notice, never an error or a scan."""

    def __init__(self, object_list, per_page, **kwargs):
        kwargs.setdefault("count_cap", COUNT_CAP)
        super().__init__(object_list, per_page, **kwargs)


def digest(request):
    """Every bulletin of the city, newest first, filtered and paginated."""
    site = _site(request)
    form, spec = filter_from_request(request, site)
    paginator = DigestPaginator(services.digest(site, spec), PAGE_SIZE,
                                allow_empty_first_page=True)
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = services.with_details(page.object_list, tags=False)
    query = _query_string(request, spec=spec)
    subscribe_query = _query_string(request, ("addressee", "subtree", "category", "tags", "q"),
                                    spec=spec)
    return render(request, "bulletins/digest.html", {
        "form": form, "page": page, "bulletins": page.object_list, "spec": spec,
        "query": query, "subscribe_query": subscribe_query,
        "description": services.describe_filter(spec), "capped": paginator.capped,
        "cap": paginator.count_cap,
    })


def detail(request, pk):
    site = _site(request)
    bulletin = get_object_or_404(
        Bulletin.objects.public(site).select_related("addressee", "image"), pk=pk)
    return render(request, "bulletins/detail.html", {
        "bulletin": bulletin, "tags": list(bulletin.tags.all()),
        "attachments": list(bulletin.attachments.select_related("document")),
    })


@ratelimit(key="ip", rate=SUBSCRIBE_RATE, method="POST", block=False)
def subscribe(request):
    """Subscribe to a digest filter (or to one addressee, from its page)."""
    site = _site(request)
    user = request.user if request.user.is_authenticated else None
    status = 200
    if request.method == "POST":
        form = SubscribeForm(request.POST, site=site, user=user)
        # confirmation emails to any address: a visitor may not send them in bulk
        limited = user is None and getattr(request, "limited", False)
        if limited:
            form.is_valid()
            form.add_error(None, _("You have asked for several subscriptions in a short "
                                   "time. Please wait a few minutes and try again."))
        elif form.is_valid():
            try:
                subscription = services.subscribe(
                    site, form.to_filter(), form.cleaned_data["frequency"], user=user,
                    email=form.cleaned_data.get("email", ""),
                    language=translation.get_language() or "",
                    base_url=public_base_url(site, request))
            except services.SubscriptionError as error:
                form.add_error(error.field_name if error.field_name in form.fields else None,
                               str(error.message))
            else:
                if subscription.confirmed_at:
                    messages.success(request, _("You are subscribed."))
                    return redirect("bulletins:subscriptions" if user else "bulletins:digest")
                return render(request, "bulletins/subscribe_sent.html",
                              {"subscription": subscription})
        status = 429 if limited else 400
    else:
        form = SubscribeForm(initial={**request.GET.dict(), "frequency": Frequency.DAILY},
                             site=site, user=user)
    preview = DigestFilterForm(request.POST or request.GET or None, site=site)
    if preview.is_bound:
        preview.is_valid()
        for name in list(preview.errors):
            preview.cleaned_data.pop(name, None)
    return render(request, "bulletins/subscribe.html", {
        "form": form, "description": services.describe_filter(preview.to_filter()),
    }, status=status)


def confirm(request, token):
    """The visitor's confirmation link: GET shows a button and changes nothing (mail
    scanners follow links); the POST confirms."""
    subscription = services.subscription_for_token(token)
    if subscription is None:
        return render(request, "bulletins/confirm.html", {"invalid": True}, status=400)
    if request.method == "POST":
        services.confirm(subscription)
        return render(request, "bulletins/confirm.html",
                      {"subscription": subscription, "done": True})
    return render(request, "bulletins/confirm.html", {"subscription": subscription})


@login_required
def subscriptions(request):
    rows = list(Subscription.objects.of_user(request.user).select_related("addressee"))
    return render(request, "bulletins/subscriptions.html",
                  {"subscriptions": rows, "frequencies": Frequency.choices})


def _own(request, pk) -> Subscription:
    return get_object_or_404(Subscription.objects.of_user(request.user), pk=pk)


@login_required
@require_POST
def change(request, pk):
    subscription = _own(request, pk)
    try:
        services.change_frequency(subscription, request.POST.get("frequency", ""))
        messages.success(request, _("The subscription is changed."))
    except services.SubscriptionError as error:
        messages.error(request, str(error.message))
    return redirect("bulletins:subscriptions")


@login_required
@require_POST
def end(request, pk):
    subscription = _own(request, pk)
    services.end_subscriptions([subscription.pk])
    messages.success(request, _("The subscription is ended."))
    return redirect("bulletins:subscriptions")


def cabinet_context(request):
    if not request.user.is_authenticated:
        return {"subscriptions": []}
    return {"subscriptions": list(Subscription.objects.of_user(request.user)
                                  .select_related("addressee")[:10]),
            "now": timezone.now()}
