"""Survey answers' service events (``addons.core.events``): one ``survey_answer`` per
answer counted publicly, written by ``services.submit`` in the answer's transaction (one
INSERT, nothing looked up). ``value`` is the answer's score from 1 to 5: the mean of its
rating questions (stars; scales and matrices brought onto 1..5), None when the survey has
none or none was answered. The category is the survey (its id; ``labels`` names it).

An anonymous survey keeps only the day of an answer, and so does its event: ``at`` is the
start of that day and no actor is stored. Answers held as suspicious raise no public
counter and write no event either.
"""

from __future__ import annotations

from datetime import datetime, time

from django.utils import timezone
from django.utils.translation import gettext

from addons.core import events

RECORD_TYPE = "surveys.response"
CHANNEL = "web"


RATING_KINDS = ("stars", "scale", "matrix")


def rating_range(kind: str, scale_min: int, scale_max: int) -> tuple[int, int] | None:
    """The lowest and highest number of a rating question (as ``Question.value_range``),
    None for a question that rates nothing (choices, texts, yes or no)."""
    if kind == "stars":
        return 1, 5
    if kind == "matrix" and scale_max <= scale_min:
        return 1, 5
    if kind in RATING_KINDS and scale_max > scale_min:
        return scale_min, scale_max
    return None


def mean_score(rated) -> float | None:
    """``rated``: (low, high, numbers) of each rating question answered; the mean of each
    question's mean brought onto 1..5, None when there is none."""
    scores = []
    for low, high, numbers in rated:
        numbers = [number for number in numbers if number is not None]
        if numbers:
            scores.append(1 + 4 * (sum(numbers) / len(numbers) - low) / (high - low))
    return round(sum(scores) / len(scores), 4) if scores else None


def score(questions, clean: dict) -> float | None:
    """The answer's score from its cleaned values (``services.clean_items``): a matrix
    question counts once, with the mean of its rows."""
    rated = []
    for question in questions:
        value = clean.get(question.pk)
        span = rating_range(question.kind, question.scale_min, question.scale_max)
        if value is None or span is None:
            continue
        numbers = list(value.values()) if isinstance(value, dict) else [value]
        rated.append((*span, numbers))
    return mean_score(rated)


def day_start(day):
    return timezone.make_aware(datetime.combine(day, time.min),
                               timezone.get_current_timezone())


def moment(survey, response, now):
    """When the event says the answer came: the moment, or only the day (anonymous)."""
    return day_start(response.submitted_on) if survey.anonymous else now


def record(survey, response, *, addressee, value, now):
    """Write the answer's event: one INSERT."""
    return events.record(
        RECORD_TYPE, response.pk, events.ANSWERED_SURVEY, site=survey.site_id,
        at=moment(survey, response, now), addressee=addressee, reference=str(response.pk),
        category=str(survey.pk), channel=CHANNEL, public=True, value=value,
    )


# --- the declaration's functions ----------------------------------------------------------


def admin_url(record_id) -> str:
    """The answer's screen on the casework desk (which checks its own rights)."""
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("casework_survey_answers:inspect", args=[record_id])
    except NoReverseMatch:
        return ""


def labels(site) -> dict:
    """The surveys of ``site`` (the events' categories) by their titles in the active
    language (a survey's title follows the content language, see ``translation``)."""
    from .models import Survey

    surveys = Survey.objects.filter(site=site).order_by("pk")
    return {
        "category": {str(survey.pk): survey.title for survey in surveys},
        "district": {},
        "channel": {CHANNEL: gettext("Website")},
    }
