"""The ``survey_answer`` events of the answers given already (as ``services.submit`` writes
them, see ``addons/surveys/events.py``): one per answer counted publicly, with its score
and, for an anonymous survey, only its day. An answer that has its event is left alone, so
running it again adds nothing; going back deletes the answers' events."""

from django.db import migrations

from addons.core import events

RECORD_TYPE = "surveys.response"
CHUNK = 1000
BATCH = 2000


def build(apps, schema_editor):
    from addons.surveys.events import CHANNEL, day_start, mean_score, rating_range

    Survey = apps.get_model("surveys", "Survey")
    Question = apps.get_model("surveys", "Question")
    Response = apps.get_model("surveys", "Response")
    Answer = apps.get_model("surveys", "Answer")
    ServiceEvent = apps.get_model("core", "ServiceEvent")
    Page = apps.get_model("wagtailcore", "Page")

    surveys = {pk: (site_id, anonymous) for pk, site_id, anonymous
               in Survey.objects.values_list("pk", "site_id", "anonymous")}
    spans = {}
    for pk, kind, low, high in Question.objects.values_list("pk", "kind", "scale_min",
                                                            "scale_max"):
        span = rating_range(kind, low, high)
        if span is not None:
            spans[pk] = span
    paths = {}
    pending = []
    responses = (Response.objects.filter(suspicious=False).order_by("pk")
                 .only("pk", "survey_id", "addressee_id", "submitted_on", "submitted_at")
                 .iterator(chunk_size=CHUNK))
    for chunk in events.chunks(responses, CHUNK):
        ids = [response.pk for response in chunk]
        done = set(ServiceEvent.objects.filter(record_type=RECORD_TYPE, record_id__in=ids)
                   .values_list("record_id", flat=True))
        chunk = [response for response in chunk if response.pk not in done]
        if not chunk:
            continue
        numbers = {}
        for response_id, question_id, number in Answer.objects.filter(
                response_id__in=[response.pk for response in chunk],
                question_id__in=list(spans), number__isnull=False,
        ).values_list("response_id", "question_id", "number").iterator(chunk_size=BATCH):
            numbers.setdefault(response_id, {}).setdefault(question_id, []).append(number)
        wanted = {response.addressee_id for response in chunk} - set(paths) - {None}
        if wanted:
            paths.update(Page.objects.filter(pk__in=wanted).values_list("pk", "path"))
        for response in chunk:
            site_id, anonymous = surveys[response.survey_id]
            given = numbers.get(response.pk, {})
            value = mean_score((*spans[question], values) for question, values in given.items())
            at = (day_start(response.submitted_on) if anonymous or not response.submitted_at
                  else response.submitted_at)
            pending.append(ServiceEvent(**events.row(
                RECORD_TYPE, response.pk, events.ANSWERED_SURVEY, site=site_id, at=at,
                addressee=response.addressee_id,
                addressee_path=paths.get(response.addressee_id, ""),
                reference=str(response.pk), category=str(response.survey_id),
                channel=CHANNEL, public=True, value=value)))
        if len(pending) >= BATCH:
            ServiceEvent.objects.bulk_create(pending, batch_size=BATCH)
            pending = []
    if pending:
        ServiceEvent.objects.bulk_create(pending, batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0014_service_events"),
        ("surveys", "0006_answers_desk"),
    ]

    operations = [migrations.RunPython(build, events.removal(RECORD_TYPE))]
