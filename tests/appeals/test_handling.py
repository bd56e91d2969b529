from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from addons.appeals import services
from addons.appeals.models import AppealEvent, AppealMessage, ReplyTemplate, Status
from addons.appeals.uploads import check_for_staff
from addons.core.deadlines import due
from addons.core.models import Notification

from .conftest import upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def appeal(file_one):
    return file_one()


def citizen_notes(citizen, event):
    return Notification.objects.filter(recipient=citizen, event=event)


def test_every_change_is_recorded_audited_and_told(appeal, moderator, citizen):
    services.start(appeal, moderator)
    services.extend(appeal, moderator, appeal.due_date + timedelta(days=3), "Site inspection")
    services.reply(appeal, moderator, "Repaired on Monday.")
    services.close(appeal, moderator)
    actions = list(appeal.events.values_list("action", flat=True))
    assert actions == ["filed", "started", "extended", "replied", "closed"]
    logged = set(ModelLogEntry.objects.filter(object_id=str(appeal.pk))
                 .values_list("action", flat=True))
    assert {"appeals.file", "appeals.start", "appeals.extend", "appeals.reply",
            "appeals.close"} <= logged
    assert citizen_notes(citizen, "appeals.status").count() == 3
    assert citizen_notes(citizen, "appeals.reply").count() == 1
    appeal.refresh_from_db()
    assert appeal.status == Status.CLOSED and appeal.closed_at and appeal.answered_at


def test_register_and_forward(site, file_one, department, department_moderator, moderator,
                              other_addressee, other_moderator, citizen, settings):
    from addons.appeals.models import AppealsSettings

    options = AppealsSettings.for_site(site)
    options.routing_mode = "department"
    options.save()
    appeal = file_one()
    assert appeal.status == Status.SUBMITTED
    assert appeal.forward_by == due(timezone.localdate(appeal.received_at), "forward", "ua")
    services.register(appeal, department_moderator)
    services.forward(appeal, department_moderator, other_addressee, "Parks are competent")
    appeal.refresh_from_db()
    assert appeal.status == Status.FORWARDED
    assert appeal.addressee_id == other_addressee.pk
    assert appeal.forwarded_from_id == department.pk
    note = citizen_notes(citizen, "appeals.status").order_by("-pk").first()
    assert "Parks department" in note.body and "Parks are competent" in note.body
    assert Notification.objects.filter(recipient=other_moderator,
                                       event="appeals.forwarded").exists()
    with pytest.raises(services.WrongStatus):
        services.register(appeal, department_moderator)


def test_extension_within_the_legal_maximum(appeal, moderator, citizen):
    limit = services.extension_limit(appeal)
    assert limit == due(timezone.localdate(appeal.received_at), "appeal-extended", "ua")
    services.extend(appeal, moderator, limit, "Expert opinion needed")
    appeal.refresh_from_db()
    assert appeal.due_date == appeal.extended_until == limit
    assert appeal.status == Status.EXTENDED
    note = citizen_notes(citizen, "appeals.status").order_by("-pk").first()
    assert "Expert opinion needed" in note.body


def test_extension_beyond_the_legal_maximum_is_refused(appeal, moderator):
    limit = services.extension_limit(appeal)
    with pytest.raises(services.ExtensionNotAllowed) as error:
        services.extend(appeal, moderator, limit + timedelta(days=1), "Too busy")
    assert limit.isoformat() in str(error.value.message)
    with pytest.raises(services.ExtensionNotAllowed):
        services.extend(appeal, moderator, appeal.due_date, "Not later")
    with pytest.raises(services.ExtensionNotAllowed):
        services.extend(appeal, moderator, limit, "  ")
    appeal.refresh_from_db()
    assert appeal.status == Status.REGISTERED and appeal.extended_until is None


def test_romanian_extension_limit(site, profile, file_one, moderator):
    profile.jurisdiction = "ro"
    profile.save()
    appeal = file_one()
    assert services.extension_limit(appeal) == due(
        timezone.localdate(appeal.received_at), "petition-extended", "ro")


def test_reply_with_template_and_files_reaches_email_and_cabinet(
    appeal, moderator, citizen, client, django_capture_on_commit_callbacks
):
    template = ReplyTemplate.objects.create(
        title="Done", text="Dear {applicant}, your appeal {reference} is resolved.")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        message = services.reply(appeal, moderator, template=template,
                                 files=check_for_staff([upload("answer.pdf")]))
    assert message.text == f"Dear Olena Citizen, your appeal {appeal.reference} is resolved."
    assert message.attachments.get().original_name == "answer.pdf"
    assert [m.to for m in mail.outbox] == [[citizen.email]]
    assert message.text in mail.outbox[0].body
    client.force_login(citizen)
    page = client.get(reverse("appeals:detail", args=[appeal.pk])).content.decode()
    assert message.text in page and "answer.pdf" in page
    assert client.get(message.attachments.get().get_absolute_url()).status_code == 200


def test_reply_or_comment_on_a_closed_appeal_is_refused(appeal, moderator, citizen, client):
    services.close(appeal, moderator)
    with pytest.raises(services.AppealClosed):
        services.reply(appeal, moderator, "Late answer")
    with pytest.raises(services.AppealClosed):
        services.comment(appeal, citizen, "One more thing")
    client.force_login(citizen)
    response = client.post(reverse("appeals:comment", args=[appeal.pk]), {"text": "More"})
    assert response.status_code == 400
    assert "closed" in response.content.decode()
    assert appeal.messages.count() == 0


def test_only_staff_of_the_appeal_handle_it(appeal, other_moderator, citizen):
    for action in (lambda user: services.reply(appeal, user, "x"),
                   lambda user: services.start(appeal, user),
                   lambda user: services.close(appeal, user)):
        for user in (other_moderator, citizen):
            with pytest.raises(PermissionDenied):
                action(user)


def test_citizen_comments_and_the_conversation_continues(appeal, moderator, citizen, client):
    services.reply(appeal, moderator, "We will look.")
    client.force_login(citizen)
    response = client.post(reverse("appeals:comment", args=[appeal.pk]), {
        "text": "Still not repaired.", "attachments": [upload("photo.pdf")]})
    assert response.status_code == 302
    comment = appeal.messages.get(kind=AppealMessage.Kind.COMMENT)
    assert comment.attachments.count() == 1
    assert Notification.objects.filter(recipient=moderator, event="appeals.comment").exists()
    services.reply(appeal, moderator, "Now repaired.")
    assert appeal.messages.count() == 3


def test_citizen_cannot_comment_on_anothers_appeal(appeal, other_citizen, moderator):
    with pytest.raises(PermissionDenied):
        services.comment(appeal, other_citizen, "Hello")
    with pytest.raises(PermissionDenied):
        services.comment(appeal, moderator, "Staff do not comment, they reply or note")


def test_citizen_resolves_and_rates(appeal, moderator, citizen, client):
    client.force_login(citizen)
    response = client.post(reverse("appeals:rate", args=[appeal.pk]), {"rating": "5"})
    assert response.status_code == 302  # refused with a message: not answered yet
    appeal.refresh_from_db()
    assert appeal.rating is None
    services.reply(appeal, moderator, "Done.")
    client.post(reverse("appeals:rate", args=[appeal.pk]), {"rating": "4"})
    client.post(reverse("appeals:resolve", args=[appeal.pk]))
    appeal.refresh_from_db()
    assert appeal.rating == 4
    assert appeal.status == Status.CLOSED and appeal.resolved_by_citizen_at
    assert appeal.events.filter(action=AppealEvent.Action.RESOLVED).exists()
    with pytest.raises(services.AppealError):
        services.rate(appeal, citizen, 9)


def test_return_and_leave_without_consideration(file_one, moderator, citizen):
    first, second = file_one(), file_one(text="Other")
    services.return_incomplete(first, moderator, "No address given")
    services.leave_without_consideration(second, moderator, "Repeated appeal")
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Status.RETURNED and second.status == Status.LEFT_WITHOUT_CONSIDERATION
    assert citizen_notes(citizen, "appeals.status").filter(body__contains="No address given")
    with pytest.raises(services.AppealError):
        services.return_incomplete(file_one(), moderator, "")


def test_cabinet_lists_my_appeals(client, appeal, citizen, other_citizen):
    client.force_login(citizen)
    page = client.get(reverse("accounts:cabinet")).content.decode()
    assert "My appeals" in page and appeal.reference in page
    assert client.get(reverse("appeals:mine")).status_code == 200
    client.force_login(other_citizen)
    assert appeal.reference not in client.get(reverse("accounts:cabinet")).content.decode()


def test_detail_page_query_count_is_constant(client, appeal, moderator, citizen,
                                             django_assert_max_num_queries):
    for number in range(5):
        services.reply(appeal, moderator, f"Reply {number}",
                       files=check_for_staff([upload(f"a{number}.pdf")]))
    client.force_login(citizen)
    with django_assert_max_num_queries(25):
        assert client.get(reverse("appeals:detail", args=[appeal.pk])).status_code == 200


def test_default_forms_are_created_once(site, profile):
    from addons.appeals.models import AppealForm

    services.create_default_forms(site)
    services.create_default_forms(site)
    assert sorted(AppealForm.objects.values_list("key", "kind", "procedure")) == [
        ("individual", "individual", "appeal"), ("legal-entity", "legal_entity", "appeal"),
        ("public-information", "individual", "info_request")]
    assert not AppealForm.objects.get(key="public-information").requires_login


def test_personal_data_and_anonymise(appeal, citizen, moderator):
    services.reply(appeal, moderator, "Answer")
    services.add_note(appeal, moderator, "secret note")
    data = services.personal_data(citizen)
    assert data["appeals"][0]["reference"] == appeal.reference
    assert [m["text"] for m in data["appeals"][0]["messages"]] == ["Answer"]
    services.anonymise_author(citizen)
    appeal.refresh_from_db()
    assert appeal.author is None and appeal.anonymised_at
    assert appeal.applicant_name == "—" and not appeal.applicant_email
    assert appeal.text  # the substance is kept, as the law requires
    assert services.personal_data(citizen) == {"appeals": []}


def test_bulgarian_extension_is_not_possible(site, profile, file_one, moderator):
    profile.jurisdiction = "bg"
    profile.save()
    appeal = file_one()
    with pytest.raises(services.ExtensionNotAllowed):
        services.extend(appeal, moderator, appeal.due_date + timedelta(days=1), "More time")
    assert isinstance(services.extension_limit(appeal), date)
