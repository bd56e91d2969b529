import pytest
from django.conf import settings
from django.urls import reverse
from wagtail.models import ModelLogEntry

from addons.appeals import services
from addons.appeals.models import Appeal, AppealEvent
from addons.appeals.permissions import can_view
from addons.appeals.uploads import check_for_form

from .conftest import PDF, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def appeal(site, appeal_form, addressee, citizen):
    return _with_file(site, appeal_form, addressee, citizen)


def _with_file(site, appeal_form, addressee, citizen):
    from .conftest import DATA

    appeal, _ = services.file_appeal(
        site=site, form=appeal_form, addressee=addressee, author=citizen, data=DATA,
        files=check_for_form([upload("secret.pdf")], appeal_form),
    )
    return appeal


def urls(appeal):
    item = appeal.attachments.get()
    return reverse("appeals:detail", args=[appeal.pk]), item.get_absolute_url()


ALLOWED = ["citizen", "moderator", "department_moderator", "superuser"]
DENIED = ["other_citizen", "other_moderator"]


@pytest.mark.parametrize("who", ALLOWED)
def test_allowed_people_see_appeal_and_file(client, request, appeal, department, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    page, file_url = urls(appeal)
    assert client.get(page).status_code == 200
    response = client.get(file_url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="secret.pdf"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert Appeal.objects.visible_to(user).filter(pk=appeal.pk).exists()
    assert can_view(user, appeal)


@pytest.mark.parametrize("who", DENIED)
def test_others_guessing_urls_get_404(client, request, appeal, department, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    page, file_url = urls(appeal)
    assert client.get(page).status_code == 404
    assert client.get(file_url).status_code == 404
    assert client.post(reverse("appeals:comment", args=[appeal.pk]),
                       {"text": "let me in"}).status_code == 404
    assert client.post(reverse("appeals:resolve", args=[appeal.pk])).status_code == 404
    assert not Appeal.objects.visible_to(user).exists()
    assert not can_view(user, appeal)
    assert appeal.messages.count() == 0


def test_anonymous_sees_nothing(client, appeal):
    page, file_url = urls(appeal)
    response = client.get(page)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert client.get(file_url).status_code == 404
    from django.contrib.auth.models import AnonymousUser

    assert not Appeal.objects.visible_to(AnonymousUser()).exists()


def test_attachment_of_another_appeal_cannot_be_reached_through_mine(client, appeal, citizen,
                                                                     other_citizen, site,
                                                                     appeal_form, addressee):
    mine = _with_file(site, appeal_form, addressee, other_citizen)
    client.force_login(other_citizen)
    theirs = appeal.attachments.get()
    url = reverse("appeals:attachment", args=[mine.pk, theirs.pk])
    assert client.get(url).status_code == 404


def test_files_are_private_with_system_names(client, appeal):
    item = appeal.attachments.get()
    assert "secret" not in item.file.name
    assert item.file.name.endswith(".pdf")
    assert not item.file.path.startswith(str(settings.MEDIA_ROOT))
    assert client.get(f"{settings.MEDIA_URL}{item.file.name}").status_code == 404


def test_staff_views_are_audited(client, appeal, moderator, citizen):
    client.force_login(citizen)
    client.get(reverse("appeals:detail", args=[appeal.pk]))
    assert not appeal.events.filter(action=AppealEvent.Action.VIEWED).exists()
    client.force_login(moderator)
    client.get(reverse("appeals:detail", args=[appeal.pk]))
    event = appeal.events.get(action=AppealEvent.Action.VIEWED)
    assert event.actor == moderator
    entry = ModelLogEntry.objects.get(action="appeals.view", object_id=str(appeal.pk))
    assert entry.user_id == moderator.pk
    assert entry.label == appeal.reference  # the audit log does not copy the subject


def test_notes_and_staff_views_are_hidden_from_the_citizen(client, appeal, moderator, citizen):
    services.add_note(appeal, moderator, "Internal: call the contractor")
    services.record_view(appeal, moderator)
    client.force_login(citizen)
    text = client.get(reverse("appeals:detail", args=[appeal.pk])).content.decode()
    assert "call the contractor" not in text
    assert "Viewed by staff" not in text
    client.force_login(moderator)
    text = client.get(reverse("appeals:detail", args=[appeal.pk])).content.decode()
    assert "call the contractor" in text


def test_handled_by_excludes_own_citizen_appeals(appeal, moderator, citizen, department,
                                                 department_moderator, other_moderator):
    assert list(Appeal.objects.handled_by(moderator)) == [appeal]
    assert list(Appeal.objects.handled_by(department_moderator)) == [appeal]
    assert not Appeal.objects.handled_by(citizen).exists()
    assert not Appeal.objects.handled_by(other_moderator).exists()


def test_forwarding_moves_visibility(appeal, moderator, other_moderator, other_addressee):
    services.forward(appeal, moderator, other_addressee, "Parks are competent")
    moderator.__dict__.pop("_civicdesk_moderated_addressee_ids", None)
    assert can_view(other_moderator, appeal)
    assert not Appeal.objects.visible_to(moderator).exists()


def test_permission_policy_matches(appeal, moderator, other_moderator, superuser):
    from addons.appeals.permissions import AppealPermissionPolicy

    policy = AppealPermissionPolicy(Appeal)
    assert policy.user_has_permission_for_instance(moderator, "view", appeal)
    assert not policy.user_has_permission_for_instance(other_moderator, "view", appeal)
    assert list(policy.instances_user_has_any_permission_for(moderator, ["view"])) == [appeal]
    assert not policy.instances_user_has_any_permission_for(other_moderator, ["view"]).exists()
    assert policy.instances_user_has_any_permission_for(superuser, ["view"]).count() == 1
