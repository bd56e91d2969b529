"""Answers of a survey as CSV or XLSX (``core.exports``): one row per answer, one column
per question (a matrix: one per row); answers of several surveys at once (a selection on
the answers desk) as one row per item. Names only for surveys that are not anonymous; an
anonymous survey's rows carry no answer number and only the day, in a shuffled order within
each day, so they cannot be matched with access logs."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from addons.core import exports as spreadsheet
from addons.core.exports import CHUNK, local, safe

from .models import Answer, QuestionKind


def _columns(survey, questions):
    heads = [_("Submitted"), _("Addressee"), _("Suspicious")]
    if not survey.anonymous:
        heads = [_("Answer"), *heads, _("Citizen")]
    keys = []
    for question in questions:
        if question.kind == QuestionKind.MATRIX:
            for row in question.rows.all():
                heads.append(f"{question.text}: {row.label}")
                keys.append((question.pk, row.pk))
        else:
            heads.append(question.text)
            keys.append((question.pk, None))
    return heads, keys


def _value(question_kind, answer):
    if answer.option_id:
        return answer.option.label
    if question_kind == QuestionKind.YES_NO:
        return _("Yes") if answer.number == 1 else _("No")
    if answer.number is not None:
        return answer.number
    return answer.text


def rows(survey, questions, responses, keys):
    kinds = {question.pk: question.kind for question in questions}
    answers = Prefetch("answers", queryset=Answer.objects.select_related("option"))
    queryset = responses.select_related("addressee", "citizen").prefetch_related(answers)
    if survey.anonymous:
        queryset = queryset.order_by("submitted_on", "?")
    else:
        queryset = queryset.order_by("submitted_on", "submitted_at", "pk")
    for response in queryset.iterator(chunk_size=CHUNK):
        cells: dict = {}
        for answer in response.answers.all():
            key = (answer.question_id, answer.row_id)
            value = _value(kinds.get(answer.question_id), answer)
            cells[key] = f"{cells[key]}; {value}" if key in cells else value
        line = [response.submitted_on if survey.anonymous or not response.submitted_at
                else local(response.submitted_at),
                safe(response.addressee.title) if response.addressee else "",
                _("Yes") if response.suspicious else ""]
        if not survey.anonymous:
            citizen = response.citizen
            line = [response.pk, *line,
                    safe(getattr(citizen, "full_name", "") or citizen.get_username())
                    if citizen else ""]
        line += [safe(cells.get(key, "")) for key in keys]
        yield line


def response(fmt, survey, questions, responses):
    heads, keys = _columns(survey, questions)
    data = rows(survey, questions, responses, keys)
    stem = f"survey-{survey.pk}-answers"
    if fmt == "csv":
        return spreadsheet.csv_response(heads, data, stem)
    return spreadsheet.xlsx_response(heads, data, stem, _("Answers"))


def selection_response(responses, fmt):
    """The answers ``responses`` (already scoped) as a download: those of one survey in that
    survey's own layout (:func:`response`); those of several surveys one row per item
    (survey, date, addressee, question, answer), anonymous surveys' items without answer
    numbers, each day's in a shuffled order."""
    from .models import Survey
    from .services import questions_of

    survey_ids = list(responses.order_by().values_list("survey_id", flat=True).distinct()[:2])
    if len(survey_ids) == 1:
        survey = Survey.objects.select_related("site").get(pk=survey_ids[0])
        return response(fmt, survey, questions_of(survey), responses)
    heads = [_("Survey"), _("Answer"), _("Submitted"), _("Addressee"), _("Suspicious"),
             _("Question"), _("Value")]
    data = _item_rows(responses)
    stem = "survey-answers"
    if fmt == "csv":
        return spreadsheet.csv_response(heads, data, stem)
    return spreadsheet.xlsx_response(heads, data, stem, _("Answers"))


def _item_rows(responses):
    answers = Prefetch("answers", queryset=Answer.objects.select_related(
        "option", "row", "question").order_by("question__sort_order", "question_id", "pk"))
    queryset = (responses.select_related("survey", "addressee").prefetch_related(answers)
                .order_by("survey__title", "survey_id", "submitted_on", "submitted_at", "?"))
    for item in queryset.iterator(chunk_size=CHUNK):
        anonymous = item.survey.anonymous
        when = item.submitted_on if anonymous or not item.submitted_at else local(
            item.submitted_at)
        head = [safe(item.survey.title), "" if anonymous else item.pk, when,
                safe(item.addressee.title) if item.addressee else "",
                _("Yes") if item.suspicious else ""]
        for answer in item.answers.all():
            question = answer.question.text
            if answer.row_id:
                question = f"{question}: {answer.row.label}"
            yield [*head, safe(question), safe(_value(answer.question.kind, answer))]
