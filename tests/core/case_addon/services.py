from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from wagtail.log_actions import log


def open_q():
    return ~Q(status="closed")


def escalated_q():
    return Q(escalated=True)


def is_open(record, user):
    return record.status != "closed"


class CloseForm(forms.Form):
    reason = forms.CharField(required=False, max_length=200)

    def __init__(self, *args, record=None, user=None, **kwargs):
        super().__init__(*args, **kwargs)


class ReplyForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea)

    def __init__(self, *args, record=None, user=None, **kwargs):
        super().__init__(*args, **kwargs)


def close(record, user, reason=""):
    if record.status == "closed":
        raise ValidationError("This case is already closed.")
    record.status = "closed"
    record.save(update_fields=["status"])
    log(record, "wagtail.edit", user=user)
    return "Case closed."


def reply(record, user, text):
    if "forbidden" in text:
        raise ValidationError("This answer cannot be sent.")
    record.answer = text
    record.status = "in_progress"
    record.save(update_fields=["answer", "status"])
    log(record, "wagtail.edit", user=user)
    return "Answer sent."


def notes_context(record, request):
    return {"note": record.note}


def archive(record, user):
    record.status = "closed"
    record.note = ""
    record.save(update_fields=["status", "note"])
    log(record, "wagtail.edit", user=user)
    return "Case archived."
