"""The citizen's booking form: the queue's own questions and a free time."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import FieldType

#: the longest one-time value a booking form carries (``Ticket.token``)
TOKEN_MAX = 64
#: dates a queue form accepts: anything outside is a typing error, not a day of the queue
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)


def out_of_range_message():
    return _("Enter a date between %(first)s and %(last)s.") % {
        "first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()}


class BoundedDateField(forms.DateField):
    """A date between FIRST_DAY and LAST_DAY (days before and after it are computed
    without overflowing), with a translated error."""

    def validate(self, value):
        super().validate(value)
        if value and not FIRST_DAY <= value <= LAST_DAY:
            raise forms.ValidationError(out_of_range_message(), code="out_of_range")


class BoundedDateTimeField(forms.DateTimeField):
    """A date and time whose day lies between FIRST_DAY and LAST_DAY."""

    def to_python(self, value):
        result = super().to_python(value)
        if result is not None and not FIRST_DAY <= result.date() <= LAST_DAY:
            raise forms.ValidationError(out_of_range_message(), code="out_of_range")
        return result


def slot_value(start: datetime) -> str:
    return start.isoformat()


class BookingForm(forms.Form):
    """``slots``: (start, end, free) the citizen may pick; ``fields``: the queue's
    QueueField rows (none when moving a ticket). With ``all_times`` (a submitted form) any
    time is taken, full or not offered, for the booking service to judge."""

    start = forms.ChoiceField(label=_("Time"), widget=forms.RadioSelect)
    token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, slots=(), fields=(), tz=None, all_times=False, question=False,
                 **kwargs):
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
            self.fields[field.key] = queue_form_field(field)
        if question:  # a deputy's reception: what the citizen wants to raise
            from .services import QUESTION_MAX

            self.fields["question"] = forms.CharField(
                label=_("Your question"), widget=forms.Textarea(attrs={"rows": 5}),
                max_length=QUESTION_MAX,
                help_text=_("What you want to raise at the reception. Only the deputy and "
                            "the reception's staff read it; it is never published."),
                error_messages={"required": _("Write what you want to raise at the "
                                              "reception.")},
            )

    def clean_start(self) -> datetime:
        try:
            start = datetime.fromisoformat(self.cleaned_data["start"])
        except (TypeError, ValueError):
            raise forms.ValidationError(_("Choose one of the free times.")) from None
        if not FIRST_DAY <= start.date() <= LAST_DAY:
            raise forms.ValidationError(_("Choose one of the free times."))
        return start

    def clean_token(self) -> str:
        token = self.cleaned_data.get("token") or ""
        if len(token) > TOKEN_MAX:
            self.add_error(None, _("This form has expired. Check your answers and send it "
                                   "again."))
            return ""
        return token

    @property
    def token_refused(self) -> bool:
        return len(self.data.get(self.add_prefix("token"), "") or "") > TOKEN_MAX

    def answers(self) -> dict:
        """{label: answer} of the queue's questions, as text."""
        return answers_of(self.queue_fields, self.cleaned_data)


def queue_form_field(field, **error_messages) -> forms.Field:
    """The form field asking the queue's question ``field`` (a ``QueueField``): the booking
    form's and the operator's, validated alike."""
    options = {"label": field.label, "required": field.required,
               "help_text": field.help_text}
    if error_messages:
        options["error_messages"] = error_messages
    if field.field_type == FieldType.TEXTAREA:
        return forms.CharField(widget=forms.Textarea, max_length=4000, **options)
    if field.field_type == FieldType.CHOICE:
        return forms.ChoiceField(
            choices=[("", "---")] + [(c, c) for c in field.choice_list()], **options)
    if field.field_type == FieldType.DATE:
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **options)
    return forms.CharField(max_length=300, **options)


def answers_of(queue_fields, cleaned_data) -> dict:
    """{label: answer} of the queue's questions answered in ``cleaned_data``, as text."""
    result = {}
    for field in queue_fields:
        value = cleaned_data.get(field.key)
        if value not in (None, ""):
            result[field.label] = value.isoformat() if hasattr(value, "isoformat") else value
    return result


# --- the desk's action forms (the ``casework`` actions of apps.py) -------------------------


class DeskForm(forms.Form):
    """A desk action's form: ``record`` is the ticket, ``user`` the member of staff."""

    def __init__(self, *args, record=None, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.record = record
        self.user = user


class MarkForm(DeskForm):
    """Arrived, served, did not come: an optional comment with the mark."""

    comment = forms.CharField(label=_("Comment"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 2}))


class CommentForm(DeskForm):
    text = forms.CharField(label=_("Comment"), max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           error_messages={"required": _("Write a comment.")})

    def clean_text(self):
        text = self.cleaned_data["text"].strip()
        if not text:
            raise forms.ValidationError(_("Write a comment."))
        return text


class FileForm(DeskForm):
    file = forms.FileField(label=_("File"),
                           help_text=_("PDF, image or text document, up to 10 MB."))

    def clean_file(self):
        from .services import check_upload

        upload = self.cleaned_data["file"]
        check_upload(upload)
        return upload


class NextVisitForm(DeskForm):
    when = BoundedDateTimeField(
        label=_("Next visit"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text=_("In the queue's local time."),
    )
    book = forms.BooleanField(label=_("Book a ticket for the citizen at this time"),
                              required=False)

    def clean_when(self):
        """The time as typed, in the queue's time zone (whatever zone the request has)."""
        when = self.cleaned_data["when"]
        if when is not None and self.record is not None:
            from .services import queue_timezone

            if timezone.is_aware(when):
                when = timezone.make_naive(when)
            when = when.replace(tzinfo=queue_timezone(self.record.queue))
        return when


class CancelDayForm(DeskForm):
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False,
                             help_text=_("Sent to everyone booked on that day."))
