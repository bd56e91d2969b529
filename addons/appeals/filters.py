"""Search and filters over the appeals a member of staff handles: the API's filters, the
PDF report's choice of addressee, and the town a member of staff works on."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.models import Site

from addons.addressees.models import AddresseePage
from addons.core.forms import DateInput

from .models import OPEN_STATUSES, AppealType, FormKind, Priority, Procedure, Status
from .permissions import department_site_ids

DUE_SOON_DAYS = 5
UNKNOWN_TYPE = "unknown"
ANY_PRIORITY = "any"


def _site_roots() -> dict[int, str]:
    """Each site's id and the tree path of its root page."""
    return dict(Site.objects.values_list("pk", "root_page__path"))


def staff_site_ids(user) -> set[int]:
    """Sites where ``user`` handles appeals: those of the addressees they moderate and those
    whose appeals department they moderate (superusers: every site)."""
    from addons.core.permissions import moderated_addressee_ids

    roots = _site_roots()
    if user.is_superuser:
        return set(roots)
    sites = set(department_site_ids(user))
    ids = moderated_addressee_ids(user)
    if ids:
        for page_path in AddresseePage.objects.filter(pk__in=ids).values_list("path", flat=True):
            sites |= {pk for pk, root in roots.items() if page_path.startswith(root)}
    return sites


def working_site(request):
    """The municipality the staff member is working on: the site of the address they use,
    unless they handle appeals of one other site only (then that one)."""
    site = Site.find_for_request(request)
    user = request.user
    if user.is_superuser:
        return site
    sites = staff_site_ids(user)
    if site is not None and site.pk in sites:
        return site
    if len(sites) == 1:
        return Site.objects.select_related("root_page").filter(pk=next(iter(sites))).first()
    return site


def addressees_in_scope(user):
    """Addressees whose appeals ``user`` may filter by.

    Superusers: every addressee; the appeals department: every addressee of the
    department's sites; a moderator: the addressees they moderate (they forward to others
    of their site, see ``forward_targets``)."""
    from addons.core.permissions import moderated_addressee_ids

    pages = AddresseePage.objects.only("pk", "title", "path", "depth").order_by("title")
    if user.is_superuser:
        return pages
    condition = Q(pk__in=moderated_addressee_ids(user))
    roots = _site_roots()
    for site_id in department_site_ids(user):
        if site_id in roots:
            condition |= Q(path__startswith=roots[site_id])
    return pages.filter(condition)


# --- the filters --------------------------------------------------------------------------


class AppealFilterForm(forms.Form):
    """Search and filters of the appeals list; the API uses it."""

    q = forms.CharField(
        label=gettext_lazy("Search"), required=False, max_length=200,
        help_text=gettext_lazy("Reference number, subject or the applicant's name."),
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"), required=False,
        choices=[("", gettext_lazy("Any status")), ("open", gettext_lazy("Open")),
                 *Status.choices],
    )
    addressee = forms.TypedChoiceField(
        label=gettext_lazy("Addressee"), required=False, coerce=int, empty_value=None,
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind of form"), required=False,
        choices=[("", gettext_lazy("Any kind")), *FormKind.choices],
    )
    procedure = forms.ChoiceField(
        label=gettext_lazy("Procedure"), required=False,
        choices=[("", gettext_lazy("Appeals and requests")), *Procedure.choices],
    )
    appeal_type = forms.ChoiceField(
        label=gettext_lazy("Type of appeal"), required=False,
        choices=[("", gettext_lazy("Any type")), *AppealType.choices,
                 (UNKNOWN_TYPE, gettext_lazy("Not recorded"))],
    )
    received_from = forms.DateField(label=gettext_lazy("Received from"), required=False,
                                    widget=DateInput())
    received_to = forms.DateField(label=gettext_lazy("Received until"), required=False,
                                  widget=DateInput())
    due = forms.ChoiceField(
        label=gettext_lazy("Due date"), required=False,
        choices=[("", gettext_lazy("Any")),
                 ("soon", gettext_lazy("Due within 5 days")),
                 ("overdue", gettext_lazy("Overdue"))],
    )
    priority = forms.ChoiceField(
        label=gettext_lazy("Privileged category"), required=False,
        choices=[("", gettext_lazy("Any")), (ANY_PRIORITY, gettext_lazy("Any privileged")),
                 *Priority.choices],
    )

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.user = user
        self.fields["addressee"].choices = [("", _("Any addressee"))] + [
            (page.pk, page.title) for page in addressees_in_scope(user)
        ]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("received_from"), cleaned.get("received_to")
        if start and end and start > end:
            self.add_error("received_to", _("The end of the period is before its start."))
        return cleaned

    def apply(self, queryset, today=None):
        """``queryset`` narrowed by the valid filters (invalid ones are ignored)."""
        if not self.is_bound:
            return queryset
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        today = today or timezone.localdate()
        query = (data.get("q") or "").strip()
        if query:
            queryset = queryset.filter(
                Q(reference__icontains=query) | Q(subject__icontains=query)
                | Q(applicant_name__icontains=query)
            )
        status = data.get("status")
        if status == "open":
            queryset = queryset.filter(status__in=OPEN_STATUSES)
        elif status:
            queryset = queryset.filter(status=status)
        if data.get("addressee"):
            queryset = queryset.filter(addressee_id=data["addressee"])
        if data.get("kind"):
            queryset = queryset.filter(kind=data["kind"])
        if data.get("procedure"):
            queryset = queryset.filter(procedure=data["procedure"])
        if data.get("appeal_type") == UNKNOWN_TYPE:
            queryset = queryset.filter(appeal_type="")
        elif data.get("appeal_type"):
            queryset = queryset.filter(appeal_type=data["appeal_type"])
        if data.get("received_from"):
            queryset = queryset.filter(received_at__date__gte=data["received_from"])
        if data.get("received_to"):
            queryset = queryset.filter(received_at__date__lte=data["received_to"])
        if data.get("due") == "soon":
            queryset = queryset.due_within(DUE_SOON_DAYS, today=today)
        elif data.get("due") == "overdue":
            queryset = queryset.overdue(today=today)
        priority = data.get("priority")
        if priority == ANY_PRIORITY:
            queryset = queryset.exclude(priority="")
        elif priority:
            queryset = queryset.filter(priority=priority)
        return queryset
