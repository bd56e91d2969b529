"""What the answers desk shows of one answer to a survey (``Casework(key="survey_answers")``
in apps.py): every item, in the survey's order, with the publication of written answers.
``answers_context`` is the ``DetailSection``'s ``get_context(record, request)``."""

from __future__ import annotations

from django.utils.translation import gettext as _

from .models import TEXT_KINDS, Answer, QuestionKind
from .services import questions_of


def _shown(question, answer) -> str:
    if answer.option_id:
        return answer.option.label
    if question.kind == QuestionKind.YES_NO:
        return _("Yes") if answer.number == 1 else _("No")
    if question.kind == QuestionKind.MATRIX:
        return f"{answer.row.label}: {answer.number}" if answer.row_id else str(answer.number)
    if answer.number is not None:
        return str(answer.number)
    return answer.text


def answers_context(record, request=None) -> dict:
    """``items``: (question, [(answer, shown text)]) for every question of the survey,
    answered or not (two queries for the answers, three for the questions)."""
    answers = {}
    for answer in (Answer.objects.filter(response=record)
                   .select_related("option", "row").order_by("pk")):
        answers.setdefault(answer.question_id, []).append(answer)
    items = []
    for question in questions_of(record.survey):
        given = answers.get(question.pk, [])
        items.append({
            "question": question,
            "answers": [(answer, _shown(question, answer)) for answer in given],
            "written": question.kind in TEXT_KINDS,
        })
    return {"record": record, "items": items, "anonymous": record.survey.anonymous}
