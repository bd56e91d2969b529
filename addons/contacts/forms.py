"""The contact center's forms: the console's search, an interaction's wrap-up, a visit or
call logged by hand, callbacks, the interactions' filters, reply templates and wrap-up
codes."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from addons.accounts.persons import normalize_phone

from . import services
from .models import Callback, Channel, Direction, Interaction, ReplyTemplate, WrapUpCode

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def operators():
    """Who may own a callback or be named an interaction's operator: the console's staff."""
    users = get_user_model().objects.filter(is_active=True)
    return users.filter(
        Q(is_superuser=True)
        | Q(user_permissions__codename="use_console",
            user_permissions__content_type__app_label="contacts")
        | Q(groups__permissions__codename="use_console",
            groups__permissions__content_type__app_label="contacts")
    ).distinct().order_by("username")


class OperatorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return getattr(obj, "full_name", "") or obj.get_full_name() or obj.get_username()


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Phone, e-mail, name or reference number"), max_length=200,
                        required=False)


class CatalogForm(forms.Form):
    topic = forms.CharField(label=_("Who handles it? Name or keyword"), max_length=200,
                            required=False)


def _references(text: str) -> list[str]:
    return [line.strip() for line in (text or "").replace(",", "\n").splitlines()
            if line.strip()][:20]


class WrapUpForm(forms.Form):
    """What the operator writes at the end of a call or visit, with an optional callback."""

    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 4}),
                              required=False, max_length=10000)
    wrap_up = forms.ModelChoiceField(label=_("Wrap-up code"), queryset=WrapUpCode.objects.none(),
                                     required=False)
    resolved_first_contact = forms.BooleanField(label=_("Resolved at first contact"),
                                                required=False)
    references = forms.CharField(
        label=_("Records touched"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Reference numbers, one per line."))
    callback_owner = OperatorChoiceField(label=_("Call back: who"),
                                         queryset=get_user_model().objects.none(),
                                         required=False)
    callback_due = forms.DateTimeField(label=_("Call back: when"), required=False,
                                       widget=DATETIME_INPUT,
                                       input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    callback_note = forms.CharField(label=_("Call back: note"), required=False, max_length=2000)

    def __init__(self, *args, site, **kwargs):
        super().__init__(*args, **kwargs)
        self.site = site
        self.fields["wrap_up"].queryset = WrapUpCode.objects.filter(site=site, active=True)
        self.fields["callback_owner"].queryset = operators()

    def clean_callback_due(self):
        due = self.cleaned_data.get("callback_due")
        if due is not None and due < timezone.now():
            raise forms.ValidationError(_("A callback cannot be due in the past."))
        return due

    def clean(self):
        data = super().clean()
        # The owner is filled in beforehand (the operator): a callback is asked for by its
        # time or its note, not by the owner alone.
        if data.get("callback_note") and not data.get("callback_due") \
                and "callback_due" not in self.errors:
            self.add_error("callback_due", _("Say when to call back."))
        if data.get("callback_due") and not data.get("callback_owner"):
            self.add_error("callback_owner", _("Say who calls back."))
        found, missing = services.records_for(self.site, _references(data.get("references")))
        if missing:
            self.add_error("references", _("No record has the reference %(references)s.")
                           % {"references": ", ".join(missing)})
        data["records"] = found
        return data

    def apply(self, interaction: Interaction, user) -> Callback | None:
        """Write the wrap-up on ``interaction`` (saved) and create the callback asked for."""
        data = self.cleaned_data
        services.save_wrap_up(interaction, user, summary=data["summary"],
                              wrap_up=data["wrap_up"],
                              resolved_first_contact=data["resolved_first_contact"],
                              records=data["records"])
        if data.get("callback_owner") and data.get("callback_due"):
            return services.plan_callback(
                interaction.site, person=interaction.person, interaction=interaction,
                phone=services.caller_number(interaction), owner=data["callback_owner"],
                due_at=data["callback_due"], note=data["callback_note"], by=user)
        return None


class LoggedInteractionForm(WrapUpForm):
    """A visit, an outbound call or an e-mail entered by hand."""

    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices,
                                initial=Channel.WALK_IN)
    direction = forms.ChoiceField(label=_("Direction"), choices=Direction.choices,
                                  initial=Direction.INBOUND)
    phone = forms.CharField(label=_("Citizen's phone"), required=False, max_length=64)
    started_at = forms.DateTimeField(label=_("When"), required=False, widget=DATETIME_INPUT,
                                     input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    minutes = forms.IntegerField(label=_("Minutes"), required=False, min_value=0,
                                 max_value=600)

    field_order = ["channel", "direction", "phone", "started_at", "minutes", "summary",
                   "wrap_up", "resolved_first_contact", "references"]

    def clean_started_at(self):
        started = self.cleaned_data.get("started_at")
        if started is not None and started > timezone.now():
            raise forms.ValidationError(_("An interaction cannot start in the future."))
        return started

    def build(self, person, user) -> Interaction:
        data = self.cleaned_data
        number, valid = normalize_phone(data["phone"], self.site) if data["phone"] else ("", True)
        interaction = Interaction(site=self.site, person=person, channel=data["channel"],
                                  direction=data["direction"], operator=user,
                                  state="ended", number_valid=valid,
                                  started_at=data["started_at"] or timezone.now())
        if data["direction"] == Direction.OUTBOUND:
            interaction.to_number = number
        else:
            interaction.from_number = number
        if data["minutes"] is not None:
            interaction.duration = timedelta(minutes=data["minutes"])
        return interaction


class CallbackOwnerForm(forms.Form):
    """Handing a callback over to another operator."""

    owner = OperatorChoiceField(label=_("Hand over to"),
                                queryset=get_user_model().objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = operators()


class CallbackForm(forms.ModelForm):
    owner = OperatorChoiceField(label=_("Owner"), queryset=get_user_model().objects.none())
    due_at = forms.DateTimeField(label=_("Due"), widget=DATETIME_INPUT,
                                 input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])

    class Meta:
        model = Callback
        fields = ["phone", "owner", "due_at", "note"]

    def __init__(self, *args, site, **kwargs):
        super().__init__(*args, **kwargs)
        self.site = site
        self.fields["owner"].queryset = operators()

    def clean_due_at(self):
        due = self.cleaned_data.get("due_at")
        if due is not None and due < timezone.now():
            raise forms.ValidationError(_("A callback cannot be due in the past."))
        return due

    def clean_phone(self):
        raw = (self.cleaned_data.get("phone") or "").strip()
        if not raw:
            return raw
        number, valid = normalize_phone(raw, self.site)
        return number


class InteractionFilterForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), required=False,
                                choices=[("", _("All"))] + list(Channel.choices))
    operator = OperatorChoiceField(label=_("Operator"), required=False,
                                   queryset=get_user_model().objects.none())
    day = forms.DateField(label=_("Date"), required=False,
                          widget=forms.DateInput(attrs={"type": "date"}))
    wrap_up = forms.ModelChoiceField(label=_("Wrap-up code"), required=False,
                                     queryset=WrapUpCode.objects.none())

    def __init__(self, *args, site, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["operator"].queryset = operators()
        self.fields["wrap_up"].queryset = WrapUpCode.objects.filter(site=site)

    def filter(self, queryset):
        if not self.is_valid():
            return queryset
        data = self.cleaned_data
        if data.get("channel"):
            queryset = queryset.filter(channel=data["channel"])
        if data.get("operator"):
            queryset = queryset.filter(operator=data["operator"])
        if data.get("day"):
            queryset = queryset.filter(started_at__date=data["day"])
        if data.get("wrap_up"):
            queryset = queryset.filter(wrap_up=data["wrap_up"])
        return queryset


class ReplyTemplateForm(forms.ModelForm):
    class Meta:
        model = ReplyTemplate
        fields = ["title", "body", "language", "sort_order"]


class WrapUpCodeForm(forms.ModelForm):
    class Meta:
        model = WrapUpCode
        fields = ["title", "active", "sort_order"]

    def __init__(self, *args, site, **kwargs):
        super().__init__(*args, **kwargs)
        self.site = site

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        others = WrapUpCode.objects.filter(site=self.site, title__iexact=title)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(_("This town already has this wrap-up code."))
        return title
