"""The contact center's admin screens (/admin/contacts/): the console, the caller pop-up,
interactions, callbacks, reply templates and wrap-up codes.

Call records are confidential: every screen is for superusers and the staff holding
``contacts.use_console``; anyone else gets 403. Everything is of the town (Wagtail site)
the admin is opened on: another town's records answer 404."""

from __future__ import annotations

from datetime import timedelta
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from wagtail.models import Site

from addons.accounts.models import Person
from addons.core.validation import parse_pk

from . import services
from .forms import (
    CallbackForm,
    CallbackOwnerForm,
    CatalogForm,
    InteractionFilterForm,
    LoggedInteractionForm,
    ReplyTemplateForm,
    SearchForm,
    WrapUpCodeForm,
    WrapUpForm,
)
from .models import Callback, Channel, Interaction, ReplyTemplate, WrapUpCode


def console_staff(view):
    """Only the contact center's staff; the town is the admin's site."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not services.may_use_console(request.user):
            raise PermissionDenied
        request.contacts_site = Site.find_for_request(request)
        if request.contacts_site is None:
            raise Http404
        return never_cache(view)(request, *args, **kwargs)

    return wrapper


def _may_manage(user, model) -> bool:
    meta = model._meta
    return user.is_superuser or user.has_perm(f"{meta.app_label}.change_{meta.model_name}")


def _templates(site):
    language = translation.get_language() or ""
    short = language.split("-")[0]
    return ReplyTemplate.objects.filter(site=site, language__in=["", language, short])


# --- the console -----------------------------------------------------------------------------

@console_staff
def console(request):
    site = request.contacts_site
    form = SearchForm(request.GET or None)
    result = services.search(site, form.data.get("q", "")) if form.is_valid() else None
    catalog_form = CatalogForm(request.GET or None)
    rows = (services.catalog(site, catalog_form.cleaned_data["topic"])
            if catalog_form.is_valid() else [])
    return render(request, "contacts/console.html", {
        "form": form, "result": result, "catalog_form": catalog_form, "catalog": rows,
        "topic": catalog_form.data.get("topic", ""),
        "templates": _templates(site),
        "current_calls": _current_calls(request),
        "current_url": reverse("contacts-admin:current_calls"),
    })


def _current_calls(request):
    return [{
        "number": services.caller_number(call) or _("unknown number"),
        "state": call.get_state_display(),
        "url": _popup_url(call),
    } for call in services.current_calls(request.contacts_site, request.user)[:10]]


def _popup_url(call) -> str:
    from urllib.parse import urlencode

    query = urlencode({"from": services.caller_number(call), "call": call.call_id})
    return f"{reverse('contacts-admin:call')}?{query}"


@console_staff
def current_calls(request):
    """The calls the signed-in operator answered in the last minutes (polled by the console)."""
    return JsonResponse({"calls": _current_calls(request)})


# --- the caller pop-up ------------------------------------------------------------------------

def _call_interaction(site, call_id, found, user):
    if call_id:
        return Interaction.objects.filter(site=site, call_id=call_id[:120]).first()
    if not found.valid:
        return None
    since = timezone.now() - timedelta(minutes=services.CURRENT_CALL_MINUTES)
    return Interaction.objects.filter(site=site, from_number=found.number, operator=user,
                                      started_at__gte=since, summary="").first()


@console_staff
def call(request):
    site = request.contacts_site
    typed = request.GET.get("from", "")
    call_id = request.GET.get("call", "").strip()
    # a view of the pop-up shows their open records: kept in the persons' audit
    found = services.caller(site, typed, request.user, audit=request.method == "GET")
    interaction = _call_interaction(site, call_id, found, request.user)
    form = WrapUpForm(request.POST or None, site=site, initial={"callback_owner": request.user})
    if request.method == "POST" and form.is_valid():
        if interaction is None:
            person = found.persons[0].person if len(found.persons) == 1 else None
            interaction = Interaction(site=site, channel=Channel.PHONE, operator=request.user,
                                      from_number=found.number if found.valid else found.typed,
                                      number_valid=found.valid, person=person,
                                      call_id="")
        form.apply(interaction, request.user)
        messages.success(request, _("The interaction is saved."))
        return redirect("contacts-admin:interaction", interaction.pk)
    return render(request, "contacts/call.html", {
        "caller": found, "interaction": interaction, "form": form,
        "templates": _templates(site),
    })


# --- interactions ---------------------------------------------------------------------------

@console_staff
def interactions(request):
    site = request.contacts_site
    filters = InteractionFilterForm(request.GET or None, site=site)
    queryset = filters.filter(Interaction.objects.filter(site=site).select_related(
        "person", "operator", "wrap_up"))
    page = Paginator(queryset, 50).get_page(request.GET.get("p"))
    query = request.GET.copy()
    query.pop("p", None)
    return render(request, "contacts/interactions.html", {
        "filters": filters, "page": page, "query": query.urlencode(),
    })


@console_staff
def interaction(request, pk):
    site = request.contacts_site
    item = get_object_or_404(Interaction.objects.select_related("person", "operator",
                                                                  "wrap_up"),
                             pk=parse_pk(pk), site=site)
    initial = {"summary": item.summary, "wrap_up": item.wrap_up,
               "resolved_first_contact": item.resolved_first_contact,
               "callback_owner": request.user}
    form = WrapUpForm(request.POST or None, site=site, initial=initial)
    if request.method == "POST" and form.is_valid():
        form.apply(item, request.user)
        messages.success(request, _("The interaction is saved."))
        return redirect("contacts-admin:interaction", item.pk)
    return render(request, "contacts/interaction.html", {
        "item": item, "form": form, "callbacks": item.callbacks.select_related("owner"),
        "person_url": services.person_url(item.person_id) if item.person_id else "",
    })


@console_staff
def interaction_new(request):
    """A visit, an outbound call or an e-mail logged by hand (``?person=`` for whom)."""
    site = request.contacts_site
    person = None
    raw_person = request.GET.get("person") or request.POST.get("person")
    if raw_person:
        person = get_object_or_404(Person, pk=parse_pk(raw_person), site=site,
                                   merged_into__isnull=True)
    form = LoggedInteractionForm(request.POST or None, site=site,
                                 initial={"callback_owner": request.user})
    if request.method == "POST" and form.is_valid():
        item = form.build(person, request.user)
        form.apply(item, request.user)
        messages.success(request, _("The interaction is saved."))
        return redirect("contacts-admin:interaction", item.pk)
    return render(request, "contacts/interaction_new.html", {"form": form, "person": person})


# --- callbacks --------------------------------------------------------------------------------

@console_staff
def callbacks(request):
    """Open callbacks: the signed-in operator's first, the overdue ones first; ``?done=1``
    the done ones."""
    site = request.contacts_site
    now = timezone.now()
    done = request.GET.get("done") == "1"
    mine = request.GET.get("mine") == "1"
    queryset = Callback.objects.filter(site=site, done_at__isnull=not done).select_related(
        "owner", "person", "done_by")
    if mine:
        queryset = queryset.filter(owner=request.user)
    person = None
    raw_person = request.GET.get("person") or request.POST.get("person")
    if raw_person:
        person = get_object_or_404(Person, pk=parse_pk(raw_person), site=site,
                                   merged_into__isnull=True)
    if done:
        queryset = queryset.order_by("-done_at")
    else:
        queryset = queryset.annotate(
            mine=Case(When(owner=request.user, then=Value(0)), default=Value(1),
                      output_field=IntegerField()),
            late=Case(When(due_at__lt=now, then=Value(0)), default=Value(1),
                      output_field=IntegerField()),
        ).order_by("mine", "late", "due_at")
    page = Paginator(queryset, 50).get_page(request.GET.get("p"))
    form = CallbackForm(request.POST or None, site=site, initial={"owner": request.user})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.plan_callback(site, owner=data["owner"], due_at=data["due_at"],
                               note=data["note"], phone=data["phone"], person=person,
                               by=request.user)
        messages.success(request, _("The callback is planned."))
        return redirect("contacts-admin:callbacks")
    return render(request, "contacts/callbacks.html", {
        "page": page, "done": done, "mine": mine, "now": now, "form": form, "person": person,
        "person_urls": {item.person_id: services.person_url(item.person_id)
                        for item in page if item.person_id},
        "owner_form": None if done else CallbackOwnerForm(),
    })


@console_staff
@require_POST
def callback_done(request, pk):
    item = get_object_or_404(Callback, pk=parse_pk(pk), site=request.contacts_site)
    if item.done_at is None:
        item.done_at = timezone.now()
        item.done_by = request.user
        item.save(update_fields=["done_at", "done_by"])
        messages.success(request, _("The callback is done."))
    return redirect("contacts-admin:callbacks")


@console_staff
@require_POST
def callback_owner(request, pk):
    """Hand a callback over to another operator, who is told of it."""
    item = get_object_or_404(Callback, pk=parse_pk(pk), site=request.contacts_site)
    form = CallbackOwnerForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["owner"]))
    else:
        try:
            services.reassign_callback(item, form.cleaned_data["owner"], request.user)
        except services.CallbackRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, _("The callback is handed over to %(owner)s.") % {
                "owner": form.fields["owner"].label_from_instance(form.cleaned_data["owner"])})
    return redirect("contacts-admin:callbacks")


# --- reply templates and wrap-up codes --------------------------------------------------------

MANAGED = {
    "templates": (ReplyTemplate, ReplyTemplateForm),
    "wrapups": (WrapUpCode, WrapUpCodeForm),
}


def _managed(kind):
    if kind not in MANAGED:
        raise Http404
    return MANAGED[kind]


@console_staff
def managed_list(request, kind):
    model, _form = _managed(kind)
    return render(request, "contacts/managed_list.html", {
        "kind": kind, "items": model.objects.filter(site=request.contacts_site),
        "title": model._meta.verbose_name_plural, "may_manage": _may_manage(request.user, model),
    })


@console_staff
def managed_edit(request, kind, pk=None):
    model, form_class = _managed(kind)
    if not _may_manage(request.user, model):
        raise PermissionDenied
    site = request.contacts_site
    item = (get_object_or_404(model, pk=parse_pk(pk), site=site) if pk is not None
            else model(site=site))
    extra = {"site": site} if form_class is WrapUpCodeForm else {}
    form = form_class(request.POST or None, instance=item, **extra)
    if request.method == "POST":
        if request.POST.get("delete") and item.pk:
            item.delete()
            messages.success(request, _("Deleted."))
            return redirect("contacts-admin:managed", kind)
        if form.is_valid():
            form.instance.site = site
            form.save()
            messages.success(request, _("Saved."))
            return redirect("contacts-admin:managed", kind)
    return render(request, "contacts/managed_edit.html", {
        "kind": kind, "form": form, "item": item, "title": model._meta.verbose_name,
    })
