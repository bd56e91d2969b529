"""Internal notes: staff write to each other on any record; a citizen never sees a note.

Per surface a note with a unique marker is written on an appeal, a problem report and a
feedback message, and every place a citizen can look is searched for the marker: the
record's public page, the cabinet, the citizen's e-mails and in-app notifications, Open311,
the REST API and the personal data download."""

from __future__ import annotations

import datetime
import json
import uuid

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from addons.addressees.models import AddresseeCatalogPage, AddresseePage, FeedbackMessage
from addons.core.casework.models import InternalNote, NoteAttachment, StaffAbsence
from addons.core.casework.notes import add_note, mentioned_names, notes_url, panel_context
from addons.core.geo import Point
from addons.core.models import Notification, SiteProfile

from ..conftest import add_town

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
CENTRE = Point(49.2350, 31.6230)
BBOX_URL = (f"/api/v1/reports.geojson?bbox={CENTRE.lng - 1},{CENTRE.lat - 1},"
            f"{CENTRE.lng + 1},{CENTRE.lat + 1}&zoom=16")


@pytest.fixture(autouse=True)
def _setup(private_storage, client, settings):
    client.cookies["civicdesk_language"] = "en"
    settings.RATELIMIT_ENABLE = False
    return private_storage


@pytest.fixture
def profile(site):
    profile = SiteProfile.for_site(site)
    profile.jurisdiction = "ua"
    profile.default_language = "en"
    profile.map_center = str(CENTRE)
    profile.save()
    return profile


@pytest.fixture
def catalog(home, profile):
    return home.add_child(instance=AddresseeCatalogPage(title="Addressees", slug="addressees"))


@pytest.fixture
def roads(catalog):
    return catalog.add_child(instance=AddresseePage(title="Roads department", slug="roads"))


@pytest.fixture
def parks(catalog):
    return catalog.add_child(instance=AddresseePage(title="Parks department", slug="parks"))


@pytest.fixture
def make_user(django_user_model):
    def make(name, *, moderates=(), **extra):
        extra.setdefault("full_name", name.title() + " Person")
        extra.setdefault("language", "en")
        user = django_user_model.objects.create_user(
            username=name, email=f"{name}@example.org", password="x", **extra)
        for page in moderates:
            page.refresh_from_db()
            user.groups.add(page.moderators)
        return user

    return make


@pytest.fixture
def citizen(make_user):
    return make_user("olena", postal_address="1 Main Street, Kyiv")


@pytest.fixture
def clerk(make_user, roads):
    return make_user("clerk", moderates=[roads], is_staff=True)


@pytest.fixture
def engineer(make_user, roads):
    return make_user("engineer", moderates=[roads], is_staff=True)


@pytest.fixture
def gardener(make_user, parks):
    return make_user("gardener", moderates=[parks], is_staff=True)


@pytest.fixture
def appeal(site, roads, citizen):
    from addons.appeals.models import AppealForm, AppealFormPlacement
    from addons.appeals.services import file_appeal

    form = AppealForm.objects.create(site=site, title="Appeal from an individual")
    AppealFormPlacement.objects.create(page=roads, form=form)
    appeal, _created = file_appeal(site=site, form=form, addressee=roads, author=citizen, data={
        "applicant_name": "Olena Citizen", "applicant_address": "1 Main Street, Kyiv",
        "applicant_email": "olena@example.org", "appeal_type": "complaint",
        "subject": "Pothole on Main Street",
        "text": "There is a deep pothole in front of house 1. Please repair it.",
    })
    return appeal


@pytest.fixture
def report(site, profile, roads, catalog, citizen):
    from addons.reports.models import ReportCategory, ReportsSettings
    from addons.reports.services import create_defaults, submit_report

    options = ReportsSettings.for_site(site)
    options.min_lat, options.max_lat = CENTRE.lat - 0.1, CENTRE.lat + 0.1
    options.min_lng, options.max_lng = CENTRE.lng - 0.15, CENTRE.lng + 0.15
    options.category_map = {"roads.": "roads"}
    options.default_addressee = roads
    options.save()
    create_defaults(site)
    category = ReportCategory.objects.get(site=site, code="roads.pothole")
    return submit_report(site=site, category=category, point=CENTRE,
                         description="Deep pothole in front of house 15.", reporter=citizen)


@pytest.fixture
def feedback(roads, citizen):
    return FeedbackMessage.objects.create(addressee=roads, name="Olena", email=citizen.email,
                                          message="The road sign fell down.", author=citizen)


def marker() -> str:
    return f"SECRET-{uuid.uuid4().hex}"


def pdf(name="plan.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


# --- what a citizen can see ---------------------------------------------------------------


def citizen_mail_and_inbox(citizen) -> str:
    emails = [message for message in mail.outbox if citizen.email in message.to]
    texts = [f"{m.subject}\n{m.body}\n" + "".join(str(a[0]) for a in m.alternatives)
             for m in emails]
    texts += [f"{row.subject}\n{row.body}\n{json.dumps(row.context)}"
              for row in Notification.objects.filter(recipient=citizen)]
    return "\n".join(texts)


def citizen_pages(client, citizen, urls) -> dict[str, str]:
    client.force_login(citizen)
    pages = {}
    for url in ["/accounts/cabinet/", "/accounts/cabinet/data/", *urls]:
        response = client.get(url)
        assert response.status_code == 200, url
        pages[url] = response.content.decode()
    return pages


def assert_nowhere(marker_text, pages: dict[str, str], mail_text: str):
    for url, text in pages.items():
        assert marker_text not in text, f"the internal note shows on {url}"
    assert marker_text not in mail_text, "the internal note reached the citizen's mail"


@pytest.fixture(autouse=True)
def _after_commit(django_capture_on_commit_callbacks):
    """Notifications are delivered once the transaction commits: run those callbacks."""
    global _capture
    _capture = django_capture_on_commit_callbacks


_capture = None


def write_note(record, author, *, mention=None, files=()):
    secret = marker()
    body = f"Between us: {secret}" + (f" — @{mention.username}, please check." if mention else "")
    with _capture(execute=True):
        note = add_note(record, author, body, files)
    return note, secret


def test_a_note_on_an_appeal_never_reaches_its_author(client, appeal, citizen, clerk, engineer):
    note, secret = write_note(appeal, clerk, mention=engineer, files=[pdf()])
    from addons.appeals.services import reply

    with _capture(execute=True):  # the citizen gets mail after the note was written
        reply(appeal, clerk, "The pothole will be repaired this week.")
    pages = citizen_pages(client, citizen, [
        appeal.get_absolute_url(), "/appeals/", "/api/v1/appeals/",
        f"/api/v1/appeals/{appeal.pk}/",
    ])
    assert appeal.subject in pages[appeal.get_absolute_url()]
    assert appeal.subject in pages["/accounts/cabinet/data/"]
    assert_nowhere(secret, pages, citizen_mail_and_inbox(citizen))
    assert any(citizen.email in m.to for m in mail.outbox)
    # the note's file is not served to the citizen either
    attachment = note.attachments.get()
    response = client.get(reverse("casework_note_attachment", args=[attachment.pk]))
    assert response.status_code in (302, 404)
    # staff do see it (the test would pass with a note that was never written otherwise)
    client.force_login(clerk)
    assert secret in client.get(notes_url(appeal)).content.decode()


def test_a_note_on_a_problem_report_never_reaches_the_reporter(client, report, citizen, clerk,
                                                                engineer):
    from addons.reports.services import change_status, status

    _note, secret = write_note(report, clerk, mention=engineer)
    with _capture(execute=True):
        change_status(report, status("in_progress"), actor=clerk, public_note="We are on it.")
    number = report.tracking_number
    urls = [report.get_absolute_url(),
            "/open311/v2/requests.json", f"/open311/v2/requests/{number}.json",
            "/open311/v2/requests.xml", BBOX_URL, "/api/v1/map.geojson"]
    pages = citizen_pages(client, citizen, urls)
    assert "Deep pothole" in pages["/open311/v2/requests.json"]
    assert number in pages[f"/open311/v2/requests/{number}.json"]
    client.logout()
    for url in urls:  # and nobody signed in either
        response = client.get(url)
        if response.status_code == 200:
            assert secret not in response.content.decode(), url
    assert_nowhere(secret, pages, citizen_mail_and_inbox(citizen))
    assert any(citizen.email in m.to for m in mail.outbox)
    client.force_login(clerk)
    assert secret in client.get(notes_url(report)).content.decode()


def test_a_note_on_a_feedback_message_never_reaches_its_sender(client, feedback, citizen,
                                                                clerk, engineer):
    _note, secret = write_note(feedback, clerk, mention=engineer)
    pages = citizen_pages(client, citizen, [])
    assert "The road sign fell down." in pages["/accounts/cabinet/data/"]
    assert_nowhere(secret, pages, citizen_mail_and_inbox(citizen))
    client.force_login(clerk)
    assert secret in client.get(notes_url(feedback)).content.decode()


def test_the_citizen_cannot_open_the_notes_page(client, appeal, citizen, clerk):
    _note, secret = write_note(appeal, clerk)
    client.force_login(citizen)
    response = client.get(notes_url(appeal))
    assert response.status_code in (302, 403, 404)
    assert secret not in response.content.decode()
    response = client.post(notes_url(appeal), {"body": "let me in"})
    assert response.status_code in (302, 403, 404)
    assert InternalNote.objects.count() == 1


# --- mentions ------------------------------------------------------------------------------


def test_mention_names_are_user_names_not_email_addresses():
    text = "Ask @engineer. Copy @Clerk, not olena@example.org; @engineer again."
    assert mentioned_names(text) == ["engineer", "Clerk"]


def test_a_mention_notifies_by_mail_with_a_link_and_without_the_text(appeal, clerk, engineer):
    mail.outbox.clear()
    note, secret = write_note(appeal, clerk, mention=engineer)
    assert list(note.mentions.all()) == [engineer]
    sent = [m for m in mail.outbox if engineer.email in m.to]
    assert len(sent) == 1
    assert "Clerk Person mentioned you" in sent[0].subject
    # the link opens the record on its desk, where the notes are
    assert f"/admin/casework/appeals/{appeal.pk}/" in sent[0].body
    assert secret not in sent[0].body and secret not in sent[0].subject
    inbox = Notification.objects.get(recipient=engineer, event="mentioned")
    assert secret not in inbox.body


def test_an_unknown_name_is_reported_and_nothing_is_saved(appeal, clerk):
    with pytest.raises(ValidationError) as error:
        add_note(appeal, clerk, "Please ask @nobody_here and @ghost.")
    message = " ".join(error.value.messages)
    assert "@nobody_here" in message and "@ghost" in message
    assert not InternalNote.objects.exists()


def test_mentioning_someone_who_may_not_see_the_record_is_refused(appeal, clerk, gardener,
                                                                   citizen):
    for person in (gardener, citizen):
        with pytest.raises(ValidationError) as error:
            add_note(appeal, clerk, f"@{person.username} have a look")
        assert f"@{person.username} may not see this record" in error.value.messages[0]
    assert not InternalNote.objects.exists()
    assert not Notification.objects.filter(event="mentioned").exists()


def test_a_mentioned_person_who_is_away_is_replaced_by_their_delegate(appeal, clerk, engineer,
                                                                      make_user, roads):
    deputy = make_user("deputy", moderates=[roads], is_staff=True)
    today = timezone.localdate()
    StaffAbsence.objects.create(user=engineer, starts=today - datetime.timedelta(days=1),
                                ends=today + datetime.timedelta(days=3), delegate=deputy)
    note, _secret = write_note(appeal, clerk, mention=engineer)
    assert list(note.mentions.all()) == [engineer]
    row = Notification.objects.get(event="mentioned")
    assert row.recipient == deputy
    assert "in place of Engineer Person" in row.body


def test_a_delegate_standing_in_sees_the_record_and_gets_the_mention(
        appeal, clerk, engineer, gardener):
    from addons.core.casework.access import can_see

    today = timezone.localdate()
    assert not can_see(gardener, appeal)
    StaffAbsence.objects.create(user=engineer, starts=today, ends=today, delegate=gardener)
    # standing in for the engineer, the gardener works on the engineer's addressee's records
    assert can_see(type(gardener).objects.get(pk=gardener.pk), appeal)
    write_note(appeal, clerk, mention=engineer)
    assert Notification.objects.get(event="mentioned").recipient == gardener


# --- rules, files, audit -------------------------------------------------------------------


def test_only_staff_who_see_the_record_write_notes(appeal, gardener, citizen):
    for person in (gardener, citizen):
        with pytest.raises(PermissionDenied):
            add_note(appeal, person, "hello")


def test_an_empty_or_too_long_note_is_refused(appeal, clerk):
    with pytest.raises(ValidationError) as error:
        add_note(appeal, clerk, "   ")
    assert error.value.messages == ["Write the note."]
    with pytest.raises(ValidationError) as error:
        add_note(appeal, clerk, "x" * 10_001)
    assert "at most 10000 characters" in error.value.messages[0]


def test_files_are_checked_and_stored_privately(appeal, clerk, private_storage, settings):
    settings.CIVICDESK_NOTE_MAX_FILE_MB = 1
    for bad, expected in [
        (SimpleUploadedFile("run.exe", b"MZ", "application/octet-stream"),
         "this type of file is not accepted"),
        (pdf("fake.pdf", b"not a pdf at all"), "is not a real PDF file"),
        (pdf("big.pdf", PDF + b"0" * (1024 * 1024)), "is too large"),
    ]:
        with pytest.raises(ValidationError) as error:
            add_note(appeal, clerk, "see the file", [bad])
        assert expected in " ".join(error.value.messages)
    with pytest.raises(ValidationError) as error:
        add_note(appeal, clerk, "many", [pdf(f"f{n}.pdf") for n in range(6)])
    assert "at most 5 files" in " ".join(error.value.messages)
    assert not InternalNote.objects.exists()
    note = add_note(appeal, clerk, "the plan", [pdf()])
    attachment = note.attachments.get()
    assert attachment.original_name == "plan.pdf"
    storage = attachment.file.storage
    assert storage.exists(attachment.file.name)
    assert not str(storage.location).startswith(str(settings.MEDIA_ROOT))
    assert not attachment.file.name.endswith("plan.pdf")


def test_files_are_served_only_to_staff_who_see_the_record(client, appeal, clerk, engineer,
                                                           gardener, superuser):
    note = add_note(appeal, clerk, "the plan", [pdf()])
    url = reverse("casework_note_attachment", args=[note.attachments.get().pk])
    for person, expected in ((engineer, 200), (superuser, 200), (gardener, 404)):
        client.force_login(person)
        response = client.get(url)
        assert response.status_code == expected, person
        if expected == 200:
            assert b"".join(response.streaming_content) == PDF
            assert "private, no-store" in response["Cache-Control"]


def test_a_note_writes_the_audit_log(appeal, clerk, engineer):
    note, _secret = write_note(appeal, clerk, mention=engineer, files=[pdf()])
    entry = ModelLogEntry.objects.get(action="civicdesk.note")
    assert entry.user_id == clerk.pk
    assert entry.object_id == str(appeal.pk)
    assert entry.data["note"] == note.pk and entry.data["mentions"] == [engineer.pk]
    assert entry.data["files"] == 1


def test_a_reply_is_a_note_on_the_same_record(appeal, report, clerk, engineer):
    first = add_note(appeal, clerk, "Who takes this?")
    reply = add_note(appeal, engineer, "I do.", reply_to=first)
    assert reply.reply_to == first and reply.record == appeal
    elsewhere = add_note(report, clerk, "Another record")
    with pytest.raises(ValidationError):
        add_note(appeal, engineer, "wrong place", reply_to=elsewhere)


# --- the panel and its views ---------------------------------------------------------------


def test_the_notes_page_adds_a_note_with_files_and_a_reply(client, appeal, clerk, engineer):
    client.force_login(clerk)
    url = notes_url(appeal)
    response = client.post(url, {"body": "Measured it: 40 cm. @engineer",
                                 "files": [pdf("photo.pdf")], "next": "/admin/"})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    note = InternalNote.objects.get()
    assert note.author == clerk and note.attachments.count() == 1
    response = client.post(url, {"body": "Thanks", "reply_to": note.pk})
    assert response.status_code == 302
    reply = InternalNote.objects.exclude(pk=note.pk).get()
    assert reply.reply_to == note
    page = client.get(url).content.decode()
    assert "Measured it: 40 cm." in page and "photo.pdf" in page and "in reply to" in page


def test_the_notes_page_keeps_what_was_typed_on_an_error(client, appeal, clerk):
    client.force_login(clerk)
    response = client.post(notes_url(appeal), {"body": "Ask @ghost about the 40 cm hole"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "No member of staff is called @ghost" in page
    assert "Ask @ghost about the 40 cm hole" in page
    assert not InternalNote.objects.exists()


def test_the_notes_page_of_another_addressees_record_is_not_found(client, appeal, gardener):
    client.force_login(gardener)
    assert client.get(notes_url(appeal)).status_code == 404
    assert client.post(notes_url(appeal), {"body": "hi"}).status_code == 404
    content_type = ContentType.objects.get_for_model(appeal)
    for path in (f"/admin/casework/notes/{content_type.pk}/99999999/",
                 f"/admin/casework/notes/99999999/{appeal.pk}/",
                 f"/admin/casework/notes/{content_type.pk}/abc/"):
        assert client.get(path).status_code == 404


def test_other_towns_staff_see_no_notes(client, appeal, clerk, make_user):
    town = add_town("town-b.localhost", slug="town-b", jurisdiction="ro")
    catalog = town.root_page.add_child(instance=AddresseeCatalogPage(title="A", slug="a"))
    hall = catalog.add_child(instance=AddresseePage(title="Town hall", slug="hall"))
    stranger = make_user("stranger", moderates=[hall], is_staff=True)
    note = add_note(appeal, clerk, "Town A business", [pdf()])
    client.force_login(stranger)
    assert client.get(notes_url(appeal), HTTP_HOST="town-b.localhost").status_code == 404
    url = reverse("casework_note_attachment", args=[note.attachments.get().pk])
    assert client.get(url, HTTP_HOST="town-b.localhost").status_code == 404


def test_panel_context_lists_the_notes_in_a_fixed_number_of_queries(
        rf, appeal, clerk, engineer, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def fresh_request():
        request = rf.get("/admin/")
        request.user = type(clerk).objects.get(pk=clerk.pk)
        return request

    add_note(appeal, clerk, "one", [pdf()])
    request = fresh_request()
    with CaptureQueriesContext(connection) as captured:
        panel_context(appeal, request)
    for n in range(5):
        add_note(appeal, engineer, f"more {n} @clerk", [pdf()])
    request = fresh_request()
    with django_assert_num_queries(len(captured.captured_queries)):
        context = panel_context(appeal, request)
        notes = context["notes"]
        assert [len(note.attachments.all()) + len(note.mentions.all()) for note in notes]
    assert len(notes) == 6 and context["can_add_note"]


def test_notes_are_stored_per_record(appeal, report, clerk):
    add_note(appeal, clerk, "on the appeal")
    add_note(report, clerk, "on the report")
    assert InternalNote.objects.filter(object_id=str(appeal.pk)).count() >= 1
    rows = list(panel_context(appeal, None)["notes"])
    assert [note.body for note in rows] == ["on the appeal"]
    assert NoteAttachment.objects.count() == 0


def test_the_notes_panel_tag_renders_on_any_screen(rf, appeal, clerk, engineer):
    from django.template import Context, Template

    add_note(appeal, engineer, "Brigade sent on Monday", [pdf()])
    request = rf.get("/admin/casework/appeals/1/")
    request.user = clerk
    html = Template("{% load casework_notes %}{% notes_panel record %}").render(
        Context({"record": appeal, "request": request, "csrf_token": "t0ken"}))
    assert "Brigade sent on Monday" in html and "plan.pdf" in html
    assert 'name="next" value="/admin/casework/appeals/1/"' in html
    assert f'action="{notes_url(appeal)}"' in html


def test_the_desk_shows_the_notes_of_every_record(client, site, roads, clerk, engineer):
    from tests.core.case_addon.models import Case

    record = Case.objects.create(site=site, addressee=roads, reference="C-1", title="Lamp")
    add_note(record, engineer, "Bulb ordered @clerk", [pdf()])
    client.force_login(clerk)
    url = reverse("casework_cases:inspect", args=[record.pk])
    page = client.get(url).content.decode()
    assert "Internal notes" in page and "Bulb ordered @clerk" in page
    assert f'action="{notes_url(record)}"' in page
    response = client.post(notes_url(record), {"body": "Fitted", "next": url})
    assert response.status_code == 302 and response["Location"] == url
    assert "Fitted" in client.get(url).content.decode()
