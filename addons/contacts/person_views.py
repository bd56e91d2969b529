"""The person's record in the Wagtail admin: who they are (identities, how each was
verified), whom they may also be (possible matches), their timeline, and the log of every
opening of the record. Operators of the contact center (``contacts.use_console``) and
superusers; a person of another town is not found."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from addons.accounts import persons
from addons.accounts.models import Identity, IdentityKind, Person, PersonAccess

from .timeline import available_sources, timeline

CONSOLE_PERMISSION = "contacts.use_console"
VERIFY_PERMISSION = "accounts.change_person"
ACCESS_LOG_PERMISSION = "accounts.view_personaccess"
LIST_PAGE_SIZE = 50


def may_use_console(user) -> bool:
    return bool(user.is_active and (user.is_superuser or user.has_perm(CONSOLE_PERMISSION)))


def may_read_access_log(user) -> bool:
    return bool(user.is_active and (user.is_superuser or user.has_perm(ACCESS_LOG_PERMISSION)))


def work_site(request):
    from addons.core.casework.desk import work_site as desk_site

    return desk_site(request)


def person_for(request, person_id) -> Person:
    """The person ``person_id`` when the user may open them: a person of the town worked on
    (any town for superusers); otherwise 404."""
    person = get_object_or_404(Person.objects.select_related("site", "merged_into"),
                               pk=person_id)
    if not request.user.is_superuser:
        site = work_site(request)
        if site is None or person.site_id != site.pk:
            raise Http404
    return person


def merge_url(first, second) -> str:
    return reverse("wagtailadmin_home") + "persons/merge/?" + urlencode(
        {"a": first.pk, "b": second.pk})


class TimelineFilterForm(forms.Form):
    sources = forms.MultipleChoiceField(label=_("Show"), required=False,
                                        widget=forms.CheckboxSelectMultiple)
    since = forms.DateField(label=_("Period from"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("Period to"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))
    open_only = forms.BooleanField(label=_("Only records still waiting for the city"),
                                   required=False)
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, sources=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sources"].choices = [(key, title) for key, title, _path in sources]

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end of the period is before its start."))
        return data

    def period(self):
        """``(since, until)`` as aware datetimes: from the start of the first day to the end
        of the last (both included)."""
        data = self.cleaned_data if self.is_valid() else {}
        zone = timezone.get_current_timezone()
        since = until = None
        if data.get("since"):
            since = datetime.combine(data["since"], time.min, tzinfo=zone)
        if data.get("until"):
            until = datetime.combine(data["until"] + timedelta(days=1), time.min, tzinfo=zone)
        return since, until


class IdentityConfirmForm(forms.Form):
    """"Confirmed by me" on one of the person's identities: how the operator checked it."""

    identity = forms.IntegerField(widget=forms.HiddenInput)
    #: required by the service (``verify_by_operator``), which says so in its own words
    note = forms.CharField(label=_("How you checked it"), max_length=500, required=False)


def _confirm_identity(request, person):
    """The "Confirmed by me" form posted on the record: a redirect to the record once the
    identity is confirmed, else the bound form with its errors (the page is shown again
    with what was typed)."""
    from addons.accounts import verification

    if not request.user.has_perm(VERIFY_PERMISSION):
        raise PermissionDenied
    form = IdentityConfirmForm(request.POST)
    form.is_valid()
    identity = person.identities.filter(pk=form.cleaned_data.get("identity")).first()
    if identity is None:  # not one of this person's identities
        raise Http404
    form.identity_id = identity.pk
    if not form.errors:
        try:
            verification.verify_by_operator(identity, request.user, form.cleaned_data["note"])
        except verification.VerificationError as refusal:
            form.add_error("note", refusal)
        else:
            messages.success(request, gettext("%(identity)s is confirmed.")
                             % {"identity": identity})
            return redirect(request.get_full_path())
    return form


def _name_accounts(identities) -> None:
    """Give each cabinet account identity the account it names (``identity.account``)."""
    from django.contrib.auth import get_user_model

    ids = [int(identity.value) for identity in identities
           if identity.kind == IdentityKind.ACCOUNT and identity.value.isdigit()]
    users = get_user_model().objects.in_bulk(ids) if ids else {}
    for identity in identities:
        identity.account = (users.get(int(identity.value))
                            if identity.kind == IdentityKind.ACCOUNT
                            and identity.value.isdigit() else None)


def person_view(request, person_id):
    if not may_use_console(request.user):
        raise PermissionDenied
    person = person_for(request, person_id)
    if person.merged_into_id:
        return redirect("contacts-admin:person", person.merged_into_id)
    confirm_form = None
    if request.method == "POST":
        confirm_form = _confirm_identity(request, person)
        if not isinstance(confirm_form, IdentityConfirmForm):
            return confirm_form
    offered = available_sources(person.site)
    form = TimelineFilterForm(request.GET or None, sources=offered)
    filters = {}
    if form.is_bound and form.is_valid():
        since, until = form.period()
        filters = {"sources": form.cleaned_data["sources"], "since": since, "until": until,
                   "open_only": form.cleaned_data["open_only"],
                   "page": form.cleaned_data.get("page") or 1}
    result = timeline(person, request.user, **filters)
    PersonAccess.objects.create(person=person, user=request.user, what="record")
    identities = list(person.identities.select_related("verified_by")
                      .order_by("kind", "-verified_at", "pk"))
    _name_accounts(identities)
    matches = [(other, merge_url(person, other))
               for other in persons.possible_matches(person).order_by("full_name", "pk")[:20]]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "person": person,
        "identities": identities,
        "matches": matches,
        "form": form,
        "page": result,
        "query": query.urlencode(),
        "may_read_access_log": may_read_access_log(request.user),
        # an operator who may change persons confirms an identity or sends its confirmation
        "may_verify": request.user.has_perm(VERIFY_PERMISSION),
        "confirm_form": confirm_form,
        "persons_url": reverse("contacts-admin:persons"),
    }
    refused = confirm_form is not None or (form.is_bound and not form.is_valid())
    return TemplateResponse(request, "contacts/person.html", context,
                            status=400 if refused else 200)


def _search(site, text):
    queryset = persons.live(site)
    text = (text or "").strip()
    if not text:
        return queryset.order_by("full_name", "pk")
    values = {persons.normalize_email(text)}
    phone, valid = persons.normalize_phone(text, site)
    if valid:
        values.add(phone)
    identities = Identity.objects.filter(site=site, value__in=values)
    return queryset.filter(
        Q(full_name__icontains=text) | Q(pk__in=identities.values("person_id"))
    ).distinct().order_by("full_name", "pk")


def persons_view(request):
    if not may_use_console(request.user):
        raise PermissionDenied
    site = work_site(request)
    if site is None:
        raise Http404
    text = request.GET.get("q", "")
    paginator = Paginator(_search(site, text).prefetch_related("identities"), LIST_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("p"))
    rows = []
    for person in page.object_list:
        shown = {IdentityKind.EMAIL: [], IdentityKind.PHONE: []}
        for identity in person.identities.all():
            if identity.kind in shown:
                shown[identity.kind].append(identity)
        rows.append((person, shown[IdentityKind.EMAIL], shown[IdentityKind.PHONE]))
    return TemplateResponse(request, "contacts/persons.html", {
        "rows": rows, "page_obj": page, "q": text, "site": site,
    })


def person_accesses_view(request, person_id):
    if not may_read_access_log(request.user):
        raise PermissionDenied
    person = person_for(request, person_id)
    paginator = Paginator(person.accesses.select_related("user").order_by("-at", "-pk"), 100)
    page = paginator.get_page(request.GET.get("p"))
    return TemplateResponse(request, "contacts/person_accesses.html", {
        "person": person, "page_obj": page,
        "may_open": may_use_console(request.user),
    })
