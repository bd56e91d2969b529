"""Staff side of appeals in the Wagtail admin: the filtered list, the moderator's inbox, the
appeal's page with its action forms, bulk forwarding, exports and the PDF report.

Every screen starts from ``Appeal.objects.handled_by(user)``: a moderator sees the appeals
of the addressees they moderate (the appeals department those of its site), nothing else.
Every change goes through ``services``; a refusal comes back as the service's translated
message on the form, with what was typed kept.
"""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, Prefetch, Value, When
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import include, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache

from addons.addressees.models import AddresseePage
from addons.core.admin_menu import Entry, staff_submenu
from addons.core.forms import DateInput
from addons.core.validation import parse_pk

from . import jurisdictions, services
from .filters import (  # noqa: F401  (the API and older imports)
    ANY_PRIORITY,
    DUE_SOON_DAYS,
    UNKNOWN_TYPE,
    AppealFilterForm,
    addressees_in_scope,
    staff_site_ids,
    working_site,
)
from .models import (
    FINAL_STATUSES,
    OPEN_STATUSES,
    Appeal,
    AppealAttachment,
    AppealMessage,
    Status,
)
from .permissions import AppealPermissionPolicy
from .staff_forms import (
    OTHER_MUNICIPALITY,
    EmptyForm,
    ExtendForm,
    ForwardForm,
    KeyChoiceField,
    KeysChoiceField,
    NoteForm,
    NoticeForm,
    ReasonForm,
    ReplyForm,
    UrgentForm,
    forward_targets,
    reply_templates,
)

PAGE_SIZE = 50

policy = AppealPermissionPolicy(Appeal)


# --- scope --------------------------------------------------------------------------------


def is_appeals_staff(user) -> bool:
    """Whether ``user`` handles appeals of at least one addressee (or every appeal)."""
    return policy.user_has_permission(user, "view")


def staff_appeals(user):
    """The appeals ``user`` handles as staff; PermissionDenied for anyone else."""
    if not is_appeals_staff(user):
        raise PermissionDenied
    return Appeal.objects.handled_by(user)


def filtered_appeals(request, *, inbox=False):
    """(filter form, queryset) of the appeals ``request.user`` handles, as filtered."""
    form = AppealFilterForm(request.GET or None, user=request.user)
    queryset = form.apply(staff_appeals(request.user))
    if inbox:
        # Privileged categories first among the same due date (UA 393/96 art. 20).
        queryset = queryset.filter(status__in=OPEN_STATUSES).order_by(
            "due_date", Case(When(priority="", then=Value(1)), default=Value(0)), "pk"
        )
    else:
        queryset = queryset.order_by("-received_at", "-pk")
    return form, queryset


# --- list and inbox -----------------------------------------------------------------------


class BulkForwardForm(forms.Form):
    """Several appeals the user handles, to one addressee of the municipality they work
    on (``working_site``)."""

    appeals = KeysChoiceField(
        label=gettext_lazy("Appeals"), queryset=Appeal.objects.none(),
        error_messages={
            "required": gettext_lazy("Select at least one appeal."),
            "invalid_choice": gettext_lazy("Select only appeals you handle."),
        },
    )
    to_addressee = KeyChoiceField(
        label=gettext_lazy("Forward to"), queryset=AddresseePage.objects.none(),
        empty_label=gettext_lazy("Choose an addressee"),
        error_messages={"invalid_choice": OTHER_MUNICIPALITY},
    )
    reason = forms.CharField(label=gettext_lazy("Reason (the applicants are told)"),
                             required=False, max_length=1000)

    def __init__(self, data=None, *, user, site, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["appeals"].queryset = Appeal.objects.handled_by(user)
        self.fields["to_addressee"].queryset = forward_targets(site=site)


def _list_context(request, *, inbox):
    form, queryset = filtered_appeals(request, inbox=inbox)
    page_obj = Paginator(queryset.for_inbox(), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    today = timezone.localdate()
    return {
        "filter_form": form,
        "page_obj": page_obj,
        "appeals": page_obj.object_list,
        "query_string": query.urlencode(),
        "inbox": inbox,
        "today": today,
        "soon": today + timedelta(days=DUE_SOON_DAYS),
    }


@never_cache
def appeal_list(request):
    """Every appeal the user handles, newest first, with search and filters."""
    context = _list_context(request, inbox=False)
    context["bulk_form"] = BulkForwardForm(user=request.user, site=working_site(request))
    return render(request, "appeals/admin/list.html", context)


@never_cache
def inbox(request):
    """The moderator's inbox: open appeals of their addressees, due soonest first."""
    return render(request, "appeals/admin/list.html", _list_context(request, inbox=True))


@never_cache
def bulk_forward(request):
    """Forward the selected appeals to one addressee, each through ``services.forward``."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    staff_appeals(request.user)
    form = BulkForwardForm(request.POST, user=request.user, site=working_site(request))
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(_back(request))
    target = form.cleaned_data["to_addressee"]
    done, refused = [], []
    for appeal in form.cleaned_data["appeals"].select_related("site", "addressee"):
        try:
            services.forward(appeal, request.user, target, form.cleaned_data["reason"])
        except services.AppealError as error:
            refused.append(f"{appeal.reference}: {error.message}")
        except PermissionDenied:
            refused.append(f"{appeal.reference}: {_('you may not forward this appeal.')}")
        else:
            done.append(appeal.reference)
    if done:
        messages.success(
            request,
            _("Forwarded to %(addressee)s: %(references)s.")
            % {"addressee": target.title, "references": ", ".join(done)},
        )
    for line in refused:
        messages.error(request, line)
    return redirect(_back(request))


def _back(request) -> str:
    candidate = request.POST.get("next", "")
    if candidate.startswith(reverse("appeals_admin:list")):
        return candidate
    return reverse("appeals_admin:list")


# --- the appeal's page --------------------------------------------------------------------


def _forward(appeal, user, form):
    return services.forward(appeal, user, form.cleaned_data["to_addressee"],
                            form.cleaned_data["reason"])


#: action name -> (form class, label, service call, statuses it is offered in)
ACTIONS = {
    "register": (EmptyForm, gettext_lazy("Register"),
                 lambda appeal, user, form: services.register(appeal, user),
                 (Status.SUBMITTED,)),
    "start": (EmptyForm, gettext_lazy("Start handling"),
              lambda appeal, user, form: services.start(appeal, user),
              (Status.SUBMITTED, Status.REGISTERED, Status.FORWARDED)),
    "reply": (ReplyForm, gettext_lazy("Send the reply"),
              lambda appeal, user, form: services.reply(
                  appeal, user, form.cleaned_data["text"], form.checked_files,
                  template=form.cleaned_data["template"]),
              (*OPEN_STATUSES, Status.ANSWERED)),
    "forward": (ForwardForm, gettext_lazy("Forward"), _forward, OPEN_STATUSES),
    "extend": (ExtendForm, gettext_lazy("Extend the term"),
               lambda appeal, user, form: services.extend(
                   appeal, user, form.cleaned_data["until"], form.cleaned_data["reason"]),
               OPEN_STATUSES),
    "note": (NoteForm, gettext_lazy("Add the note"),
             lambda appeal, user, form: services.add_note(appeal, user, form.cleaned_data["text"]),
             None),
    "return": (ReasonForm, gettext_lazy("Return as incomplete"),
               lambda appeal, user, form: services.return_incomplete(
                   appeal, user, form.cleaned_data["reason"]),
               OPEN_STATUSES),
    "urgent": (UrgentForm, gettext_lazy("Mark urgent"),
               lambda appeal, user, form: services.mark_urgent(
                   appeal, user, form.cleaned_data["reason"]),
               OPEN_STATUSES),
    "notice": (NoticeForm, gettext_lazy("Record the notice"),
               lambda appeal, user, form: services.record_notice(
                   appeal, user, form.cleaned_data["note"]),
               None),
    "refuse": (ReasonForm, gettext_lazy("Refuse the request"),
               lambda appeal, user, form: services.refuse(
                   appeal, user, form.cleaned_data["reason"]),
               OPEN_STATUSES),
    "leave": (ReasonForm, gettext_lazy("Leave without consideration"),
              lambda appeal, user, form: services.leave_without_consideration(
                  appeal, user, form.cleaned_data["reason"]),
              OPEN_STATUSES),
    "close": (EmptyForm, gettext_lazy("Close the appeal"),
              lambda appeal, user, form: services.close(appeal, user),
              (*OPEN_STATUSES, Status.ANSWERED)),
}
ACTION_HEADINGS = {
    "register": gettext_lazy("Register the appeal"),
    "start": gettext_lazy("Take it in hand"),
    "reply": gettext_lazy("Reply"),
    "forward": gettext_lazy("Forward to the competent addressee"),
    "extend": gettext_lazy("Extend the term"),
    "note": gettext_lazy("Internal note"),
    "return": gettext_lazy("Return as incomplete"),
    "urgent": gettext_lazy("Mark urgent: the appeal needs no further study"),
    "notice": gettext_lazy("The applicant was informed of the decision"),
    "refuse": gettext_lazy("Refuse the request for public information"),
    "leave": gettext_lazy("Leave without consideration"),
    "close": gettext_lazy("Close"),
}


#: actions offered only where they apply (the site's law has the term)
ACTION_CONDITIONS = {
    "urgent": services.can_mark_urgent,
    "notice": lambda appeal: appeal.awaits_notice,
    # a request for public information is answered or refused (with its reason); the
    # appeals law's return and "left without consideration" do not apply to it
    "refuse": lambda appeal: appeal.is_info_request,
    "return": lambda appeal: not appeal.is_info_request,
    "leave": lambda appeal: not appeal.is_info_request,
}


def _make_form(name, appeal, data=None, files=None, initial=None, limit=None, user=None):
    form_class = ACTIONS[name][0]
    kwargs = {"prefix": name, "initial": initial, "record": appeal, "user": user}
    if form_class is ExtendForm:
        kwargs["limit"] = limit
    return form_class(data, files, **kwargs)


def _staff_appeal(request, pk):
    """The appeal if the user handles it; 404 otherwise (its existence is not revealed)."""
    if parse_pk(pk) is None:
        raise Http404
    queryset = staff_appeals(request.user).select_related(
        "site", "addressee", "form", "author", "forwarded_from", "requested_addressee"
    )
    return get_object_or_404(queryset, pk=pk)


def _actions_for(appeal, bound=None, request=None, limit=None):
    """The action panels for ``appeal``: (name, heading, label, form)."""
    result = []
    for name, (form_class, label, _call, statuses) in ACTIONS.items():
        if bound and name == bound[0]:
            form = bound[1]
        elif statuses is not None and appeal.status not in statuses:
            continue
        elif name in ACTION_CONDITIONS and not ACTION_CONDITIONS[name](appeal):
            continue
        else:
            initial = None
            if name == "reply" and request is not None:
                initial = _reply_initial(request, appeal)
            elif name == "leave" and appeal.is_time_barred():
                # the closing reason the law gives, for staff to confirm
                initial = {"reason": str(barred_reason(appeal))}
            form = _make_form(name, appeal, initial=initial, limit=limit)
        result.append({"name": name, "heading": ACTION_HEADINGS[name], "label": label,
                       "form": form, "multipart": form_class is ReplyForm})
    return result


def _reply_initial(request, appeal):
    """A reply started from a template (``?template=<id>``), without JavaScript."""
    key = parse_pk(request.GET.get("template"))
    if key is None:
        return None
    template = reply_templates(appeal).filter(pk=key).first()
    if template is None:
        return None
    return {"text": services.render_template_text(template, appeal), "template": template.pk}


def barred_reason(appeal):
    """The law's words when the signal reports a violation too old to be considered."""
    if not appeal.is_time_barred():
        return ""
    return jurisdictions.TIME_BARRED_REASON.get(jurisdictions.jurisdiction_of(appeal.site), "")


def _detail_context(request, appeal, bound=None):
    conversation = appeal.messages.select_related("author").prefetch_related(
        Prefetch("attachments", queryset=AppealAttachment.objects.order_by("pk"))
    )
    limit = services.extension_limit(appeal) if appeal.is_open else None
    today = timezone.localdate()
    return {
        "urgent_until": services.urgent_term(appeal) if services.can_mark_urgent(appeal)
        else None,
        "return_overdue": appeal.is_return_overdue(today),
        "notice_overdue": appeal.awaits_notice and appeal.notify_by < today,
        "refusal_overdue": appeal.is_refusal_overdue(today),
        "time_barred": barred_reason(appeal),
        "forward_overdue": (appeal.forward_by is not None and appeal.forward_by < today
                            and appeal.status in (Status.SUBMITTED, Status.REGISTERED)),
        "appeal": appeal,
        "files": list(appeal.attachments.filter(message__isnull=True).order_by("pk")),
        "conversation": list(conversation),
        "events": list(appeal.events.select_related("actor")),
        "actions": _actions_for(appeal, bound, request, limit),
        "templates": list(reply_templates(appeal)),
        "overdue": appeal.is_overdue(),
        "final": appeal.status in FINAL_STATUSES,
        "limit": limit,
        "note_kind": AppealMessage.Kind.NOTE,
    }


@never_cache
def appeal_detail(request, pk):
    """The appeal's page for staff; each view is written to the history and the audit log."""
    appeal = _staff_appeal(request, pk)
    services.record_view(appeal, request.user)
    return render(request, "appeals/admin/detail.html", _detail_context(request, appeal))


@never_cache
def appeal_action(request, pk, action):
    """Run one action's form through its service; on refusal show the page again with the
    service's message on the form and everything typed kept."""
    if action not in ACTIONS:
        raise Http404
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    appeal = _staff_appeal(request, pk)
    form = _make_form(action, appeal, request.POST, request.FILES, user=request.user)
    if form.is_valid():
        call = ACTIONS[action][2]
        try:
            call(appeal, request.user, form)
        except services.AppealError as error:
            form.add_error(None, error.message)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("%(action)s: done for appeal %(reference)s.") % {
                "action": ACTION_HEADINGS[action], "reference": appeal.reference,
            })
            return redirect("appeals_admin:detail", appeal.pk)
    appeal.refresh_from_db()
    context = _detail_context(request, appeal, bound=(action, form))
    context["failed_action"] = action
    return render(request, "appeals/admin/detail.html", context, status=400)


# --- exports and the report ---------------------------------------------------------------


def export(request, fmt):
    """The filtered list as CSV or XLSX, with the same rights as the list."""
    from . import exports

    _form, queryset = filtered_appeals(request)
    if fmt == "csv":
        return exports.csv_response(queryset)
    if fmt == "xlsx":
        return exports.xlsx_response(queryset)
    raise Http404


class ReportForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("From"), widget=DateInput())
    end = forms.DateField(label=gettext_lazy("Until"), widget=DateInput())
    addressee = forms.TypedChoiceField(label=gettext_lazy("Addressee"), required=False,
                                       coerce=int, empty_value=None)

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["addressee"].choices = [("", _("Every addressee"))] + [
            (page.pk, page.title) for page in addressees_in_scope(user)
        ]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start") and cleaned.get("end") and cleaned["start"] > cleaned["end"]:
            self.add_error("end", _("The end of the period is before its start."))
        return cleaned


@never_cache
def report(request):
    """The PDF report per period and addressee (a form first)."""
    from . import reports

    queryset = staff_appeals(request.user)
    if "start" not in request.GET:
        today = timezone.localdate()
        first = today.replace(day=1)
        form = ReportForm(user=request.user, initial={"start": first, "end": today})
        return render(request, "appeals/admin/report.html", {"form": form})
    form = ReportForm(request.GET, user=request.user)
    if not form.is_valid():
        return render(request, "appeals/admin/report.html", {"form": form}, status=400)
    addressee = None
    if form.cleaned_data["addressee"]:
        addressee = AddresseePage.objects.filter(pk=form.cleaned_data["addressee"]).first()
    try:
        figures = reports.compute(queryset, form.cleaned_data["start"], form.cleaned_data["end"],
                                  addressee=addressee)
        return reports.pdf_response(figures)
    except reports.FontMissing as error:
        form.add_error(None, str(error))
        return render(request, "appeals/admin/report.html", {"form": form}, status=500)


# --- URLs ---------------------------------------------------------------------------------

urlpatterns = [
    path("", appeal_list, name="list"),
    path("inbox/", inbox, name="inbox"),
    path("bulk/forward/", bulk_forward, name="bulk_forward"),
    path("export.<str:fmt>", export, name="export"),
    path("report/", report, name="report"),
    path("<int:pk>/", appeal_detail, name="detail"),
    path("<int:pk>/<slug:action>/", appeal_action, name="action"),
]


def admin_urls():
    """For the ``register_admin_urls`` hook (under /admin/appeals/)."""
    return [path("appeals/", include((urlpatterns, "appeals_admin"),
                                         namespace="appeals_admin"))]



# --- menu ---------------------------------------------------------------------------------


def appeals_menu_item():
    """The "Appeals" admin menu: the list, the inbox and the report (staff only)."""
    return staff_submenu(_lazy("Appeals"), [
        Entry(_lazy("My inbox"), "appeals_admin:inbox", "appeals-inbox", "tasks"),
        Entry(_lazy("All appeals"), "appeals_admin:list", "appeals-list", "list-ul"),
        Entry(_lazy("Report"), "appeals_admin:report", "appeals-report", "doc-full"),
    ], allowed=is_appeals_staff, name="appeals", icon_name="mail", order=240)
