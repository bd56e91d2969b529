"""The citizen's survey form, built from the survey's questions. The form parses what was
posted; ``services.submit`` decides what is acceptable and its errors come back on the
fields they concern, with everything typed kept."""

from __future__ import annotations

from django import forms
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from addons.core.forms import DateInput

from .models import QuestionKind
from .services import LONG_TEXT_MAX, SHORT_TEXT_MAX, written_answers

REQUIRED = _("Answer this question.")


def _stars_label(value: int) -> str:
    return ngettext("%(n)s star", "%(n)s stars", value) % {"n": value}


class SurveyForm(forms.Form):
    """``questions``: the survey's Question rows with their options and rows prefetched."""

    def __init__(self, *args, questions=(), **kwargs):
        kwargs.setdefault("prefix", "survey")
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        for question in self.questions:
            for name, field in self._fields_for(question):
                self.fields[name] = field

    def _fields_for(self, question):
        common = {"label": question.text, "required": question.required,
                  "help_text": question.help_text,
                  "error_messages": {"required": REQUIRED, "invalid_choice":
                                     _("Choose one of the options of this question.")}}
        kind = question.kind
        if kind == QuestionKind.SINGLE:
            yield question.key, forms.ChoiceField(
                widget=forms.RadioSelect, choices=[(o.pk, o.label) for o in question.options.all()],
                **common)
        elif kind == QuestionKind.MULTIPLE:
            yield question.key, forms.MultipleChoiceField(
                widget=forms.CheckboxSelectMultiple,
                choices=[(o.pk, o.label) for o in question.options.all()], **common)
        elif kind == QuestionKind.STARS:
            common["error_messages"]["invalid_choice"] = _("Give from 1 to 5 stars.")
            yield question.key, forms.ChoiceField(
                widget=forms.RadioSelect(attrs={"class": "survey-stars"}),
                choices=[(n, _stars_label(n)) for n in range(1, 6)], **common)
        elif kind == QuestionKind.SCALE:
            yield question.key, forms.ChoiceField(
                widget=forms.RadioSelect(attrs={"class": "survey-scale"}),
                choices=[(n, str(n)) for n in question.value_range()], **common)
        elif kind == QuestionKind.YES_NO:
            common["error_messages"]["invalid_choice"] = _("Answer yes or no.")
            yield question.key, forms.ChoiceField(
                widget=forms.RadioSelect, choices=[(1, _("Yes")), (0, _("No"))], **common)
        elif kind == QuestionKind.SHORT_TEXT:
            yield question.key, forms.CharField(max_length=SHORT_TEXT_MAX, **common)
        elif kind == QuestionKind.LONG_TEXT:
            yield question.key, forms.CharField(
                widget=forms.Textarea(attrs={"rows": 5}), max_length=LONG_TEXT_MAX, **common)
        elif kind == QuestionKind.MATRIX:
            span = question.value_range()
            for row in question.rows.all():
                options = dict(common, label=f"{question.text}: {row.label}")
                options["error_messages"] = dict(common["error_messages"], invalid_choice=_(
                    "Choose a value from %(low)s to %(high)s.") % {"low": span.start,
                                                                   "high": span.stop - 1})
                yield f"{question.key}_r{row.pk}", forms.ChoiceField(
                    widget=forms.RadioSelect(attrs={"class": "survey-scale"}),
                    choices=[(n, str(n)) for n in span], **options)

    def items(self) -> dict:
        """{question id: raw value} for ``services.submit``."""
        data = self.cleaned_data
        result = {}
        for question in self.questions:
            if question.kind == QuestionKind.MATRIX:
                result[question.pk] = {
                    row.pk: data.get(f"{question.key}_r{row.pk}")
                    for row in question.rows.all() if data.get(f"{question.key}_r{row.pk}")
                }
            else:
                result[question.pk] = data.get(question.key)
        return result

    def add_service_errors(self, error) -> None:
        """Put a SurveyError's messages on the fields they concern."""
        for key, message in error.errors.items():
            name = key if key in self.fields else next(
                (field for field in self.fields if field.startswith(f"{key}_")), None)
            self.add_error(name, message)
        if not error.errors:
            self.add_error(None, str(error.message))


class InvitationIssueForm(forms.Form):
    """Staff: how many one-time links to issue, for which addressee."""

    count = forms.IntegerField(label=_("How many links"), min_value=1, max_value=1000,
                               initial=10)
    addressee = forms.TypedChoiceField(label=_("Addressee"), required=False, coerce=int,
                                       empty_value=None)
    note = forms.CharField(label=_("Note"), required=False, max_length=200)

    def __init__(self, *args, addressees=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["addressee"].choices = [("", "—")] + [(p.pk, p.title) for p in addressees]


class ResultsFilterForm(forms.Form):
    """Staff results: a date range and an addressee."""

    start = forms.DateField(label=_("From"), required=False, widget=DateInput())
    end = forms.DateField(label=_("Until"), required=False, widget=DateInput())
    addressee = forms.TypedChoiceField(label=_("Addressee"), required=False, coerce=int,
                                       empty_value=None)

    def __init__(self, *args, addressees=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["addressee"].choices = [("", _("Every addressee"))] + [
            (page.pk, page.title) for page in addressees]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start") and cleaned.get("end") and cleaned["start"] > cleaned["end"]:
            self.add_error("end", _("The end of the period is before its start."))
        return cleaned


class AnswerPublicationForm(forms.Form):
    """Which written answers of a response to publish or withdraw (none chosen: all)."""

    answers = forms.TypedMultipleChoiceField(
        label=_("Written answers"), required=False, coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose none to act on every written answer of this response."),
    )

    def __init__(self, *args, record=None, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.record, self.user = record, user
        if record is None:  # a bulk action over a selection: every written answer
            del self.fields["answers"]
            return
        self.fields["answers"].choices = [
            (answer.pk, f"{answer.question.text}: {Truncator(answer.text).chars(80)}")
            for answer in written_answers(record)
        ]
