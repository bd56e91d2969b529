"""Admin forms of the appeals snippets."""

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm


def _file_type_choices():
    from .models import FileType

    return FileType.choices


class AppealFormAdminForm(WagtailAdminModelForm):
    allowed_types = forms.MultipleChoiceField(
        label=_("allowed file types"),
        choices=_file_type_choices,
        widget=forms.CheckboxSelectMultiple,
    )
