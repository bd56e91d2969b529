"""The rules of answering a survey, one-time links, the counters and the default surveys.

``submit()`` is the one way in for the public views, the one-time links and any later API:
it checks that the survey is open and who may answer, validates every item (an option must
be the question's, stars 1-5, a scale within its ends, required questions answered), writes
the response and its answers and raises the public counters, all in one transaction. One
answer per citizen, browser or link is held by the database (unique constraints, and a
conditional UPDATE that consumes a link), so two requests at once still make one answer.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from . import events as service_events
from .models import (
    CHOICE_KINDS,
    NUMBER_KINDS,
    TEXT_KINDS,
    Answer,
    Audience,
    Invitation,
    Participation,
    Question,
    QuestionKind,
    Response,
    Survey,
    Tally,
)

SHORT_TEXT_MAX = 300
LONG_TEXT_MAX = 4000


class SurveyError(Exception):
    """A refusal with a translated message; ``errors`` maps question keys to messages."""

    def __init__(self, message, errors: dict | None = None):
        super().__init__(str(message))
        self.message = message
        self.errors = errors or {}


class SurveyClosed(SurveyError):
    pass


class AlreadyAnswered(SurveyError):
    pass


class NotAllowed(SurveyError):
    pass


# --- who answers --------------------------------------------------------------------------


def participant_key(survey: Survey, scope: int, identity: str) -> str:
    """A keyed digest of (survey, addressee, person or browser) for :class:`Participation`:
    one answer per person. It is never stored with the answer itself."""
    message = f"surveys:{survey.pk}:{scope}:{identity}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def _identity(survey: Survey, user, browser_id: str | None) -> tuple[object, str]:
    """(citizen to store, respondent identity to digest) for the survey's audience."""
    authenticated = bool(user is not None and user.is_authenticated)
    if survey.audience == Audience.CITIZENS:
        if survey.anonymous:
            return None, f"user:{user.pk}"
        return user, ""
    if survey.audience == Audience.ANYONE:
        citizen = user if authenticated and not survey.anonymous else None
        return citizen, f"browser:{browser_id}" if browser_id else ""
    return None, ""  # a one-time link is the respondent


def has_answered(survey: Survey, user=None, *, addressee=None, browser_id=None) -> bool:
    """Whether this citizen (or browser) has answered ``survey`` on this addressee."""
    scope = addressee.pk if addressee is not None else 0
    authenticated = bool(user is not None and user.is_authenticated)
    if survey.audience == Audience.CITIZENS and not authenticated:
        return False
    if survey.audience == Audience.LINK:
        return False
    citizen, identity = _identity(survey, user, browser_id)
    if citizen is not None and survey.audience == Audience.CITIZENS:
        return Response.objects.filter(survey=survey, scope=scope, citizen=citizen).exists()
    if identity:
        return Participation.objects.filter(
            survey=survey, scope=scope,
            participant_key=participant_key(survey, scope, identity)).exists()
    return False


def check_may_answer(survey: Survey, user, *, invitation=None, now=None) -> None:
    """SurveyError with the reason when the survey may not be answered now by ``user``."""
    if not survey.is_open(now):
        if survey.opens_at and survey.opens_at > (now or timezone.now()):
            raise SurveyClosed(gettext_lazy("This survey is not open yet."))
        raise SurveyClosed(gettext_lazy("This survey is closed: answers are no longer "
                                        "accepted."))
    if survey.audience == Audience.CITIZENS and not (user and user.is_authenticated):
        raise NotAllowed(gettext_lazy("Log in to answer this survey: each citizen answers "
                                      "once."))
    if survey.audience == Audience.LINK:
        if invitation is None or invitation.survey_id != survey.pk:
            raise NotAllowed(gettext_lazy("This survey is answered through a personal "
                                          "one-time link."))
        if invitation.used_at is not None:
            raise AlreadyAnswered(gettext_lazy("This link has already been used: each link "
                                               "gives one answer."))


# --- validating the items -----------------------------------------------------------------


def questions_of(survey: Survey) -> list[Question]:
    """The survey's questions with their active options and rows (three queries)."""
    from django.db.models import Prefetch

    from .models import MatrixRow, Option

    return list(survey.questions.order_by("sort_order", "pk").prefetch_related(
        Prefetch("options", queryset=Option.objects.filter(active=True)),
        Prefetch("rows", queryset=MatrixRow.objects.filter(active=True)),
    ))


def _as_int(value):
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def clean_items(questions: Iterable[Question], items: dict) -> tuple[dict, dict]:
    """Check raw answers ``{question_id: value}`` against the questions.

    Values: an option id (single), a list of option ids (multiple), a number (stars, scale,
    yes/no as 1/0), a text, or ``{row_id: number}`` (matrix). Returns (clean values, errors
    keyed by question key) with translated messages."""
    clean, errors = {}, {}
    for question in questions:
        raw = items.get(question.pk)
        empty = raw in (None, "", [], {}) or (isinstance(raw, str) and not raw.strip())
        if empty:
            if question.required:
                errors[question.key] = _("Answer this question.")
            continue
        kind = question.kind
        if kind in CHOICE_KINDS:
            values = raw if isinstance(raw, (list, tuple, set)) else [raw]
            if kind == QuestionKind.SINGLE and len(values) > 1:
                errors[question.key] = _("Choose one option.")
                continue
            ids = {option.pk for option in question.options.all()}
            chosen = [_as_int(value) for value in values]
            if any(value not in ids for value in chosen):
                errors[question.key] = _("Choose one of the options of this question.")
                continue
            clean[question.pk] = sorted(set(chosen))
        elif kind in NUMBER_KINDS:
            number = _as_int(raw)
            if number not in question.value_range():
                if kind == QuestionKind.STARS:
                    errors[question.key] = _("Give from 1 to 5 stars.")
                elif kind == QuestionKind.YES_NO:
                    errors[question.key] = _("Answer yes or no.")
                else:
                    errors[question.key] = _("Choose a value from %(low)s to %(high)s.") % {
                        "low": question.scale_min, "high": question.scale_max}
                continue
            clean[question.pk] = number
        elif kind in TEXT_KINDS:
            limit = SHORT_TEXT_MAX if kind == QuestionKind.SHORT_TEXT else LONG_TEXT_MAX
            text = str(raw).strip()
            if len(text) > limit:
                errors[question.key] = _("Write at most %(limit)s characters.") % {
                    "limit": limit}
                continue
            clean[question.pk] = text
        elif kind == QuestionKind.MATRIX:
            rows = {row.pk for row in question.rows.all()}
            given = {_as_int(key): _as_int(value) for key, value in dict(raw).items()
                     if value not in (None, "")}
            if any(row not in rows for row in given):
                errors[question.key] = _("Rate the rows of this question only.")
                continue
            if any(value not in question.value_range() for value in given.values()):
                span = question.value_range()
                errors[question.key] = _("Choose a value from %(low)s to %(high)s.") % {
                    "low": span.start, "high": span.stop - 1}
                continue
            if question.required and set(given) != rows:
                errors[question.key] = _("Rate every row.")
                continue
            if given:
                clean[question.pk] = given
    return clean, errors


# --- the counters -------------------------------------------------------------------------


def buckets(questions: Iterable[Question], clean: dict) -> list[tuple[int | None, str, int]]:
    """(question id or None, bucket, amount) raised by one response."""
    result = [(None, "responses", 1)]
    for question in questions:
        if question.pk not in clean:
            continue
        value = clean[question.pk]
        result.append((question.pk, "answered", 1))
        if question.kind in CHOICE_KINDS:
            result += [(question.pk, f"o{option}", 1) for option in value]
        elif question.kind in NUMBER_KINDS:
            result += [(question.pk, f"v{value}", 1), (question.pk, "sum", value)]
        elif question.kind == QuestionKind.MATRIX:
            for row, number in value.items():
                result += [(question.pk, f"r{row}v{number}", 1), (question.pk, f"r{row}n", 1),
                           (question.pk, f"r{row}sum", number)]
    return result


def raise_tallies(survey: Survey, scopes: Iterable[int], raised) -> None:
    """Add ``raised`` to the counters of every scope: one upsert per kind of counter
    (``INSERT ... ON CONFLICT DO UPDATE SET count = count + excluded.count``), rows in a
    fixed order so concurrent answers never deadlock."""
    table = connection.ops.quote_name(Tally._meta.db_table)
    rows = sorted((question or 0, scope, bucket, amount)
                  for scope in scopes for question, bucket, amount in raised)
    survey_rows = [(survey.pk, None, scope, bucket, amount)
                   for question, scope, bucket, amount in rows if not question]
    question_rows = [(survey.pk, question, scope, bucket, amount)
                     for question, scope, bucket, amount in rows if question]
    for values, target in ((survey_rows, "survey_id, scope, bucket) WHERE question_id IS NULL"),
                           (question_rows,
                            "question_id, scope, bucket) WHERE question_id IS NOT NULL")):
        if not values:
            continue
        placeholders = ", ".join(["(%s, %s, %s, %s, %s)"] * len(values))
        sql = (f"INSERT INTO {table} (survey_id, question_id, scope, bucket, count) "
               f"VALUES {placeholders} ON CONFLICT ({target} "
               f"DO UPDATE SET count = {table}.count + excluded.count")
        with connection.cursor() as cursor:
            cursor.execute(sql, [item for row in values for item in row])


# --- answering ----------------------------------------------------------------------------


def submit(survey: Survey, items: dict, *, user=None, addressee=None, invitation=None,
           browser_id: str | None = None, questions=None, now=None,
           suspicious: bool = False) -> Response:
    """Record one answer to ``survey``; SurveyError (translated, with per-question errors)
    when it may not be given or an item is wrong.

    Who answered (a :class:`Participation`, for one answer per person) and what was answered
    (the :class:`Response`) are written in one transaction with no link between them; an
    anonymous survey's answer keeps only its date. A ``suspicious`` answer (too fast, or
    one of a burst from one network) is kept for staff but raises no public counter."""
    now = now or timezone.now()
    check_may_answer(survey, user, invitation=invitation, now=now)
    if invitation is not None and invitation.addressee_id and addressee is None:
        addressee = invitation.addressee
    questions = questions if questions is not None else questions_of(survey)
    clean, errors = clean_items(questions, items)
    if errors:
        raise SurveyError(gettext_lazy("Some answers need correcting."), errors)
    scope = addressee.pk if addressee is not None else 0
    citizen, identity = _identity(survey, user, browser_id)
    key = participant_key(survey, scope, identity) if identity else ""
    if survey.audience == Audience.ANYONE and not key:
        raise NotAllowed(gettext_lazy("Your browser refused the cookie that keeps one "
                                      "answer per browser. Allow cookies and try again."))
    again = gettext_lazy("You have already answered this survey. Thank you!")
    try:
        with transaction.atomic():
            if invitation is not None:
                consumed = Invitation.objects.filter(pk=invitation.pk, used_at__isnull=True,
                                                     survey=survey).update(used_at=now)
                if not consumed:
                    raise AlreadyAnswered(gettext_lazy(
                        "This link has already been used: each link gives one answer."))
            if key:
                Participation.objects.create(survey=survey, scope=scope, participant_key=key)
            response = Response.objects.create(
                survey=survey, addressee=addressee, scope=scope,
                submitted_on=timezone.localdate(now),
                submitted_at=None if survey.anonymous else now, citizen=citizen,
                invitation=None if survey.anonymous else invitation, suspicious=suspicious,
            )
            Answer.objects.bulk_create(_answers(response, questions, clean))
            if not suspicious:
                raise_tallies(survey, {0, scope}, buckets(questions, clean))
                service_events.record(survey, response, addressee=addressee,
                                      value=service_events.score(questions, clean), now=now)
    except IntegrityError:
        raise AlreadyAnswered(again) from None
    return response


def _answers(response, questions, clean) -> list[Answer]:
    result = []
    for question in questions:
        value = clean.get(question.pk)
        if value is None:
            continue
        if question.kind in CHOICE_KINDS:
            result += [Answer(response=response, question=question, option_id=option)
                       for option in value]
        elif question.kind in NUMBER_KINDS:
            result.append(Answer(response=response, question=question, number=value))
        elif question.kind in TEXT_KINDS:
            result.append(Answer(response=response, question=question, text=value))
        else:
            result += [Answer(response=response, question=question, row_id=row, number=number)
                       for row, number in sorted(value.items())]
    return result


# --- one-time links -----------------------------------------------------------------------


def issue_invitation(survey: Survey, *, addressee=None, note: str = "") -> Invitation:
    """A one-time link to ``survey`` (for a queue ticket, an appeal's reply...). Its URL
    is ``invitation_url(invitation, request)``."""
    return Invitation.objects.create(survey=survey, addressee=addressee, note=note[:200])


def invitation_url(invitation: Invitation, request=None) -> str:
    from addons.core.sites import absolute_url

    return absolute_url(invitation.survey.site, invitation.get_absolute_url(), request)


# --- staff: who reads the answers, publishing free text ------------------------------------
# The answers desk (``Casework(key="survey_answers")`` in apps.py) calls ``publish`` and
# ``unpublish`` as ``service(response, user, **cleaned_data)``: a refusal is a translated
# ValidationError, every change is written to the audit log.

ANSWER_PUBLISHED = "surveys.answer_published"
ANSWER_WITHDRAWN = "surveys.answer_withdrawn"
LOG_ACTIONS = {
    ANSWER_PUBLISHED: gettext_lazy("Written survey answer published"),
    ANSWER_WITHDRAWN: gettext_lazy("Written survey answer withdrawn"),
}


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def sees_all_results(user) -> bool:
    """Superusers and holders of ``surveys.view_results`` read every answer of a site."""
    return _active(user) and (user.is_superuser or user.has_perm("surveys.view_results"))


def is_results_staff(user) -> bool:
    from addons.core.permissions import moderated_addressee_ids

    return _active(user) and (sees_all_results(user) or bool(moderated_addressee_ids(user)))


def readable_responses(user, site=None):
    """The answers ``user`` may read (of ``site``'s surveys): all of them for those who see
    every result, the answers given on their addressees for moderators, none otherwise."""
    from addons.core.permissions import moderated_addressee_ids

    if not _active(user):
        return Response.objects.none()
    responses = Response.objects.select_related("survey", "addressee")
    if site is not None:
        responses = responses.filter(survey__site_id=site.pk)
    if sees_all_results(user):
        return responses
    return responses.filter(addressee_id__in=moderated_addressee_ids(user))


def may_read(user, response: Response) -> bool:
    from addons.core.permissions import moderated_addressee_ids

    if sees_all_results(user):
        return True
    return _active(user) and response.addressee_id in moderated_addressee_ids(user)


def written_answers(response: Response):
    """The free-text answers of ``response`` that have a text, in the survey's order."""
    return (Answer.objects.filter(response=response, question__kind__in=TEXT_KINDS)
            .exclude(text="").select_related("question")
            .order_by("question__sort_order", "question_id", "pk"))


def has_unpublished_text(response: Response, user=None) -> bool:
    return written_answers(response).filter(published=False).exists()


def has_published_text(response: Response, user=None) -> bool:
    return written_answers(response).filter(published=True).exists()


def set_published(answer: Answer, published: bool, *, user=None) -> None:
    """Publish (or withdraw) one free-text answer on the public results."""
    if answer.question.kind not in TEXT_KINDS or not answer.text:
        raise SurveyError(gettext_lazy("Only free-text answers can be published."))
    with transaction.atomic():
        changed = Answer.objects.filter(pk=answer.pk).exclude(published=published).update(
            published=published)
        if changed:
            _log_publication(answer.response, [answer.pk], published, user)
    answer.published = published


def _log_publication(response: Response, answer_ids, published: bool, user) -> None:
    from wagtail.log_actions import log

    log(response, ANSWER_PUBLISHED if published else ANSWER_WITHDRAWN,
        user=user if _active(user) else None, title=response.survey.title,
        data={"survey": response.survey_id, "response": response.pk,
              "answers": sorted(answer_ids)})


def _publish(response: Response, user, published: bool, answers) -> int:
    if not may_read(user, response):
        raise ValidationError(_("You do not handle the answers given on this addressee."))
    texts = written_answers(response)
    if not texts.exists():
        raise ValidationError(_("This answer has no written text to publish."))
    if answers:
        wanted = {int(getattr(answer, "pk", answer)) for answer in answers}
        if not wanted <= set(texts.values_list("pk", flat=True)):
            raise ValidationError(_("Choose written answers of this response only."))
        texts = texts.filter(pk__in=wanted)
    with transaction.atomic():
        ids = list(texts.exclude(published=published).values_list("pk", flat=True))
        if not ids:
            raise ValidationError(_("The written answers are already published.") if published
                                  else _("The written answers are not published."))
        Answer.objects.filter(pk__in=ids).update(published=published)
        _log_publication(response, ids, published, user)
    return len(ids)


def publish(response: Response, user, *, answers=(), **data) -> str:
    """Show written answers of ``response`` on the public results (``answers``: some of
    them; none: all of them, as a bulk action does)."""
    count = _publish(response, user, True, answers)
    return ngettext("%(count)s written answer is published.",
                    "%(count)s written answers are published.", count) % {"count": count}


def unpublish(response: Response, user, *, answers=(), **data) -> str:
    """Withdraw written answers of ``response`` from the public results."""
    count = _publish(response, user, False, answers)
    return ngettext("%(count)s written answer is no longer published.",
                    "%(count)s written answers are no longer published.", count) % {
        "count": count}


# --- the default surveys ------------------------------------------------------------------

def _defaults():
    """The default surveys, in the active language (called inside an override)."""
    return [
        {"key": "complain", "title": _("Complain"), "audience": Audience.CITIZENS,
         "anonymous": False,
         "intro": _("Tell us what went wrong. A complaint is read by the staff in charge."),
         "questions": [
             (QuestionKind.SHORT_TEXT, _("Which service did you use?"), False, ""),
             (QuestionKind.LONG_TEXT, _("What went wrong?"), True, ""),
             (QuestionKind.YES_NO, _("Were you treated politely?"), False, ""),
         ]},
        {"key": "proposal", "title": _("Make a proposal"), "audience": Audience.CITIZENS,
         "anonymous": True,
         "intro": _("Suggest how the city or this service could work better."),
         "questions": [
             (QuestionKind.SINGLE, _("What is it about?"), False,
              "\n".join(str(x) for x in (_("City improvement"), _("Transport"),
                                         _("Social services"), _("Other")))),
             (QuestionKind.LONG_TEXT, _("Your proposal"), True, ""),
         ]},
        {"key": "quality", "title": _("Rate the quality of service"),
         "audience": Audience.CITIZENS, "anonymous": True,
         "intro": _("Your rating is anonymous: it is counted, never linked to you."),
         "questions": [
             (QuestionKind.STARS, _("How would you rate the service?"), True, ""),
             (QuestionKind.MATRIX, _("Rate each aspect"), False,
              "\n".join(str(x) for x in (_("Waiting time"), _("Politeness"),
                                         _("Competence")))),
             (QuestionKind.YES_NO, _("Did you get what you came for?"), False, ""),
             (QuestionKind.LONG_TEXT, _("What could we do better?"), False, ""),
         ]},
    ]


def create_default_surveys(site) -> list[Survey]:
    """The three default surveys of ``site``, in its language; existing ones are kept."""
    from addons.core.models import SiteProfile

    language = SiteProfile.for_site(site).default_language or settings.LANGUAGE_CODE
    made = []
    with translation.override(language):
        for spec in _defaults():
            survey = Survey.objects.filter(site=site, key=spec["key"]).first()
            if survey is not None:
                made.append(survey)
                continue
            survey = Survey(site=site, key=spec["key"], title=str(spec["title"]),
                            intro=str(spec["intro"]), audience=spec["audience"],
                            anonymous=spec["anonymous"])
            survey.save()
            for order, (kind, text, required, choices) in enumerate(spec["questions"]):
                Question.objects.create(
                    survey=survey, sort_order=order, kind=kind, text=str(text),
                    required=required, choices=str(choices),
                    scale_min=1 if kind == QuestionKind.MATRIX else 0,
                    scale_max=5 if kind == QuestionKind.MATRIX else 10,
                )
            made.append(survey)
    return made


# --- the citizen's data -------------------------------------------------------------------


def personal_data(user) -> dict:
    """Answers linked to ``user`` (only surveys that are not anonymous link them)."""
    responses = Response.objects.filter(citizen=user).select_related("survey", "addressee")
    return {"survey_answers": [
        {"survey": response.survey.title, "submitted_at": response.when.isoformat(),
         "addressee": response.addressee.title if response.addressee else "",
         "answers": [answer.text or (answer.option.label if answer.option else answer.number)
                     for answer in response.answers.select_related("option")]}
        for response in responses
    ]}


def anonymise_citizen(user) -> None:
    """Unlink the citizen from their answers; the answers and the figures stay."""
    Response.objects.filter(citizen=user).update(citizen=None)
