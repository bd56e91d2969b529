"""Admin forms of the appeals snippets."""

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm


def _file_type_choices():
    from .models import FileType

    return FileType.choices


def _priority_choices():
    from .models import Priority

    return Priority.choices


class AppealsSettingsAdminForm(WagtailAdminModelForm):
    priority_categories = forms.MultipleChoiceField(
        label=_("privileged categories"), required=False,
        choices=_priority_choices, widget=forms.CheckboxSelectMultiple,
        help_text=_("Categories of applicants whose appeals are handled first. Leave all "
                    "unticked to follow the site's law: Ukraine's law on citizens' appeals "
                    "names such categories; Romania's and Bulgaria's laws name none."),
    )


class AppealFormAdminForm(WagtailAdminModelForm):
    allowed_types = forms.MultipleChoiceField(
        label=_("allowed file types"),
        choices=_file_type_choices,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "allow_anonymous" in self.fields:
            from wagtail.models import Site

            from . import jurisdictions

            site = getattr(self.instance, "site", None) or Site.objects.filter(
                is_default_site=True).first()
            if site is not None:
                code = jurisdictions.jurisdiction_of(site)
                self.fields["allow_anonymous"].help_text = jurisdictions.anonymous_rule(code)
