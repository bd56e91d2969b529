"""Figures of a survey: from the counters (public pages, constant cost whatever the number
of answers) or from the answers themselves (staff filters by date and addressee: a few
GROUP BY queries). Both give the same ``counts`` mapping, ``{(question id or None,
bucket): number}``, which :func:`build` turns into bars, shares and averages."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Sum
from django.utils.translation import gettext as _

from .models import (
    CHOICE_KINDS,
    NUMBER_KINDS,
    TEXT_KINDS,
    Answer,
    QuestionKind,
    Survey,
    Tally,
)

#: published free-text answers shown per question on public pages
PUBLISHED_TEXTS = 20


@dataclass
class Bar:
    label: str
    count: int
    share: float  # 0..1 of the question's answers

    @property
    def percent(self) -> int:
        return round(self.share * 100)

    @property
    def width(self) -> float:
        """Length in the SVG chart (0..100)."""
        return round(self.share * 100, 1)


@dataclass
class RowResult:
    label: str
    answered: int
    average: float | None
    bars: list[Bar]


@dataclass
class QuestionResult:
    question: object
    answered: int
    bars: list[Bar] = field(default_factory=list)
    average: float | None = None
    rows: list[RowResult] = field(default_factory=list)
    texts: list = field(default_factory=list)

    @property
    def kind(self) -> str:
        return self.question.kind

    @property
    def is_text(self) -> bool:
        return self.question.kind in TEXT_KINDS

    @property
    def stars(self) -> list[str]:
        """Five cells, "full", "half" or "empty", for the average shown as stars."""
        if self.average is None:
            return []
        cells = []
        for index in range(1, 6):
            if self.average >= index - 0.25:
                cells.append("full")
            elif self.average >= index - 0.75:
                cells.append("half")
            else:
                cells.append("empty")
        return cells


@dataclass
class SurveyResults:
    survey: Survey
    responses: int
    questions: list[QuestionResult]
    min_group: int
    hidden: bool = False  # too few answers to show anything


def _label(question, value: int) -> str:
    if question.kind == QuestionKind.YES_NO:
        return _("Yes") if value == 1 else _("No")
    if question.kind == QuestionKind.STARS:
        return _("%(n)s of 5 stars") % {"n": value}
    return str(value)


def _share(count: int, total: int) -> float:
    return count / total if total else 0.0


def build(survey: Survey, questions, counts: dict, *, min_group: int | None = None,
          texts: dict | None = None) -> SurveyResults:
    """Turn ``counts`` into results; ``hidden`` when fewer than ``min_group`` answered."""
    min_group = survey.min_group_size if min_group is None else min_group
    responses = counts.get((None, "responses"), 0)
    results = []
    for question in questions:
        get = lambda bucket, q=question.pk: counts.get((q, bucket), 0)  # noqa: E731
        answered = get("answered")
        result = QuestionResult(question=question, answered=answered)
        if question.kind in CHOICE_KINDS:
            result.bars = [Bar(option.label, get(f"o{option.pk}"),
                               _share(get(f"o{option.pk}"), answered))
                           for option in question.options.all()]
        elif question.kind in NUMBER_KINDS:
            values = list(question.value_range())
            if question.kind == QuestionKind.YES_NO:
                values.reverse()  # yes first
            result.bars = [Bar(_label(question, value), get(f"v{value}"),
                               _share(get(f"v{value}"), answered)) for value in values]
            if answered and question.kind != QuestionKind.YES_NO:
                result.average = get("sum") / answered
        elif question.kind == QuestionKind.MATRIX:
            for row in question.rows.all():
                rated = get(f"r{row.pk}n")
                result.rows.append(RowResult(
                    label=row.label, answered=rated,
                    average=get(f"r{row.pk}sum") / rated if rated else None,
                    bars=[Bar(str(value), get(f"r{row.pk}v{value}"),
                              _share(get(f"r{row.pk}v{value}"), rated))
                          for value in question.value_range()],
                ))
        if texts is not None:
            result.texts = texts.get(question.pk, [])
        results.append(result)
    return SurveyResults(survey=survey, responses=responses, questions=results,
                         min_group=min_group, hidden=responses < min_group)


# --- counts from the counters -------------------------------------------------------------


def tally_counts(survey: Survey, scope: int = 0) -> dict:
    """The counters of ``survey`` for one addressee (``scope``) or all (0): one query."""
    return {(question, bucket): count for question, bucket, count in
            Tally.objects.filter(survey=survey, scope=scope)
            .values_list("question_id", "bucket", "count")}


def published_texts(survey: Survey, questions, scope: int = 0) -> dict:
    """Free-text answers staff published, newest first, per question: one query, on the
    (question, published) index, so it does not read the unpublished answers."""
    text_ids = [question.pk for question in questions if question.kind in TEXT_KINDS]
    if not text_ids:
        return {}
    # newest first by the answer's own response id: ordering by the response's date would
    # let the database walk every response of the survey in date order
    answers = (Answer.objects.filter(question_id__in=text_ids, published=True)
               .exclude(text="").select_related("response").order_by("-response_id", "pk"))
    if scope:
        answers = answers.filter(response__scope=scope)
    grouped: dict = {}
    for answer in answers[: PUBLISHED_TEXTS * len(text_ids)]:
        items = grouped.setdefault(answer.question_id, [])
        if len(items) < PUBLISHED_TEXTS:
            items.append(answer)
    return grouped


def public_results(survey: Survey, questions, scope: int = 0) -> SurveyResults:
    return build(survey, questions, tally_counts(survey, scope),
                 texts=published_texts(survey, questions, scope))


# --- counts from the answers (staff filters) ----------------------------------------------


def answer_counts(responses) -> dict:
    """The same mapping as ``tally_counts`` for a queryset of responses (any filter)."""
    counts = {(None, "responses"): responses.count()}
    answers = Answer.objects.filter(response__in=responses.values("pk")).order_by()
    for row in answers.values("question_id").annotate(n=Count("response_id", distinct=True)):
        counts[(row["question_id"], "answered")] = row["n"]
    for row in (answers.filter(option__isnull=False).values("question_id", "option_id")
                .annotate(n=Count("pk"))):
        counts[(row["question_id"], f"o{row['option_id']}")] = row["n"]
    numbers = answers.filter(number__isnull=False)
    for row in numbers.values("question_id", "row_id", "number").annotate(n=Count("pk")):
        prefix = f"r{row['row_id']}" if row["row_id"] else ""
        counts[(row["question_id"], f"{prefix}v{row['number']}")] = row["n"]
    for row in numbers.values("question_id", "row_id").annotate(n=Count("pk"),
                                                                total=Sum("number")):
        if row["row_id"]:
            counts[(row["question_id"], f"r{row['row_id']}n")] = row["n"]
            counts[(row["question_id"], f"r{row['row_id']}sum")] = row["total"]
        else:
            counts[(row["question_id"], "sum")] = row["total"]
    return counts


# --- ranking of addressees ----------------------------------------------------------------


@dataclass
class Ranked:
    addressee: object
    average: float
    answered: int
    position: int = 0


def rating_question(questions):
    """The question addressees are ranked by: the survey's first star rating."""
    return next((q for q in questions if q.kind == QuestionKind.STARS), None)


def ranking(survey: Survey, question, *, min_group: int | None = None) -> list[tuple]:
    """[(group name, [Ranked, best first])] of the addressees rated on ``question``, each
    within its addressee groups; addressees with fewer than ``min_group`` ratings are left
    out. Three queries, whatever the number of answers."""
    from addons.addressees.models import AddresseePage

    if question is None:
        return []
    min_group = survey.min_group_size if min_group is None else min_group
    figures: dict[int, dict] = {}
    for scope, bucket, count in (Tally.objects.filter(question=question, scope__gt=0,
                                                      bucket__in=("answered", "sum"))
                                 .values_list("scope", "bucket", "count")):
        figures.setdefault(scope, {})[bucket] = count
    rated = {scope: values for scope, values in figures.items()
             if values.get("answered", 0) >= min_group}
    if not rated:
        return []
    pages = (AddresseePage.objects.live().filter(pk__in=rated)
             .only("pk", "title", "url_path", "path", "depth").prefetch_related("groups"))
    grouped: dict[str, list[Ranked]] = {}
    for page in pages:
        values = rated[page.pk]
        item = Ranked(page, values.get("sum", 0) / values["answered"], values["answered"])
        names = [group.name for group in page.groups.all()] or [_("Other addressees")]
        for name in names:
            grouped.setdefault(name, []).append(
                Ranked(item.addressee, item.average, item.answered))
    result = []
    for name in sorted(grouped):
        items = sorted(grouped[name], key=lambda r: (-r.average, -r.answered,
                                                     r.addressee.title))
        for position, item in enumerate(items, 1):
            item.position = position
        result.append((name, items))
    return result


# --- the addressee page's block -----------------------------------------------------------


def addressee_ratings(page) -> list[dict]:
    """For each survey hung on ``page`` with a star rating: the page's average and count
    (when at least the survey's minimum answered) and its place in its groups' rankings."""
    from .models import Question, SurveyPlacement

    survey_ids = list(SurveyPlacement.objects.filter(page_id=page.pk)
                      .values_list("survey_id", flat=True))
    if not survey_ids:
        return []
    stars = {}
    for question in (Question.objects.filter(survey_id__in=survey_ids, kind=QuestionKind.STARS)
                     .select_related("survey").order_by("survey_id", "sort_order", "pk")):
        stars.setdefault(question.survey_id, question)
    items = []
    for question in stars.values():
        survey = question.survey
        counts = {bucket: count for bucket, count in
                  Tally.objects.filter(question=question, scope=page.pk,
                                       bucket__in=("answered", "sum"))
                  .values_list("bucket", "count")}
        answered = counts.get("answered", 0)
        if answered < survey.min_group_size or not survey.public_results:
            continue
        result = QuestionResult(question=question, answered=answered,
                                average=counts.get("sum", 0) / answered)
        places = []
        for group, ranked in ranking(survey, question):
            for item in ranked:
                if item.addressee.pk == page.pk and len(ranked) > 1:
                    places.append({"group": group, "position": item.position,
                                   "of": len(ranked)})
        items.append({"survey": survey, "result": result, "places": places})
    return items


def statistics_context(page, request):
    """The "Quality of service" block of an addressee page: its ratings, or None."""
    ratings = addressee_ratings(page)
    return {"ratings": ratings} if ratings else None
