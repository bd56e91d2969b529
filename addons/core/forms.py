import datetime

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from . import registry
from .themes import available_themes


class SiteProfileForm(WagtailAdminModelForm):
    theme = forms.ChoiceField(label=_("theme"), choices=())
    content_languages = forms.MultipleChoiceField(
        label=_("languages of the content"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The languages the city's pages, addressees and forms are offered in, "
                    "besides the default language; each has its address, e.g. /en/. None "
                    "chosen: the languages of the interface."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .content_languages import installation_choices

        self.fields["content_languages"].choices = installation_choices()
        self.fields["theme"].choices = [
            (name, meta.get("label", name)) for name, meta in available_themes().items()
        ]


class AddonActivationForm(WagtailAdminModelForm):
    enabled_addons = forms.MultipleChoiceField(
        label=_("Enabled add-ons"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "A disabled add-on shows nothing on this site and its pages answer "
            "\"not found\"; its data is kept. Enabling one prepares its default content."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .activation import enabled_labels

        self.fields["enabled_addons"].choices = [
            (addon.label, addon.verbose_name) for addon in registry.optional_addons()
        ]
        if self.instance and self.instance.site_id:
            self.initial["enabled_addons"] = sorted(
                enabled_labels(self.instance.site, include_required=False)
            )

    def save(self, commit=True):
        from .activation import apply_states

        chosen = set(self.cleaned_data.get("enabled_addons") or [])
        instance = super().save(commit=commit)
        if commit:
            apply_states(
                instance.site,
                {addon.label: addon.label in chosen for addon in registry.optional_addons()},
            )
        return instance


class DateInput(forms.DateInput):
    """A date field the browser shows as its date picker (ISO value, works without
    JavaScript: older browsers show a text box that takes YYYY-MM-DD)."""

    input_type = "date"

    def __init__(self, attrs=None, **kwargs):
        kwargs.setdefault("format", "%Y-%m-%d")
        super().__init__(attrs, **kwargs)


class BoundedDateField(forms.DateField):
    """A date of everyday life (1900 to 2999), shown with the browser's date picker. Dates
    at the ends of the calendar (0001-01-01, 9999-12-31) would overflow when the day is
    turned into a moment in the site's time zone; they get a translated error instead."""

    MIN = datetime.date(1900, 1, 1)
    MAX = datetime.date(2999, 12, 31)
    default_error_messages = {
        "out_of_range": _("Enter a date between 1900 and 2999."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", DateInput())
        super().__init__(**kwargs)

    def to_python(self, value):
        day = super().to_python(value)
        if day is not None and not (self.MIN <= day <= self.MAX):
            raise forms.ValidationError(self.error_messages["out_of_range"],
                                        code="out_of_range")
        return day


class StaffingSettingsForm(WagtailAdminModelForm):
    """The leadership is an addressee of the site being configured, never another town's."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("leadership")
        site = getattr(self.instance, "site", None) if self.instance.site_id else None
        if field is not None and site is not None:
            field.queryset = field.queryset.filter(path__startswith=site.root_page.path)
            field.error_messages["invalid_choice"] = _(
                "Choose an addressee of this site.")

