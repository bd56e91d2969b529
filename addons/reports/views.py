"""Citizen pages: the reporting form, nearby reports, the report page, photos, co-signing,
following, feedback and the cabinet section."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_ratelimit.core import is_ratelimited
from wagtail.models import Site

from addons.core.geo import Point
from addons.core.permissions import can_moderate

from . import services
from .forms import (
    FollowForm,
    QuestionnaireForm,
    RatingForm,
    ReopenForm,
    ReportForm,
    StaffStatusForm,
)
from .geocoding import geocode
from .models import CoSign, Report, ReportCategory, ReportPhoto, Subscription

logger = logging.getLogger(__name__)
SESSION_KEYS = "reports_access"
_CHECK_MAIL = gettext_lazy(
    "Almost done: we sent a link to your email address. Open it within 7 days to confirm; "
    "until then nothing is counted and you receive nothing else from us.")
CABINET_LIMIT = 10


def _site(request):
    site = Site.find_for_request(request)
    if site is None:
        raise Http404
    return site


def _rate(kind: str, authenticated: bool) -> str:
    if authenticated:
        return getattr(settings, "CIVICDESK_REPORTS_RATE_USER", "30/h")
    return getattr(settings, f"CIVICDESK_REPORTS_RATE_{kind.upper()}", "5/h")


def _limited(request, group: str) -> bool:
    authenticated = request.user.is_authenticated
    return is_ratelimited(
        request, group=f"reports.{group}", key="user_or_ip",
        rate=_rate("anon", authenticated), method="POST", increment=True,
    )


def _photos_limited(request) -> bool:
    """A request that carries photos to decode, counted per client address."""
    rate = getattr(settings, "CIVICDESK_REPORTS_PHOTO_RATE", "6/10m")
    return is_ratelimited(request, group="reports.photos", key="ip", rate=rate,
                          method="POST", increment=True)


def _keep_photos(form) -> str:
    """Keep the photos ``form`` already checked for its next rendering (the hidden token in
    the form's data); the token, or "" when there are none."""
    if not getattr(form, "processed_photos", None):
        return ""
    token = form.keep_photos()
    if token:
        form.data = form.data.copy()
        form.data["photos_token"] = token
    return token


def suggest_categories(text: str, site) -> list[tuple[str, float]]:
    """The classifier's suggestions, best first; nothing when it is absent or fails."""
    if not (text or "").strip():
        return []
    try:
        from .triage import suggest
    except ImportError:
        return []
    try:
        return list(suggest(text, site=site) or [])
    except Exception:  # noqa: BLE001 - a broken classifier must not break reporting
        logger.exception("Report triage failed")
        return []


def _grant(request, report):
    """Remember in the session that this browser filed ``report`` (anonymous reporters)."""
    keys = set(request.session.get(SESSION_KEYS, []))
    keys.add(report.pk)
    request.session[SESSION_KEYS] = sorted(keys)


def _has_key(request, report) -> bool:
    key = request.GET.get("key") or request.POST.get("key")
    if key and str(report.access_key) == key:
        _grant(request, report)
        return True
    return report.pk in request.session.get(SESSION_KEYS, [])


def can_view(request, report) -> bool:
    user = request.user
    if Report.objects.visible_to(user).filter(pk=report.pk).exists():
        return True
    return _has_key(request, report)


def _get_visible(request, number) -> Report:
    report = get_object_or_404(
        Report.objects.select_related("category", "status", "addressee", "site", "reporter"),
        tracking_number=number, site=_site(request),
    )
    if not can_view(request, report):
        raise Http404
    return report


# --- reporting ----------------------------------------------------------------------------


def _point_from(form, site):
    """The report's point: marked, else the typed address, else the photo's GPS."""
    data = form.cleaned_data
    if data.get("lat") is not None and data.get("lng") is not None:
        return Point(data["lat"], data["lng"]), "", False
    if data.get("address"):
        found = geocode(data["address"], site)
        if found is not None:
            return Point(found.lat, found.lng), found.address, False
        if not (data.get("use_photo_location") and form.photo_gps()):
            form.add_error("address", _("We could not find this address in the city's street "
                                        "register. Mark the place on the map or give its "
                                        "coordinates."))
            return None, "", False
    if data.get("use_photo_location") and form.photo_gps():
        lat, lng = form.photo_gps()
        return Point(lat, lng), "", True
    return None, "", False


def _render_form(request, form, site, *, nearby=None, suggestions=None, status=200,
                 addressee=None, photos_dropped=False):
    category = form.cleaned_data.get("category") if hasattr(form, "cleaned_data") else None
    if category is None and form.is_bound:
        code = form.data.get("category")
        category = ReportCategory.objects.filter(site=site, code=code).first() if code else None
    if category is not None and not category.is_group:
        addressee = addressee or services.route(category, None, site)
    labels = {}
    if suggestions:
        codes = [code for code, _score in suggestions]
        labels = {c.code: c for c in ReportCategory.objects.filter(site=site, code__in=codes)}
    from addons.core.geo import parse_point
    from addons.core.models import SiteProfile

    centre = parse_point(SiteProfile.for_site(site).map_center)
    context = {
        "form": form,
        "nearby": nearby,
        "suggestions": [(labels[c], s) for c, s in (suggestions or []) if c in labels],
        "responsible": addressee,
        "category": category,
        "centre": centre,
        "options": services.get_settings(site),
        "photos_dropped": photos_dropped,
    }
    return render(request, "reports/new.html", context, status=status)


@never_cache
def new_report(request):
    site = _site(request)
    if request.method != "POST":
        initial = {}
        if request.GET.get("category"):
            initial["category"] = request.GET["category"]
        for name in ("lat", "lng", "address"):
            if request.GET.get(name):
                initial[name] = request.GET[name]
        form = ReportForm(initial=initial, site=site, user=request.user)
        return _render_form(request, form, site)

    action = request.POST.get("action", "submit")
    had_files = bool(request.FILES.getlist("photos"))

    if had_files and _photos_limited(request):
        # decoding photos costs the server: limited per address at every step
        form = ReportForm(request.POST, site=site, user=request.user)
        form.is_valid()
        form.add_error("photos", _("Too many photos from your connection in a short time. "
                                   "Please wait a few minutes and attach them again; what "
                                   "you typed is kept below."))
        return _render_form(request, form, site, status=429)

    form = ReportForm(request.POST, request.FILES, site=site, user=request.user)

    if action == "suggest":
        suggestions = suggest_categories(request.POST.get("description", ""), site)
        data = request.POST.copy()
        if suggestions and not data.get("category"):
            data["category"] = suggestions[0][0]
        form = ReportForm(data, site=site, user=request.user)
        form.is_valid()
        form.errors.clear()  # a suggestion is not a submission: no error messages yet
        return _render_form(request, form, site, suggestions=suggestions,
                            photos_dropped=had_files)

    if action == "submit" and _limited(request, "submit"):
        form = ReportForm(request.POST, site=site, user=request.user)  # photos not decoded
        form.is_valid()
        form.add_error(None, _("Too many reports from your connection in a short time. "
                               "Please wait a while and send it again; what you typed is "
                               "kept below."))
        return _render_form(request, form, site, status=429, photos_dropped=had_files)

    if not form.is_valid():
        return _render_form(request, form, site, status=400,
                            photos_dropped=had_files and not _keep_photos(form))
    category = form.cleaned_data["category"]
    if category is None:
        form.add_error("category", _("Choose a category."))
    point, address, from_photo = _point_from(form, site)
    if point is None and not form.has_error("address"):
        form.add_error("lat", _("Mark the place of the problem on the map, type its address "
                                "or give its coordinates."))
    if form.errors:
        return _render_form(request, form, site, status=400,
                            photos_dropped=had_files and not _keep_photos(form))

    nearby = services.nearby_open(category, point, site=site)
    if action == "check" or (nearby and not form.cleaned_data.get("duplicates_seen")):
        data = request.POST.copy()
        data["duplicates_seen"] = "on"
        data["lat"], data["lng"] = f"{point.lat:.6f}", f"{point.lng:.6f}"
        data["photos_token"] = form.keep_photos()
        if address and not data.get("address"):
            data["address"] = address
        shown = ReportForm(data, site=site, user=request.user)
        shown.is_valid()  # the kept photos are read back, not decoded again
        return _render_form(request, shown, site, nearby=nearby)

    data = form.cleaned_data
    user = request.user if request.user.is_authenticated else None
    try:
        report = services.submit_report(
            site=site, category=category, point=point, description=data["description"],
            reporter=user, is_public=data["is_public"],
            address=data.get("address") or address,
            contact_email=data.get("contact_email", ""),
            contact_phone=data.get("contact_phone", ""),
            reporter_name=data.get("reporter_name", ""),
            hide_reporter_name=not data.get("show_name"),
            photos=form.processed_photos,
        )
    except ValidationError as error:
        for field, errors in error.message_dict.items():
            target = {"location": "lat"}.get(field, field)
            for message in errors:
                form.add_error(target if target in form.fields else None, message)
        return _render_form(request, form, site, status=400,
                            photos_dropped=had_files and not _keep_photos(form))
    _grant(request, report)
    if form.cleaned_data.get("photos_token"):
        from .photos import forget_checked

        forget_checked(form.cleaned_data["photos_token"], site)
    if from_photo:
        messages.info(request, _("The place was taken from the location stored in your photo."))
    return redirect(reverse("reports:submitted", args=[report.tracking_number])
                    + f"?key={report.access_key}")


@never_cache
def submitted(request, number):
    report = _get_visible(request, number)
    if not (report.reporter_id and report.reporter_id == request.user.pk) and not _has_key(
            request, report):
        raise Http404
    return render(request, "reports/submitted.html", {
        "report": report, "feedback_url": services.feedback_url(report),
    })


@never_cache  # rate-limited per address: every lookup is counted, none shared
def geocode_address(request):
    """JSON for the form's script: the point of a typed address in the street register
    (``{"found": true, "lat", "lng", "address"}``, or ``{"found": false}``)."""
    rate = getattr(settings, "CIVICDESK_REPORTS_GEOCODE_RATE", "120/10m")
    if is_ratelimited(request, group="reports.geocode", key="ip", rate=rate, method="GET",
                      increment=True):
        return JsonResponse({"found": False, "error": _(
            "Too many address lookups from your connection. Wait a few minutes, or mark "
            "the place on the map.")}, status=429)
    site = _site(request)
    text = request.GET.get("q", "")[:300]
    found = geocode(text, site) if text.strip() else None
    if found is None:
        return JsonResponse({"found": False})
    return JsonResponse({"found": True, "lat": round(found.lat, 6), "lng": round(found.lng, 6),
                         "address": found.address})


def nearby(request):
    """HTML fragment of open reports near a point (for the form's script)."""
    site = _site(request)
    category = ReportCategory.objects.filter(
        site=site, code=request.GET.get("category", ""), is_active=True).first()
    try:
        lat, lng = float(request.GET["lat"][:32]), float(request.GET["lng"][:32])
    except (KeyError, ValueError):
        lat = lng = None
    # a point on the Earth, or none (inf, nan and far-off numbers are not places)
    point = Point(lat, lng) if lat is not None and -90 <= lat <= 90 and \
        -180 <= lng <= 180 else None
    items = []
    if category is not None and point is not None and not category.is_group:
        items = services.nearby_open(category, point, site=site)
        responsible = services.route(category, point, site)
    else:
        responsible = None
    return render(request, "reports/_nearby.html",
                  {"nearby": items, "responsible": responsible, "fragment": True})


# --- the report page ----------------------------------------------------------------------


def _detail_context(request, report, **extra):
    staff = can_moderate(request.user, report.addressee_id) if report.addressee_id else (
        request.user.is_authenticated and request.user.is_superuser)
    photos = [p for p in report.photos.all() if staff or not p.is_hidden]
    updates = report.updates.select_related("status_to", "status_from")
    if not staff:
        updates = updates.filter(is_public=True)
    is_reporter = bool(report.reporter_id and report.reporter_id == request.user.pk)
    following = False
    cosigned = False
    if request.user.is_authenticated:
        following = Subscription.objects.filter(report=report, user=request.user).exists()
        cosigned = CoSign.objects.filter(report=report, user=request.user).exists()
    context = {
        "report": report,
        "photos": photos,
        "updates": updates,
        "staff": staff,
        "is_reporter": is_reporter,
        "following": following,
        "cosigned": cosigned,
        "follow_form": FollowForm(),
        "status_form": StaffStatusForm(record=report, user=request.user) if staff else None,
        "duplicates": report.duplicates.all() if staff else None,
    }
    context.update(extra)
    return context


@never_cache
def report_detail(request, number):
    try:
        report = _get_visible(request, number)
    except Http404:
        merged = Report.objects.filter(
            tracking_number=number, merged_into__isnull=False, is_public=True, is_hidden=False,
            site=_site(request),
        ).select_related("merged_into").first()
        if merged is not None:
            return redirect(merged.merged_into.get_absolute_url())
        raise
    response = render(request, "reports/detail.html", _detail_context(request, report))
    if not report.is_public:
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex"
    return response


def _follow_form(request, report):
    """The email may come from the report page's own small form (``email``) or from the
    nearby list inside the report form (``email_<report id>``, else the contact email
    already typed there)."""
    data = request.POST.copy()
    if not data.get("email"):
        data["email"] = data.get(f"email_{report.pk}") or data.get("contact_email") or ""
    return FollowForm(data)


@require_POST
def report_cosign(request, number):
    report = _get_visible(request, number)
    form = _follow_form(request, report)
    if not form.is_valid() or form.cleaned_data.get("website"):
        messages.error(request, _("Your co-signature was not accepted."))
        return redirect(report.get_absolute_url())
    if not request.user.is_authenticated and _limited(request, "cosign"):
        messages.error(request, _("Too many requests from your connection. Try again later."))
        return redirect(report.get_absolute_url())
    try:
        _row, created = services.cosign(report, user=request.user,
                                        email=form.cleaned_data.get("email", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(report.get_absolute_url())
    if _row is None:
        messages.info(request, _CHECK_MAIL)
    elif created:
        messages.success(request, _("Thank you: your co-signature is counted and you will be "
                                    "told of changes."))
    else:
        messages.info(request, _("You have already co-signed this report."))
    return redirect(report.get_absolute_url())


@require_POST
def report_subscribe(request, number):
    report = _get_visible(request, number)
    form = _follow_form(request, report)
    if not form.is_valid() or form.cleaned_data.get("website"):
        messages.error(request, _("Give a valid email address."))
        return redirect(report.get_absolute_url())
    if not request.user.is_authenticated and _limited(request, "subscribe"):
        messages.error(request, _("Too many requests from your connection. Try again later."))
        return redirect(report.get_absolute_url())
    if request.POST.get("stop") and request.user.is_authenticated:
        Subscription.objects.filter(report=report, user=request.user).delete()
        messages.success(request, _("You no longer follow this report."))
        return redirect(report.get_absolute_url())
    try:
        row, _created = services.subscribe(report, user=request.user,
                                           email=form.cleaned_data.get("email", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(report.get_absolute_url())
    if row is None:
        messages.info(request, _CHECK_MAIL)
    else:
        messages.success(request, _("You will be told of every change of this report."))
    return redirect(report.get_absolute_url())


@never_cache
def confirm_email(request, number, token):
    """The link mailed to an address that co-signs or follows a report: the page asks to
    confirm (mail scanners that open links do not confirm anything), the POST stores it."""
    report = _get_visible(request, number)
    try:
        kind, email = services.read_confirmation(report, token)
    except services.ConfirmationError as error:
        return render(request, "reports/confirm_email.html",
                      {"report": report, "error": error.message}, status=400)
    if request.method == "POST":
        try:
            kind, created = services.confirm_email(report, token)
        except services.ConfirmationError as error:
            return render(request, "reports/confirm_email.html",
                          {"report": report, "error": error.message}, status=400)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(report.get_absolute_url())
        if kind == services.COSIGN:
            messages.success(request, _("Thank you: your co-signature is confirmed and "
                                        "counted; you will be told of changes."))
        else:
            messages.success(request, _("Confirmed: you will be told of every change of "
                                        "this report."))
        return redirect(report.get_absolute_url())
    return render(request, "reports/confirm_email.html",
                  {"report": report, "kind": kind, "email": email})


def unsubscribe(request, token):
    subscription = get_object_or_404(Subscription.objects.select_related("report"), token=token)
    if request.method == "POST":
        subscription.delete()
        messages.success(request, _("You no longer follow this report."))
        return redirect("/")
    return render(request, "reports/unsubscribe.html", {"subscription": subscription})


@require_POST
def report_status(request, number):
    """Staff change the status from the report page (the admin has the full set)."""
    report = _get_visible(request, number)
    if not (report.addressee_id and can_moderate(request.user, report.addressee_id)) and not (
            request.user.is_authenticated and request.user.is_superuser):
        raise Http404
    form = StaffStatusForm(request.POST, record=report, user=request.user)
    if form.is_valid():
        try:
            services.staff_change_status(report, request.user, **form.cleaned_data)
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as error:
            for field, items in error.message_dict.items() if hasattr(
                    error, "error_dict") else [(None, error.messages)]:
                for message in items:
                    form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, _("The status was changed and the followers were told."))
            return redirect(report.get_absolute_url())
    context = _detail_context(request, report, status_form=form)
    return render(request, "reports/detail.html", context, status=400)


# --- photos -------------------------------------------------------------------------------


def _photo(request, number, pk, field):
    photo = get_object_or_404(
        ReportPhoto.objects.select_related("report", "report__addressee"),
        pk=pk, report__tracking_number=number, report__site=_site(request),
    )
    report = photo.report
    if not can_view(request, report):
        raise Http404
    if photo.is_hidden and not (report.addressee_id and can_moderate(
            request.user, report.addressee_id)) and not request.user.is_superuser:
        raise Http404
    file = getattr(photo, field)
    try:
        handle = file.open("rb")
    except (FileNotFoundError, OSError, ValueError):
        raise Http404 from None
    response = FileResponse(handle, content_type="image/jpeg")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = ("public, max-age=3600" if report.is_public and not
                                 report.is_hidden else "private, no-store")
    return response


def photo(request, number, pk):
    return _photo(request, number, pk, "image")


def thumbnail(request, number, pk):
    return _photo(request, number, pk, "thumbnail")


# --- feedback -----------------------------------------------------------------------------


@never_cache
def feedback(request, number):
    """The reporter confirms, reopens, rates, or answers the questionnaire."""
    report = get_object_or_404(
        Report.objects.select_related("category", "status", "addressee", "site"),
        tracking_number=number, site=_site(request),
    )
    is_reporter = bool(report.reporter_id and report.reporter_id == request.user.pk)
    if not (is_reporter or _has_key(request, report)):
        raise Http404
    actor = request.user if request.user.is_authenticated else None
    forms = {"rating_form": RatingForm(), "reopen_form": ReopenForm(),
             "questionnaire_form": QuestionnaireForm()}
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "confirm" and not report.is_open:
                services.confirm_resolution(report, by=actor)
                messages.success(request, _("Thank you for confirming."))
            elif action == "reopen":
                form = forms["reopen_form"] = ReopenForm(request.POST)
                if form.is_valid():
                    services.reopen(report, by=actor, note=form.cleaned_data["note"])
                    messages.success(request, _("The report was reopened."))
            elif action == "rate":
                form = forms["rating_form"] = RatingForm(request.POST)
                if form.is_valid():
                    services.rate(report, form.cleaned_data["speed"],
                                  form.cleaned_data["quality"], by=actor)
                    messages.success(request, _("Thank you for your rating."))
            elif action == "questionnaire":
                form = forms["questionnaire_form"] = QuestionnaireForm(request.POST)
                if form.is_valid():
                    services.questionnaire_answer(report, form.cleaned_data["fixed"],
                                                  form.cleaned_data["comment"], by=actor)
                    messages.success(request, _("Thank you for your answer."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        if not any(f.errors for f in forms.values()):
            return HttpResponseRedirect(services.feedback_url(report))
    report.refresh_from_db()
    return render(request, "reports/feedback.html", {"report": report, **forms},
                  status=400 if any(f.errors for f in forms.values()) else 200)


# --- cabinet ------------------------------------------------------------------------------


def cabinet_context(request) -> dict:
    """ "My problem reports": mine, and those I co-signed or follow."""
    user = request.user
    base = Report.objects.select_related("category", "status").only(
        "pk", "tracking_number", "category__name", "category__names", "category__code",
        "status__code", "status__name",
        "status__names", "status__is_open", "created_at", "due_at", "address", "is_public",
        "cosign_count",
    )
    mine = list(base.filter(reporter=user).order_by("-created_at")[: CABINET_LIMIT + 1])
    followed = list(
        base.filter(pk__in=Subscription.objects.filter(user=user).values("report_id"))
        .exclude(reporter=user).order_by("-created_at")[:CABINET_LIMIT]
    )
    cosigned_ids = set(CoSign.objects.filter(user=user).values_list("report_id", flat=True))
    cosigned = list(base.filter(pk__in=cosigned_ids).order_by("-created_at")[:CABINET_LIMIT])
    followed = [r for r in followed if r.pk not in cosigned_ids]
    return {"reports": mine[:CABINET_LIMIT], "more": len(mine) > CABINET_LIMIT,
            "cosigned": cosigned, "followed": followed}
