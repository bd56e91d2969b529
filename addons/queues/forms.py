"""The citizen's booking form: the queue's own questions and a free time."""

from __future__ import annotations

import uuid
from datetime import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import FieldType


def slot_value(start: datetime) -> str:
    return start.isoformat()


class BookingForm(forms.Form):
    """``slots``: (start, end, free) the citizen may pick; ``fields``: the queue's
    QueueField rows (none when moving a ticket). With ``all_times`` (a submitted form) any
    time is taken, full or not offered, for the booking service to judge."""

    start = forms.ChoiceField(label=_("Time"), widget=forms.RadioSelect)
    token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, slots=(), fields=(), tz=None, all_times=False, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [
            (slot_value(start), f"{timezone.localtime(start, tz):%H:%M}")
            for start, _end, free in slots if free > 0 or all_times
        ]
        sent = self.data.get(self.add_prefix("start")) if all_times else None
        if sent and sent not in {value for value, _label in choices}:
            # a time the day does not offer (past, holiday, beyond the horizon, tampered):
            # let the booking service refuse it with its reason
            choices.append((sent, sent))
        self.fields["start"].choices = choices
        self.fields["token"].initial = uuid.uuid4().hex
        self.queue_fields = list(fields)
        for field in self.queue_fields:
            options = {"label": field.label, "required": field.required,
                       "help_text": field.help_text}
            if field.field_type == FieldType.TEXTAREA:
                form_field = forms.CharField(widget=forms.Textarea, max_length=4000, **options)
            elif field.field_type == FieldType.CHOICE:
                form_field = forms.ChoiceField(
                    choices=[("", "---")] + [(c, c) for c in field.choice_list()], **options
                )
            elif field.field_type == FieldType.DATE:
                form_field = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}),
                                             **options)
            else:
                form_field = forms.CharField(max_length=300, **options)
            self.fields[field.key] = form_field

    def clean_start(self) -> datetime:
        try:
            return datetime.fromisoformat(self.cleaned_data["start"])
        except (TypeError, ValueError):
            raise forms.ValidationError(_("Choose one of the free times.")) from None

    def answers(self) -> dict:
        """{label: answer} of the queue's questions, as text."""
        result = {}
        for field in self.queue_fields:
            value = self.cleaned_data.get(field.key)
            if value not in (None, ""):
                result[field.label] = value.isoformat() if hasattr(value, "isoformat") else value
        return result
