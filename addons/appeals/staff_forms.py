"""The forms of what staff do to an appeal (the desk's actions).

Each takes ``record=`` (the appeal; None for a bulk action over several) and ``user=``; its
cleaned data are the keyword arguments of the service function of the same action
(``services.forward(appeal, user, to_addressee=..., reason=...)``). The forms check what a
field can check (a date, a file, an addressee of the appeal's own town); every business rule
is the service's.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import formats
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from addons.addressees.models import AddresseePage
from addons.core.forms import DateInput
from addons.core.validation import parse_pk

from . import services, uploads
from .models import ReplyTemplate

OTHER_MUNICIPALITY = gettext_lazy(
    "Choose an addressee of this municipality: an appeal is never forwarded to another "
    "municipality."
)


def forward_targets(appeal=None, *, site=None):
    """Live addressees an appeal may be forwarded to: those of the appeal's site (or of
    ``site`` for several appeals at once). An appeal never leaves its municipality."""
    pages = AddresseePage.objects.live().only("pk", "title", "path", "depth").order_by("title")
    if appeal is not None:
        site = appeal.site
    if site is None:
        return pages.none()
    pages = pages.filter(path__startswith=site.root_page.path)
    if appeal is not None:
        pages = pages.exclude(pk=appeal.addressee_id)
    return pages


def _user_sites(user) -> list:
    from wagtail.models import Site

    from .filters import staff_site_ids

    if user is None:
        return []
    cache = "_civicdesk_appeals_forward_sites"
    if not hasattr(user, cache):
        setattr(user, cache, list(Site.objects.select_related("root_page")
                                  .filter(pk__in=staff_site_ids(user)).order_by("pk")))
    return getattr(user, cache)


def bulk_forward_targets(user):
    """Live addressees of every town whose appeals ``user`` handles."""
    pages = AddresseePage.objects.live().only("pk", "title", "path", "depth").order_by("title")
    sites = _user_sites(user)
    if not sites:
        return pages.none()
    condition = Q()
    for site in sites:
        condition |= Q(path__startswith=site.root_page.path)
    return pages.filter(condition)


def reply_templates(appeal):
    """Reply templates offered for ``appeal``: its addressee's, its town's, everyone's."""
    return ReplyTemplate.objects.filter(
        Q(addressee_id=appeal.addressee_id)
        | Q(addressee__isnull=True) & (Q(site__isnull=True) | Q(site_id=appeal.site_id))
    ).only("pk", "title", "text", "addressee_id")


class KeyChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField whose submitted value must be a database key first (a number the
    database cannot hold is an invalid choice, not a server error)."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if parse_pk(value) is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(parse_pk(value))


class KeysChoiceField(forms.ModelMultipleChoiceField):
    """The same for several keys."""

    def _check_values(self, value):
        try:
            values = list(value)
        except TypeError:
            raise ValidationError(self.error_messages["invalid_list"],
                                  code="invalid_list") from None
        keys = [parse_pk(item) for item in values]
        if None in keys:
            raise ValidationError(self.error_messages["invalid_choice"],
                                  code="invalid_choice", params={"value": ""})
        return super()._check_values([str(key) for key in keys])


class ActionForm(forms.Form):
    """An action's form: ``record`` (None for several appeals) and ``user`` are kept."""

    def __init__(self, *args, record=None, user=None, **kwargs):
        self.record = record
        self.user = user
        super().__init__(*args, **kwargs)


class EmptyForm(ActionForm):
    pass


class ForwardForm(ActionForm):
    """One appeal (or several, as a bulk action) to an addressee of the same town."""

    to_addressee = KeyChoiceField(
        label=gettext_lazy("Competent addressee"), queryset=AddresseePage.objects.none(),
        empty_label=gettext_lazy("Choose an addressee"),
        error_messages={"invalid_choice": OTHER_MUNICIPALITY,
                        "required": gettext_lazy("Choose the addressee to forward to.")},
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason (the applicant is told)"), required=False,
        widget=forms.Textarea(attrs={"rows": 2}), max_length=2000,
    )

    def __init__(self, *args, site=None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.record is not None:
            targets = forward_targets(self.record)
        elif site is not None:
            targets = forward_targets(site=site)
        else:
            # several appeals at once (the desk's bulk action): the addressees of the towns
            # the user handles appeals of; ``services.forward`` refuses, appeal by appeal,
            # an addressee of another town than the appeal's
            targets = bulk_forward_targets(self.user)
        self.fields["to_addressee"].queryset = targets
        if self.record is None:
            self.fields["to_addressee"].label_from_instance = self.target_label

    @cached_property
    def _several_towns(self) -> bool:
        return len(_user_sites(self.user)) > 1

    def target_label(self, page) -> str:
        if not self._several_towns:
            return page.title
        site = next((item for item in _user_sites(self.user)
                     if page.path.startswith(item.root_page.path)), None)
        return f"{page.title} ({site.site_name or site.hostname})" if site else page.title


class ExtendForm(ActionForm):
    until = forms.DateField(label=gettext_lazy("New due date"), widget=DateInput())
    reason = forms.CharField(
        label=gettext_lazy("Reason for the extension (the applicant is told)"),
        widget=forms.Textarea(attrs={"rows": 2}), max_length=2000,
    )

    def __init__(self, *args, limit=None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.record is not None and self.record.due_date is not None:
            limit = limit or services.extension_limit(self.record)
            self.fields["until"].help_text = _("The law allows %(limit)s at the latest.") % {
                "limit": limit.isoformat()
            }


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; cleans to a list (empty when none)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        items = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in items if item]


class ReplyForm(ActionForm):
    text = forms.CharField(
        label=gettext_lazy("Reply to the applicant"), required=False,
        widget=forms.Textarea(attrs={"rows": 8}), max_length=50000,
        help_text=gettext_lazy("Sent to the applicant's email and cabinet."),
    )
    template = KeyChoiceField(
        label=gettext_lazy("Reply template"), required=False,
        queryset=ReplyTemplate.objects.none(), empty_label=gettext_lazy("None"),
        help_text=gettext_lazy("Used when the text is left empty."),
    )
    files = MultipleFileField(label=gettext_lazy("Files"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.record is not None:
            self.fields["template"].queryset = reply_templates(self.record)
        self.checked_files = []

    def clean_files(self):
        self.checked_files = uploads.check_for_staff(self.cleaned_data.get("files") or [])
        return self.checked_files


class NoteForm(ActionForm):
    text = forms.CharField(label=gettext_lazy("Internal note (staff only)"),
                           widget=forms.Textarea(attrs={"rows": 3}), max_length=20000)


class ReasonForm(ActionForm):
    reason = forms.CharField(label=gettext_lazy("Reason (the applicant is told)"),
                             widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class LeaveForm(ReasonForm):
    """Leaving without consideration; for a signal reporting a violation older than the
    law considers, the law's words are offered as the reason, for staff to confirm."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.record is not None and not self.is_bound:
            from .casework import barred_reason

            reason = barred_reason(self.record)
            if reason:
                self.initial["reason"] = reason


class UrgentForm(ActionForm):
    reason = forms.CharField(
        label=gettext_lazy("Why it needs no further study (kept in the history)"),
        widget=forms.Textarea(attrs={"rows": 2}), max_length=2000,
        error_messages={"required": gettext_lazy("Say why the appeal is urgent.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        until = services.urgent_term(self.record) if self.record is not None else None
        if until is not None:
            self.fields["reason"].help_text = _(
                "The answer will then be due by %(until)s (the urgent term of the law from "
                "the day of receipt); the applicant is told."
            ) % {"until": formats.date_format(until, "DATE_FORMAT")}


class NoticeForm(ActionForm):
    note = forms.CharField(
        label=gettext_lazy("How the applicant was informed (kept in the history)"),
        widget=forms.Textarea(attrs={"rows": 2}), max_length=2000,
    )
