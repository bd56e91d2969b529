"""The staff side in the Wagtail admin, on the casework desk: list, filters, the former
inbox, the appeal's page, actions, bulk forwarding, and what a moderator may not see."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from addons.appeals import services
from addons.appeals.models import AppealEvent, AppealMessage, ReplyTemplate, Status

from .conftest import PDF, upload

pytestmark = pytest.mark.django_db

LIST = reverse("casework_appeals:index")
INBOX = reverse("appeals_admin:inbox")
BULK_FORWARD = reverse("wagtail_bulk_action",
                       args=["appeals", "appeal", "casework-forward"])


def detail(appeal):
    return reverse("casework_appeals:inspect", args=[appeal.pk])


def action(appeal, name):
    return reverse("casework_appeals:action", args=[appeal.pk, name])


def post(client, appeal, name, data=None, **kwargs):
    """Send the desk's form of action ``name`` as a browser does, with the lock version."""
    return client.post(action(appeal, name), locked(appeal, data), **kwargs)


def locked(appeal, data=None):
    """``data`` with the appeal's current lock version, as the desk's form sends it."""
    from addons.appeals.models import Appeal

    # "confirm": the box a dangerous action (close, return, refuse, leave) asks to tick
    return {"confirm": "on", **(data or {}),
            "lock_version": Appeal.objects.get(pk=appeal.pk).lock_version}


@pytest.fixture
def appeal(file_one):
    return file_one()


@pytest.fixture
def parks_appeal(file_one, other_addressee, appeal_form):
    from addons.appeals.models import AppealFormPlacement

    AppealFormPlacement.objects.create(page=other_addressee, form=appeal_form)
    return file_one(to=other_addressee, subject="Broken bench in the park")


def test_menu_shows_appeals_to_moderators_only(client, moderator, citizen):
    client.force_login(moderator)
    response = client.get(reverse("wagtailadmin_home"))
    assert response.status_code == 200
    assert reverse("appeals_admin:inbox").encode() in response.content
    assert LIST.encode() in response.content
    client.force_login(citizen)
    assert client.get(LIST).status_code in (302, 403)


def test_list_is_scoped_to_the_moderators_addressees(client, moderator, appeal, parks_appeal):
    client.force_login(moderator)
    response = client.get(LIST)
    assert response.status_code == 200
    assert appeal.reference.encode() in response.content
    assert parks_appeal.reference.encode() not in response.content
    # Asking for the other addressee by filter reveals nothing either.
    response = client.get(LIST, {"addressee": parks_appeal.addressee_id})
    assert parks_appeal.reference.encode() not in response.content


def test_moderator_cannot_open_another_addressees_appeal(client, other_moderator, appeal):
    client.force_login(other_moderator)
    assert client.get(detail(appeal)).status_code == 404
    response = post(client, appeal, "reply", {"text": "Not mine"})
    assert response.status_code == 404
    assert not AppealMessage.objects.filter(appeal=appeal).exists()
    assert not appeal.events.filter(action=AppealEvent.Action.VIEWED).exists()


def test_staff_without_any_addressee_is_refused(client, make_user, appeal):
    from django.contrib.auth.models import Permission

    clerk = make_user("clerk", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(clerk)
    # Wagtail answers a PermissionDenied in the admin with a redirect to its home page.
    for url in (LIST, LIST + "?export=csv"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get(detail(appeal)).status_code in (302, 404)
    assert not appeal.events.filter(action=AppealEvent.Action.VIEWED).exists()


def test_superuser_and_department_see_everything(client, superuser, department_moderator,
                                                 appeal, parks_appeal):
    for user in (superuser, department_moderator):
        client.force_login(user)
        content = client.get(LIST).content
        assert appeal.reference.encode() in content
        assert parks_appeal.reference.encode() in content


def test_search_and_filters(client, superuser, file_one, other_addressee, appeal_form):
    from addons.appeals.models import Appeal, AppealFormPlacement

    AppealFormPlacement.objects.create(page=other_addressee, form=appeal_form)
    pothole = file_one()
    bench = file_one(to=other_addressee, subject="Broken bench", applicant_name="Ivan Petrenko",
                     priority="veteran")
    late = file_one(subject="Street light")
    Appeal.objects.filter(pk=late.pk).update(due_date=timezone.localdate() - timedelta(days=2))
    soon = file_one(subject="Snow removal")
    Appeal.objects.filter(pk=soon.pk).update(due_date=timezone.localdate() + timedelta(days=2))
    services.close(pothole, superuser)
    client.force_login(superuser)

    def found(**params):
        content = client.get(LIST, params).content.decode()
        return {item.reference for item in (pothole, bench, late, soon)
                if item.reference in content}

    assert found(q="petrenko") == {bench.reference}
    assert found(q=bench.reference) == {bench.reference}
    assert found(q="bench") == {bench.reference}
    assert found(status="closed") == {pothole.reference}
    assert found(status="registered") == {bench.reference, late.reference, soon.reference}
    assert found(addressee=other_addressee.pk) == {bench.reference}
    assert found(priority="veteran") == {bench.reference}
    assert found(work="overdue") == {late.reference}
    assert found(work="due_soon") == {soon.reference}
    assert found(kind="legal_entity") == set()
    today = timezone.localdate()
    assert len(found(received_at_from=today.isoformat(),
                     received_at_to=today.isoformat())) == 4
    assert found(received_at_from=(today + timedelta(days=1)).isoformat()) == set()
    # A reversed period finds nothing; it is not a crash.
    response = client.get(LIST, {"received_at_from": today.isoformat(),
                                 "received_at_to": (today - timedelta(days=3)).isoformat()})
    assert response.status_code == 200
    assert found(received_at_from=today.isoformat(),
                 received_at_to=(today - timedelta(days=3)).isoformat()) == set()


def test_inbox_lists_open_appeals_due_soonest_first(client, moderator, file_one, superuser):
    """The former inbox leads to the desk's open appeals of the user, due soonest first."""
    from addons.appeals.models import Appeal

    later = file_one(subject="Later one")
    sooner = file_one(subject="Sooner one")
    done = file_one(subject="Closed one")
    Appeal.objects.filter(pk=sooner.pk).update(due_date=timezone.localdate())
    Appeal.objects.update(assignee=moderator)
    services.close(done, superuser)
    client.force_login(moderator)
    response = client.get(INBOX, follow=True)
    assert response.redirect_chain[-1][0].startswith(LIST + "?work=mine")
    content = response.content.decode()
    assert done.reference not in content
    assert content.index(sooner.reference) < content.index(later.reference)


def test_viewing_an_appeal_is_audited(client, moderator, appeal):
    client.force_login(moderator)
    response = client.get(detail(appeal))
    assert response.status_code == 200
    assert appeal.subject.encode() in response.content
    assert appeal.events.filter(action=AppealEvent.Action.VIEWED, actor=moderator).exists()
    assert ModelLogEntry.objects.filter(object_id=str(appeal.pk), action="appeals.view",
                                        user=moderator).exists()


def test_attachments_link_to_the_protected_download(client, moderator, site, appeal_form,
                                                    addressee, citizen):
    from addons.appeals.uploads import check_for_form

    from .conftest import DATA

    appeal, _created = services.file_appeal(
        site=site, form=appeal_form, addressee=addressee, author=citizen, data=DATA,
        files=check_for_form([upload("plan.pdf")], appeal_form),
    )
    item = appeal.attachments.get()
    client.force_login(moderator)
    content = client.get(detail(appeal)).content.decode()
    assert item.get_absolute_url() in content and "plan.pdf" in content
    response = client.get(item.get_absolute_url())
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")


def test_reply_with_text_and_file(client, moderator, appeal, citizen):
    client.force_login(moderator)
    response = post(client, appeal, "reply", {
        "text": "The pothole is repaired.",
        "files": [upload("answer.pdf", PDF)],
    })
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == Status.ANSWERED
    message = appeal.messages.get(kind=AppealMessage.Kind.REPLY)
    assert message.text == "The pothole is repaired."
    assert message.attachments.get().original_name == "answer.pdf"


def test_reply_from_a_template(client, moderator, appeal, addressee):
    template = ReplyTemplate.objects.create(
        title="Repaired", text="Dear {applicant}, your appeal {reference} is settled.",
        addressee=addressee,
    )
    client.force_login(moderator)
    # The reply's screen offers the addressee's templates; left empty, the text is the
    # template's, filled in.
    response = client.get(action(appeal, "reply"))
    assert b"Repaired" in response.content
    response = post(client, appeal, "reply", {"template": template.pk})
    assert response.status_code == 302
    message = appeal.messages.get(kind=AppealMessage.Kind.REPLY)
    assert message.text == f"Dear Olena Citizen, your appeal {appeal.reference} is settled."


def test_reply_with_a_forbidden_file_keeps_the_text(client, moderator, appeal):
    client.force_login(moderator)
    response = post(client, appeal, "reply", {
        "text": "Answer with a bad file",
        "files": [upload("virus.exe", b"MZ\x90\x00", "application/octet-stream")],
    })
    assert response.status_code == 200
    assert b"this type of file is not accepted" in response.content
    assert b"Answer with a bad file" in response.content
    assert not appeal.messages.exists()


def test_reply_to_a_closed_appeal_is_refused_and_the_text_kept(client, moderator, appeal):
    services.close(appeal, moderator)
    client.force_login(moderator)
    response = post(client, appeal, "reply", {"text": "A late answer I typed"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "This action is not available for this record now." in content
    assert "A late answer I typed" in content
    assert not appeal.messages.filter(kind=AppealMessage.Kind.REPLY).exists()


def test_extension_beyond_the_legal_maximum_is_refused(client, moderator, appeal):
    limit = services.extension_limit(appeal)
    client.force_login(moderator)
    response = post(client, appeal, "extend", {
        "until": (limit + timedelta(days=1)).isoformat(),
        "reason": "Waiting for the expert opinion",
    })
    assert response.status_code == 200
    content = response.content.decode()
    assert f"extending this appeal&#x27;s term to {limit.isoformat()} at the latest" in content
    assert "Waiting for the expert opinion" in content
    assert (limit + timedelta(days=1)).isoformat() in content
    appeal.refresh_from_db()
    assert appeal.status == Status.REGISTERED and appeal.extended_until is None


def test_extension_within_the_maximum(client, moderator, appeal):
    limit = services.extension_limit(appeal)
    client.force_login(moderator)
    response = post(client, appeal, "extend", {
        "until": limit.isoformat(), "reason": "Expert opinion",
    })
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.due_date == limit and appeal.status == Status.EXTENDED


def test_extension_without_a_date_is_a_form_error(client, moderator, appeal):
    client.force_login(moderator)
    response = post(client, appeal, "extend", {"reason": "Because"})
    assert response.status_code == 200
    assert b"This field is required." in response.content
    assert b"Because" in response.content


@pytest.mark.parametrize("name,data,status", [
    ("start", {}, Status.IN_PROGRESS),
    ("close", {}, Status.CLOSED),
    ("return", {"reason": "No address given"}, Status.RETURNED),
    ("leave", {"reason": "Anonymous"}, Status.LEFT_WITHOUT_CONSIDERATION),
])
def test_status_actions(client, moderator, appeal, name, data, status):
    client.force_login(moderator)
    response = post(client, appeal, name, data)
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == status


def test_return_without_a_reason_keeps_the_page(client, moderator, appeal):
    client.force_login(moderator)
    response = post(client, appeal, "return", {"reason": "  "})
    assert response.status_code == 200
    appeal.refresh_from_db()
    assert appeal.status == Status.REGISTERED


def test_internal_note_stays_internal(client, moderator, appeal, citizen):
    client.force_login(moderator)
    response = post(client, appeal, "note", {"text": "Call the road crew"})
    assert response.status_code == 302
    assert b"Call the road crew" in client.get(detail(appeal)).content
    client.force_login(citizen)
    content = client.get(reverse("appeals:detail", args=[appeal.pk])).content
    assert b"Call the road crew" not in content


def test_register_and_forward(client, site, file_one, department, department_moderator,
                              other_addressee, citizen):
    from addons.appeals.models import AppealsSettings

    options = AppealsSettings.for_site(site)
    options.routing_mode = "department"
    options.save()
    appeal = file_one()
    assert appeal.status == Status.SUBMITTED
    client.force_login(department_moderator)
    assert post(client, appeal, "register", {}).status_code == 302
    response = post(client, appeal, "forward", {
        "to_addressee": other_addressee.pk, "reason": "Parks are competent",
    })
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == Status.FORWARDED and appeal.addressee_id == other_addressee.pk


def test_register_twice_shows_the_services_message(client, superuser, appeal):
    client.force_login(superuser)
    response = post(client, appeal, "register", {})
    assert response.status_code == 200
    assert b"This action is not available for this record now." in response.content
    # the rule itself is the service's
    from django.core.exceptions import ValidationError
    from django.utils import translation

    with translation.override("en"), pytest.raises(ValidationError, match="This cannot be"):
        services.register(appeal, superuser)


def test_unknown_action_and_get_are_refused(client, moderator, appeal):
    client.force_login(moderator)
    assert post(client, appeal, "delete", {}).status_code == 404
    assert client.get(action(appeal, "delete")).status_code == 404
    # a GET shows the action's form and changes nothing
    assert client.get(action(appeal, "close")).status_code == 200
    appeal.refresh_from_db()
    assert appeal.status == Status.REGISTERED


def bulk_forward(client, appeals, data, next_url=None):
    query = "&".join(f"id={item.pk}" for item in appeals)
    if next_url:
        from urllib.parse import quote

        query += f"&next={quote(next_url)}"
    return client.post(f"{BULK_FORWARD}?{query}", data)


def test_bulk_forward(client, superuser, file_one, other_addressee, department):
    first, second = file_one(), file_one(subject="Another")
    closed = file_one(subject="Done")
    services.close(closed, superuser)
    client.force_login(superuser)
    response = bulk_forward(client, [first, second, closed],
                            {"to_addressee": other_addressee.pk, "reason": "Parks"},
                            next_url=LIST + "?status=registered")
    assert response.status_code == 302
    assert response["Location"] == LIST + "?status=registered"
    for item in (first, second):
        item.refresh_from_db()
        assert item.addressee_id == other_addressee.pk and item.status == Status.FORWARDED
    closed.refresh_from_db()
    assert closed.status == Status.CLOSED
    shown = [str(message) for message in response.wsgi_request._messages]
    assert any("2 done" in text and "1 skipped" in text for text in shown), shown


def test_bulk_forward_cannot_touch_other_addressees(client, moderator, appeal, parks_appeal,
                                                    department):
    client.force_login(moderator)
    response = bulk_forward(client, [parks_appeal], {"to_addressee": department.pk})
    assert response.status_code == 302
    parks_appeal.refresh_from_db()
    assert parks_appeal.addressee_id != department.pk
    assert parks_appeal.status == Status.REGISTERED


def test_bulk_forward_needs_an_addressee(client, moderator, appeal, other_addressee):
    client.force_login(moderator)
    response = bulk_forward(client, [appeal], {"reason": "Somebody else's"})
    assert response.status_code == 200
    assert b"Choose the addressee to forward to." in response.content
    assert b"Somebody else&#x27;s" in response.content
    appeal.refresh_from_db()
    assert appeal.status == Status.REGISTERED


def test_reply_templates_of_another_town_are_not_offered(client, moderator, appeal, addressee,
                                                         site):
    from tests.conftest import add_town

    town2 = add_town("town2.example")
    own = ReplyTemplate.objects.create(title="Ours, general", text="Ours.", site=site)
    shared = ReplyTemplate.objects.create(title="Installation-wide", text="Everyone's.")
    foreign = ReplyTemplate.objects.create(title="Town 2 only", text="Theirs.", site=town2)
    client.force_login(moderator)
    response = client.get(action(appeal, "reply"))
    assert own.title.encode() in response.content
    assert shared.title.encode() in response.content
    assert foreign.title.encode() not in response.content
    # ...and a posted id of the other town's template is refused, not used
    response = post(client, appeal, "reply", {"template": foreign.pk})
    assert not appeal.messages.filter(kind=AppealMessage.Kind.REPLY, text="Theirs.").exists()


def test_a_reply_template_takes_its_addressees_town(addressee, site):
    from django.core.exceptions import ValidationError

    from tests.conftest import add_town

    template = ReplyTemplate(title="Roads", text="Fixed.", addressee=addressee)
    template.full_clean()
    assert template.site_id == site.pk
    town2 = add_town("town2.example")
    template.site = town2
    with pytest.raises(ValidationError):
        template.full_clean()
