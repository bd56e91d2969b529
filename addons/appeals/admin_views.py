"""Staff side of appeals in the Wagtail admin beside the casework desk: the PDF report per
period and addressee, and the former addresses of the appeals list, inbox and appeal page,
which lead to the desk (``/admin/casework/appeals/``, generated from the ``Casework``
declaration of ``apps.py``).

The report starts from ``Appeal.objects.handled_by(user)``: a moderator reports on the
appeals of the addressees they moderate (the appeals department on those of its town).
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
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

from .filters import addressees_in_scope
from .models import Appeal
from .permissions import AppealPermissionPolicy

policy = AppealPermissionPolicy(Appeal)
DESK = "casework_appeals"


def is_appeals_staff(user) -> bool:
    """Whether ``user`` handles appeals of at least one addressee (or every appeal)."""
    return policy.user_has_permission(user, "view")


def staff_appeals(user):
    """The appeals ``user`` handles as staff; PermissionDenied for anyone else."""
    if not is_appeals_staff(user):
        raise PermissionDenied
    return Appeal.objects.handled_by(user)


# --- the former addresses lead to the desk -------------------------------------------------


def to_desk_list(request):
    """The former list: the desk's list, with the same query string."""
    url = reverse(f"{DESK}:index")
    return redirect(f"{url}?{request.GET.urlencode()}" if request.GET else url)


def to_desk_inbox(request):
    """The former "My inbox": the desk's list of the open appeals assigned to the user, due
    soonest first."""
    return redirect(f"{reverse(f'{DESK}:index')}?work=mine&ordering=due_date")


def to_desk_detail(request, pk):
    if parse_pk(pk) is None:
        raise Http404
    return redirect(f"{DESK}:inspect", pk)


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
    path("", to_desk_list, name="list"),
    path("inbox/", to_desk_inbox, name="inbox"),
    path("report/", report, name="report"),
    path("<int:pk>/", to_desk_detail, name="detail"),
]


def admin_urls():
    """For the ``register_admin_urls`` hook (under /admin/appeals/)."""
    return [path("appeals/", include((urlpatterns, "appeals_admin"),
                                     namespace="appeals_admin"))]


# --- menu ---------------------------------------------------------------------------------


def appeals_menu_item():
    """The "Appeals" admin menu: the desk's list, the open appeals assigned to the user and
    the report (staff only)."""
    return staff_submenu(_lazy("Appeals"), [
        Entry(_lazy("My inbox"), "appeals_admin:inbox", "appeals-inbox", "tasks"),
        Entry(_lazy("All appeals"), f"{DESK}:index", "appeals-list", "list-ul"),
        Entry(_lazy("Report"), "appeals_admin:report", "appeals-report", "doc-full"),
    ], allowed=is_appeals_staff, name="appeals", icon_name="mail", order=240)
