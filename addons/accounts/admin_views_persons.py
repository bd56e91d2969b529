"""Staff screens of the citizen record in the Wagtail admin: the merge preview
(``/admin/persons/merge/?a=<id>&b=<id>``) and the list of merges with their undo button
(``/admin/persons/merges/``). Staff with ``accounts.change_person``, on the persons of the
town they work on."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from addons.core.casework.desk import work_site

from . import merges, verification
from .models import Identity, IdentityKind, Person, PersonMerge
from .sms import SmsError

PERMISSION = "accounts.change_person"


def _check(request):
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied


def _person(request, site, key):
    try:
        pk = int(request.GET.get(key) or request.POST.get(key) or "")
    except ValueError:
        raise Http404
    person = Person.objects.filter(pk=pk, site=site).first()
    if person is None:  # another town's persons are not found here
        raise Http404
    return person


@never_cache
def merge_view(request):
    _check(request)
    site = work_site(request)
    a, b = _person(request, site, "a"), _person(request, site, "b")
    shown = merges.preview(a, b)
    error = ""
    if request.method == "POST":
        survivor, merged = (b, a) if request.POST.get("survivor") == "b" else (a, b)
        chosen = {}
        for item in shown.fields:
            pick = request.POST.get(f"field_{item.name}")
            if pick in ("a", "b"):
                owner = a if pick == "a" else b
                chosen[item.name] = merges.SURVIVOR if owner == survivor else merges.MERGED
        try:
            merges.merge(survivor, merged, chosen, request.user,
                         confirm_conflict=request.POST.get("confirm_conflict") == "1")
        except merges.MergeRefused as refusal:
            error = " ".join(refusal.messages)
        else:
            messages.success(request, _("%(merged)s was merged into %(survivor)s.")
                             % {"merged": merged, "survivor": survivor})
            return redirect("persons_admin:merges")
    for item in shown.fields:
        item.picked = request.POST.get(f"field_{item.name}",
                                       "a" if item.a or not item.b else "b")
    return render(request, "accounts/persons/merge.html", {
        "preview": shown, "a": a, "b": b, "error": error,
        "survivor": request.POST.get("survivor", "a"),
    }, status=400 if error else 200)


@never_cache
def merges_view(request):
    _check(request)
    site = work_site(request)
    rows = (PersonMerge.objects.filter(survivor__site=site)
            .select_related("survivor", "merged", "merged_by", "undone_by"))
    page = Paginator(rows, 50).get_page(request.GET.get("p"))
    for item in page:
        item.refusal = merges.undo_refusal(item)
    return render(request, "accounts/persons/merges.html", {"page": page})


@never_cache
@require_POST
def undo_view(request, pk):
    _check(request)
    site = work_site(request)
    person_merge = PersonMerge.objects.filter(pk=pk, survivor__site=site).first()
    if person_merge is None:
        raise Http404
    try:
        merges.undo(person_merge, request.user)
    except merges.MergeRefused as refusal:
        messages.error(request, " ".join(refusal.messages))
    else:
        messages.success(request, _("The merge was undone."))
    return redirect(reverse("persons_admin:merges"))


def _back(request):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()},
                                                  require_https=request.is_secure()):
        return redirect(target)
    return redirect("persons_admin:merges")


def _identity(request, pk):
    identity = Identity.objects.filter(pk=pk, site=work_site(request)).first()
    if identity is None:  # another town's identities are not found here
        raise Http404
    return identity


@never_cache
@require_POST
def verify_identity_view(request, pk):
    """An operator checked the identity (called back, saw a document) and says how."""
    _check(request)
    identity = _identity(request, pk)
    try:
        verification.verify_by_operator(identity, request.user, request.POST.get("note", ""))
    except verification.VerificationError as refusal:
        messages.error(request, " ".join(refusal.messages))
    else:
        messages.success(request, _("%(identity)s is confirmed.") % {"identity": identity})
    return _back(request)


@never_cache
@require_POST
def send_confirmation_view(request, pk):
    """Send the citizen the e-mail link or the SMS code that confirms the identity."""
    _check(request)
    identity = _identity(request, pk)
    try:
        if identity.kind == IdentityKind.EMAIL:
            verification.send_email_link(identity, base_url=request.build_absolute_uri("/"))
        else:
            verification.send_phone_code(identity)
    except (verification.VerificationError, SmsError) as refusal:
        text = (" ".join(refusal.messages) if isinstance(refusal, verification.VerificationError)
                else _("The SMS could not be sent. Please try again later."))
        messages.error(request, text)
    else:
        messages.success(request, _("The confirmation was sent to %(identity)s.")
                         % {"identity": identity})
    return _back(request)


def admin_urls():
    from django.urls import include

    patterns = [
        path("merge/", merge_view, name="merge"),
        path("merges/", merges_view, name="merges"),
        path("merges/<int:pk>/undo/", undo_view, name="undo"),
        path("identities/<int:pk>/verify/", verify_identity_view, name="verify_identity"),
        path("identities/<int:pk>/send-confirmation/", send_confirmation_view,
             name="send_confirmation"),
    ]
    return [path("persons/", include((patterns, "persons_admin"), namespace="persons_admin"))]
