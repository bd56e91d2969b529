"""Citizen pages: the filing form, the appeal page, its files, the cabinet section."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_ratelimit.core import get_usage
from wagtail.models import Site

from addons.accounts.services import save_address
from addons.addressees.models import AddresseePage
from addons.core.validation import parse_pk

from . import jurisdictions, services
from .forms import AppealFilingForm, CommentForm, RatingForm
from .models import (
    OPEN_STATUSES,
    Appeal,
    AppealAttachment,
    AppealEvent,
    AppealForm,
    AppealFormPlacement,
    AppealMessage,
    Status,
)
from .permissions import can_view, is_staff_for

DRAFT_KEY = "appeals_draft:{form}:{addressee}"
DRAFT_PREFIX = "appeals_draft:"
CABINET_LIMIT = 10
ANONYMOUS_GROUP = "appeals.file"


def _site(request):
    return Site.find_for_request(request)


def _addressee_for(request, appeal_form, value):
    """The live addressee of this site the form is attached to, or 404."""
    addressee_id = parse_pk(value)
    if addressee_id is None:
        raise Http404
    site = _site(request)
    addressee = AddresseePage.objects.live().filter(pk=addressee_id).first()
    if addressee is None or site is None or not addressee.path.startswith(site.root_page.path):
        raise Http404
    if not AppealFormPlacement.objects.filter(page_id=addressee.pk, form=appeal_form).exists():
        raise Http404
    return addressee


def barrier(request, appeal_form, code: str) -> dict | None:
    """Why this person may not file with this form now (None: they may). A profile that
    lacks details is no barrier: the form asks what the site's law requires, and what the
    citizen types there counts (it may be saved to the profile)."""
    user = request.user
    here = request.get_full_path()
    if appeal_form.requires_login and not user.is_authenticated:
        return {
            "reason": jurisdictions.LOGIN_REASON,
            "law": jurisdictions.identification_reason(
                code, getattr(appeal_form, "procedure", "appeal")),
            "url": f"{reverse('accounts:login')}?{urlencode({'next': here})}",
            "label": _("Log in to file the appeal"),
            "register_url": reverse("accounts:register"),
        }
    return None


def _initial(request, draft_key) -> dict:
    draft = request.session.get(draft_key)
    if draft:
        return dict(draft)
    user = request.user
    if not user.is_authenticated:
        return {}
    return {
        "applicant_name": user.full_name,
        "applicant_address": user.postal_address,
        "applicant_email": user.email,
        "applicant_phone": user.phone,
    }


@never_cache
def new_appeal(request, form_id):
    """File an appeal with form ``form_id`` to the addressee ``?addressee=<id>``."""
    site = _site(request)
    if parse_pk(form_id) is None:
        raise Http404
    appeal_form = get_object_or_404(AppealForm.objects.prefetch_related("fields"), pk=form_id)
    if appeal_form.site_id and site and appeal_form.site_id != site.pk:
        raise Http404
    addressee = _addressee_for(
        request, appeal_form, request.POST.get("addressee") or request.GET.get("addressee")
    )
    code = jurisdictions.jurisdiction_of(site)
    priorities = jurisdictions.priority_categories(site)
    offer_save = request.user.is_authenticated and not request.user.postal_address
    draft_key = DRAFT_KEY.format(form=appeal_form.pk, addressee=addressee.pk)
    refused = barrier(request, appeal_form, code)
    status = 200

    if request.method == "POST":
        form = AppealFilingForm(request.POST, request.FILES, appeal_form=appeal_form,
                                jurisdiction=code, priority_choices=priorities,
                                offer_save_address=offer_save)
        if refused:
            # Nothing typed is lost: the draft waits in the session for the way back (one
            # draft per visitor, bounded in size).
            for key in [key for key in request.session.keys() if key.startswith(DRAFT_PREFIX)]:
                del request.session[key]
            request.session[draft_key] = form.draft()
            status = 403
        elif form.is_valid():
            author = request.user if request.user.is_authenticated else None
            token = form.cleaned_data["submission_token"]
            try:
                if not Appeal.objects.filter(submission_token=token).exists():
                    _check_limits(request, author, form.checked_files)
            except services.LimitReached as error:
                form.add_error(None, error.message)
                status = 429
            else:
                appeal, created = services.file_appeal(
                    site=site, form=appeal_form, addressee=addressee, author=author,
                    data=form.service_data(), files=form.checked_files, token=token,
                )
                if created and author is None:
                    _anonymous_usage(request, increment=True)
                if created and author is not None and form.cleaned_data.get("save_address"):
                    save_address(author, form.cleaned_data["applicant_address"])
                request.session.pop(draft_key, None)
                return _filed_response(request, appeal, created)
        else:
            status = 400
    else:
        form = AppealFilingForm(initial=_initial(request, draft_key), appeal_form=appeal_form,
                                jurisdiction=code, priority_choices=priorities,
                                offer_save_address=offer_save)
    return render(request, "appeals/new.html", {
        "appeal_form": appeal_form, "addressee": addressee, "form": form, "barrier": refused,
        "today": timezone.localdate(), "has_draft": draft_key in request.session,
    }, status=status)


def _anonymous_usage(request, *, increment=False) -> int:
    """Appeals filed without an account from this address today (counted per address)."""
    limit = services.anonymous_appeals_per_day()
    if not limit:
        return 0
    usage = get_usage(request, group=ANONYMOUS_GROUP, key="ip", rate=f"{limit}/d",
                      method="POST", increment=increment)
    return usage["count"] if usage else 0


def _check_limits(request, author, files):
    """LimitReached when this applicant may not file more now (see services)."""
    if author is not None:
        services.check_filing_limits(author, files)
        return
    limit = services.anonymous_appeals_per_day()
    if limit and _anonymous_usage(request) >= limit:
        raise services.LimitReached(services.daily_limit_message(limit))


def _filed_response(request, appeal, created):
    user = request.user
    if user.is_authenticated and appeal.author_id == user.pk:
        if created and appeal.is_info_request and appeal.due_date is None:
            messages.success(request, _(
                "Your request is recorded under number %(reference)s. It gives no name or "
                "address to answer to, so the law does not require an answer.") % {
                "reference": appeal.reference})
        elif created and appeal.is_info_request:
            messages.success(
                request,
                _("Your request for public information is registered under number "
                  "%(reference)s. The answer is due by %(due)s.") % {
                    "reference": appeal.reference,
                    "due": appeal.due_date.strftime("%d.%m.%Y")},
            )
        elif created and appeal.due_date is None:
            messages.success(request, _(
                "Your appeal is recorded under number %(reference)s. It gives no name or "
                "address, so the law does not require an answer.") % {
                "reference": appeal.reference})
        elif created:
            messages.success(
                request,
                _("Your appeal is registered under number %(reference)s. The answer is due "
                  "by %(due)s.") % {"reference": appeal.reference,
                                    "due": appeal.due_date.strftime("%d.%m.%Y")},
            )
        else:
            messages.info(request, _("This appeal was already filed; here it is."))
        return redirect(appeal.get_absolute_url())
    # Someone without an account: a receipt page (the number and the due date only).
    return render(request, "appeals/filed.html", {"appeal": appeal, "created": created})


def _visible_appeal(request, pk):
    if not request.user.is_authenticated:
        return None
    if parse_pk(pk) is None:
        raise Http404
    # references are counted per town: each town's pages show that town's appeals only
    return get_object_or_404(
        Appeal.objects.visible_to(request.user).select_related("addressee", "form", "site"),
        pk=pk, site=_site(request),
    )


def _detail_context(request, appeal, **forms):
    staff = is_staff_for(request.user, appeal)
    author = appeal.author_id == request.user.pk
    conversation = appeal.messages.select_related("author").prefetch_related(
        Prefetch("attachments", queryset=AppealAttachment.objects.order_by("pk"))
    )
    events = appeal.events.select_related("actor")
    if not staff:
        conversation = conversation.exclude(kind=AppealMessage.Kind.NOTE)
        events = events.exclude(action__in=[AppealEvent.Action.VIEWED, AppealEvent.Action.NOTE])
    can_talk = author and not appeal.is_final
    return {
        "appeal": appeal,
        "is_staff": staff,
        "is_author": author,
        "conversation": list(conversation),
        "files": list(appeal.attachments.filter(message__isnull=True).order_by("pk")),
        "events": list(events),
        "comment_form": forms.get("comment_form") or (CommentForm() if can_talk else None),
        "rating_form": forms.get("rating_form") or (
            RatingForm(initial={"rating": appeal.rating})
            if author and appeal.answered_at else None
        ),
        "can_resolve": author and appeal.status in (*OPEN_STATUSES, Status.ANSWERED),
        "overdue": appeal.is_overdue(),
    }


@never_cache
def appeal_detail(request, pk):
    appeal = _visible_appeal(request, pk)
    if appeal is None:
        return redirect_to_login(request.get_full_path())
    services.record_view(appeal, request.user)
    return render(request, "appeals/detail.html", _detail_context(request, appeal))


@never_cache
@require_POST
def add_comment(request, pk):
    appeal = _visible_appeal(request, pk)
    if appeal is None:
        return redirect_to_login(reverse("appeals:detail", args=[pk]))
    if appeal.author_id != request.user.pk:
        raise PermissionDenied
    form = CommentForm(request.POST, request.FILES, appeal_form=appeal.form)
    if form.is_valid():
        try:
            services.comment(appeal, request.user, form.cleaned_data["text"],
                             form.checked_files)
        except services.AppealError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Your comment is added."))
            return redirect(appeal.get_absolute_url())
    context = _detail_context(request, appeal, comment_form=form)
    return render(request, "appeals/detail.html", context, status=400)


@never_cache
@require_POST
def resolve(request, pk):
    appeal = _visible_appeal(request, pk)
    if appeal is None:
        return redirect_to_login(reverse("appeals:detail", args=[pk]))
    try:
        services.mark_resolved(appeal, request.user)
    except services.AppealError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Thank you: the appeal is closed as resolved."))
    return redirect(appeal.get_absolute_url())


@never_cache
@require_POST
def rate(request, pk):
    appeal = _visible_appeal(request, pk)
    if appeal is None:
        return redirect_to_login(reverse("appeals:detail", args=[pk]))
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            services.rate(appeal, request.user, form.cleaned_data["rating"])
        except services.AppealError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Thank you for rating the answer."))
        return redirect(appeal.get_absolute_url())
    context = _detail_context(request, appeal, rating_form=form)
    return render(request, "appeals/detail.html", context, status=400)


@never_cache
def attachment(request, pk, attachment_pk):
    """A file of an appeal, only for those who may see the appeal; always a download."""
    if not request.user.is_authenticated or parse_pk(pk) is None or parse_pk(attachment_pk) is None:
        raise Http404
    item = get_object_or_404(
        AppealAttachment.objects.select_related("appeal", "message"),
        pk=attachment_pk, appeal_id=pk,
    )
    if not can_view(request.user, item.appeal):
        raise Http404
    if (item.message_id and item.message.kind == AppealMessage.Kind.NOTE
            and not is_staff_for(request.user, item.appeal)):
        raise Http404
    try:
        handle = item.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=item.original_name,
                            content_type=item.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def cabinet_context(request) -> dict:
    """The "My appeals" section of the cabinet."""
    user = request.user
    appeals = (
        Appeal.objects.filter(author=user, site=_site(request))
        .select_related("addressee")
        .only("pk", "reference", "subject", "status", "due_date", "received_at",
              "addressee__title", "addressee__id", "author_id")
        .order_by("-received_at", "-pk")
    )
    items = list(appeals[: CABINET_LIMIT + 1])
    return {"appeals": items[:CABINET_LIMIT], "more": len(items) > CABINET_LIMIT}


@never_cache
def my_appeals(request):
    """Every appeal of the citizen, newest first."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    from django.core.paginator import Paginator

    appeals = (
        Appeal.objects.filter(author=request.user, site=_site(request))
        .select_related("addressee")
        .order_by("-received_at", "-pk")
    )
    page_obj = Paginator(appeals, 20).get_page(request.GET.get("page"))
    return render(request, "appeals/my_appeals.html",
                  {"page_obj": page_obj, "appeals": page_obj.object_list})
