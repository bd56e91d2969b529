"""The contact center's screen for filing on a caller's behalf: the intakes of the town's
enabled modules prefilled from the person, filing with the source and the operator, the
record added to the interaction, the reference sent by the citizen's channel; the law's
refusal, a time just taken and missing fields come back with what was typed; nothing of
one town reaches another."""


import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse
from django.utils import translation

from addons.accounts.models import Identity, Person
from addons.addressees.models import AddresseeCatalogPage, AddresseePage
from addons.appeals.models import Appeal
from addons.contacts.models import Interaction
from addons.core.geo import Point
from addons.core.models import SiteProfile
from addons.queues.models import QueueService, Ticket
from addons.reports.models import Report, ReportCategory
from tests.conftest import add_town
from tests.queues.conftest import at, make_queue, working_day

CENTRE = Point(49.2350, 31.6230)
URL = "/admin/contacts/file/"


@pytest.fixture(autouse=True)
def _english(client, private_storage):
    client.cookies["civicdesk_language"] = "en"
    with translation.override("en"):
        yield


def _law(site, code):
    profile = SiteProfile.for_site(site)
    profile.jurisdiction = code
    profile.default_language = "en"
    profile.save()


@pytest.fixture
def town(site, home):
    """The town with a roads department, the default report categories, city bounds round
    CENTRE and a queue (Ukrainian law)."""
    from addons.reports.models import ReportsSettings
    from addons.reports.services import create_defaults

    catalog = home.add_child(instance=AddresseeCatalogPage(title="Addressees",
                                                           slug="addressees"))
    catalog.add_child(instance=AddresseePage(title="Roads department", slug="roads"))
    options = ReportsSettings.for_site(site)
    options.min_lat, options.max_lat = CENTRE.lat - 0.1, CENTRE.lat + 0.1
    options.min_lng, options.max_lng = CENTRE.lng - 0.15, CENTRE.lng + 0.15
    options.category_map = {"roads.": "roads"}
    options.save()
    create_defaults(site)
    queue = make_queue(site)
    QueueService.objects.create(queue=queue, name="Birth certificate")
    _law(site, "ua")
    return site


@pytest.fixture
def addressee(town):
    return AddresseePage.objects.get(slug="roads")


@pytest.fixture
def category(town):
    return ReportCategory.objects.get(site=town, code="roads.pothole")


@pytest.fixture
def queue_service(town):
    return QueueService.objects.get(queue__site=town)


def _staff(django_user_model, name, *, console=True):
    user = django_user_model.objects.create_user(username=name, email=f"{name}@example.org",
                                                 password="x", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    if console:
        user.user_permissions.add(Permission.objects.get(codename="use_console",
                                                         content_type__app_label="contacts"))
    return user


@pytest.fixture
def operator(django_user_model):
    return _staff(django_user_model, "operator")


@pytest.fixture
def operator_client(client, operator):
    client.force_login(operator)
    return client


@pytest.fixture
def caller(town):
    person = Person.objects.create(site=town, full_name="Mykola Bondar",
                                   postal_address="vul. Soborna 3, Uman")
    Identity.objects.create(person=person, site=town, kind="email", value="mykola@example.org")
    Identity.objects.create(person=person, site=town, kind="phone", value="+380501112233")
    return person


@pytest.fixture
def call(town, caller, operator):
    return Interaction.objects.create(site=town, person=caller, channel="phone",
                                      operator=operator, from_number="+380501112233")


def _report(category, **extra):
    data = {"intake": "reports", "reports-how-source": "phone",
            "reports-category": str(category.pk), "reports-description": "A deep pothole",
            "reports-lat": str(CENTRE.lat), "reports-lng": str(CENTRE.lng),
            "reports-reporter_name": "Mykola Bondar",
            "reports-contact_email": "mykola@example.org",
            "reports-contact_phone": "+380501112233", "reports-is_public": "on"}
    data.update(extra)
    return data


def _appeal(addressee, **extra):
    data = {"intake": "appeals", "appeals-how-source": "phone",
            "appeals-addressee": str(addressee.pk), "appeals-appeal_type": "complaint",
            "appeals-subject": "Street lights", "appeals-text": "The lights are off.",
            "appeals-applicant_name": "Mykola Bondar",
            "appeals-applicant_address": "vul. Soborna 3, Uman",
            "appeals-applicant_email": "mykola@example.org",
            "appeals-submission_token": "8e0f3d9a-4c55-4c8e-9b0a-d2f1c3b4a5e6"}
    data.update(extra)
    return data


def _booking(service, day, hour=9, **extra):
    data = {"intake": "queues", "queues-how-source": "phone",
            "queues-queue": str(service.queue_id), "queues-service": str(service.pk),
            "queues-day": day.isoformat(), "queues-time": f"{hour:02d}:00",
            "queues-contact_name": "Mykola Bondar", "queues-contact_phone": "+380501112233",
            "queues-contact_email": ""}
    data.update(extra)
    return data


def test_the_screen_lists_the_intakes_prefilled(operator_client, caller, call):
    response = operator_client.get(URL, {"person": caller.pk, "interaction": call.pk})
    assert response.status_code == 200
    page = response.content.decode()
    for key in ("intake-reports", "intake-appeals", "intake-queues"):
        assert key in page
    assert 'value="Mykola Bondar"' in page and 'value="mykola@example.org"' in page
    assert "vul. Soborna 3, Uman" in page
    assert reverse("contacts-admin:file") == URL


def test_a_module_switched_off_is_not_offered(operator_client, caller, town):
    from addons.core.activation import apply_states

    apply_states(town, {"queues": False})
    page = operator_client.get(URL, {"person": caller.pk}).content.decode()
    assert "intake-reports" in page and "intake-queues" not in page


def test_filing_a_report_by_phone(operator_client, operator, caller, call, category,
                                  django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = operator_client.post(
            URL, {**_report(category), "person": caller.pk, "interaction": call.pk})
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.source == "phone" and report.entered_by == operator
    call.refresh_from_db()
    assert call.records == [{"source": "reports", "reference": report.tracking_number,
                             "url": call.records[0]["url"]}]
    sent = [message for message in mail.outbox if "mykola@example.org" in message.to]
    assert len(sent) == 1 and report.tracking_number in sent[0].subject + sent[0].body
    page = operator_client.get(response["Location"]).content.decode()
    assert report.tracking_number in page and report.status_pin in page
    assert "by e-mail to mykola@example.org" in page


def test_the_source_chosen_on_the_form(operator_client, operator, caller, category):
    operator_client.post(URL, {**_report(category, **{"reports-how-source": "walk_in"}),
                               "person": caller.pk})
    assert Report.objects.get().source == "walk_in"


def test_an_oral_appeal_by_phone_in_ukraine(operator_client, operator, caller, call,
                                            addressee):
    response = operator_client.post(URL, {**_appeal(addressee), "person": caller.pk,
                                          "interaction": call.pk})
    assert response.status_code == 302
    appeal = Appeal.objects.get()
    assert appeal.source == "phone" and appeal.entered_by == operator
    call.refresh_from_db()
    assert call.records[0]["reference"] == appeal.reference


def test_no_appeal_by_phone_where_the_law_does_not_allow_it(operator_client, caller,
                                                            addressee, town):
    _law(town, "ro")
    page = operator_client.get(URL, {"person": caller.pk}).content.decode()
    assert "27/2002" in page  # said before the operator starts
    response = operator_client.post(URL, {**_appeal(addressee, **{
        "appeals-appeal_type": "request"}), "person": caller.pk})
    assert response.status_code == 200
    assert "27/2002" in response.content.decode()
    assert 'value="Street lights"' in response.content.decode()
    assert not Appeal.objects.exists()
    # in person it is taken
    response = operator_client.post(URL, {**_appeal(addressee, **{
        "appeals-appeal_type": "request", "appeals-how-source": "walk_in"}),
        "person": caller.pk})
    assert response.status_code == 302 and Appeal.objects.get().source == "walk_in"


def test_a_time_just_taken(operator_client, caller, queue_service, make_other_booking):
    day = working_day()
    make_other_booking(queue_service, at(day, 9))
    response = operator_client.post(URL, {**_booking(queue_service, day),
                                          "person": caller.pk})
    assert response.status_code == 200
    page = response.content.decode()
    assert "This time was just taken" in page and "09:30" in page
    assert 'value="Mykola Bondar"' in page and day.isoformat() in page
    assert not Ticket.objects.filter(contact_name="Mykola Bondar").exists()


@pytest.fixture
def make_other_booking(django_user_model):
    from addons.queues import services

    def make(service, start):
        citizen = django_user_model.objects.create_user(
            username="other", email="other@example.org", password="x", full_name="Other")
        return services.book(service.queue, service, citizen, start)

    return make


def test_a_booking_for_a_caller_without_an_account(operator_client, operator, caller,
                                                   queue_service):
    day = working_day()
    response = operator_client.post(URL, {**_booking(queue_service, day),
                                          "person": caller.pk})
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.citizen is None and ticket.entered_by == operator
    assert ticket.contact_phone == "+380501112233"


def test_missing_fields_keep_what_was_typed(operator_client, caller, category):
    response = operator_client.post(URL, {**_report(category, **{
        "reports-category": "", "reports-lat": "", "reports-lng": ""}), "person": caller.pk})
    assert response.status_code == 200
    page = response.content.decode()
    assert "A deep pothole" in page and "This field is required" in page
    assert "Give the address of the problem or its point." in page
    assert not Report.objects.exists()


class FailingBackend:
    """An SMS gateway that cannot be reached."""

    def send(self, to, text, sender):
        from addons.accounts.sms import SmsError

        raise SmsError("the SMS gateway could not be reached")


def test_no_email_and_the_sms_not_sent(operator_client, caller, category, settings):
    settings.CIVICDESK_SMS_BACKEND = "tests.contacts.test_intake.FailingBackend"
    response = operator_client.post(URL, {**_report(category, **{
        "reports-contact_email": ""}), "person": caller.pk}, follow=True)
    assert Report.objects.count() == 1  # filed all the same
    assert "Tell the citizen the reference" in response.content.decode()


def test_no_email_the_reference_goes_by_sms(operator_client, caller, category, settings,
                                            tmp_path):
    import json

    settings.CIVICDESK_SMS_BACKEND = "addons.accounts.sms.FileBackend"
    settings.CIVICDESK_SMS_FILE_PATH = str(tmp_path / "sms.log")
    response = operator_client.post(URL, {**_report(category, **{
        "reports-contact_email": ""}), "person": caller.pk}, follow=True)
    report = Report.objects.get()
    (line,) = (tmp_path / "sms.log").read_text(encoding="utf-8").splitlines()
    sent = json.loads(line)
    assert sent["to"] == "+380501112233"
    assert report.tracking_number in sent["text"] and report.status_pin in sent["text"]
    assert "by SMS to +380501112233" in response.content.decode()


def test_only_the_contact_center(client, django_user_model, caller, category):
    client.force_login(_staff(django_user_model, "clerk", console=False))
    response = client.get(URL, {"person": caller.pk})
    assert response.status_code in (302, 403)
    assert b"mykola@example.org" not in response.content
    response = client.post(URL, {**_report(category), "person": caller.pk})
    assert response.status_code in (302, 403)
    assert not Report.objects.exists()


def test_a_person_of_another_town(operator_client, caller, category):
    town2 = add_town("town2.example", jurisdiction="ua")
    stranger = Person.objects.create(site=town2, full_name="Stranger")
    assert operator_client.get(URL, {"person": stranger.pk}).status_code == 404
    response = operator_client.post(URL, {**_report(category), "person": stranger.pk})
    assert response.status_code == 404 and not Report.objects.exists()
    # staff working on the other town's host do not reach this town's person
    response = operator_client.get(URL, {"person": caller.pk}, HTTP_HOST="town2.example")
    assert response.status_code == 404


def test_an_interaction_of_another_town(operator_client, caller, category):
    town2 = add_town("town2.example", jurisdiction="ua")
    foreign = Interaction.objects.create(site=town2, channel="phone")
    response = operator_client.post(URL, {**_report(category), "person": caller.pk,
                                          "interaction": foreign.pk})
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.records == [] and not Report.objects.exists()


def test_a_citizen_with_an_account_gets_the_appeal_in_their_cabinet(
        operator_client, operator, town, addressee, django_user_model,
        django_capture_on_commit_callbacks):
    from django.utils import timezone

    citizen = django_user_model.objects.create_user(
        username="olena", email="olena@example.org", password="x", full_name="Olena Shevchuk")
    person = Person.objects.create(site=town, full_name="Olena Shevchuk",
                                   postal_address="vul. Sadova 5, Uman")
    Identity.objects.create(person=person, site=town, kind="account", value=str(citizen.pk),
                            verified_at=timezone.now())
    page = operator_client.get(URL, {"person": person.pk}).content.decode()
    assert 'value="Olena Shevchuk"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = operator_client.post(URL, {**_appeal(addressee, **{
            "appeals-applicant_name": "Olena Shevchuk",
            "appeals-applicant_address": "vul. Sadova 5, Uman",
            "appeals-applicant_email": ""}), "person": person.pk}, follow=True)
    appeal = Appeal.objects.get()
    assert appeal.author == citizen and appeal.entered_by == operator
    assert "by e-mail to olena@example.org" in response.content.decode()
    assert any("olena@example.org" in message.to for message in mail.outbox)




# -- the queue's own questions ----------------------------------------------------------

MISSING_ANSWER = "The queue asks this question: ask the caller and type the answer."


@pytest.fixture
def questions(queue_service):
    from addons.queues.models import QueueField

    queue = queue_service.queue
    return {
        "passport": QueueField.objects.create(queue=queue, label="Passport number",
                                              required=True, sort_order=0),
        "purpose": QueueField.objects.create(queue=queue, label="Purpose", field_type="choice",
                                             choices="New passport\nLost passport",
                                             required=True, sort_order=1),
        "born": QueueField.objects.create(queue=queue, label="Date of birth",
                                          field_type="date", required=False, sort_order=2),
    }


def _answers(questions, passport="", purpose="Lost passport", born="1990-05-01"):
    return {f"queues-{questions['passport'].key}": passport,
            f"queues-{questions['purpose'].key}": purpose,
            f"queues-{questions['born'].key}": born}


def test_the_queues_questions_are_asked_once_it_is_chosen(operator_client, caller, questions):
    page = operator_client.get(URL, {"person": caller.pk}).content.decode()
    assert "Passport number" not in page  # no queue chosen yet
    response = operator_client.post(URL, {**_booking(questions["passport"].queue.services
                                                     .get(), working_day(), **{
                                              "queues-time": ""}), "person": caller.pk})
    page = response.content.decode()
    assert "Passport number" in page and "Lost passport" in page and "Date of birth" in page
    assert f'name="queues-{questions["passport"].key}"' in page


def test_a_missing_answer_is_refused_and_everything_typed_kept(operator_client, caller,
                                                               queue_service, questions):
    day = working_day()
    response = operator_client.post(URL, {**_booking(queue_service, day),
                                          **_answers(questions, passport="  "),
                                          "queues-question": "About my old passport",
                                          "person": caller.pk})
    assert response.status_code == 200
    page = response.content.decode()
    assert MISSING_ANSWER in page
    assert not Ticket.objects.exists()
    assert 'value="Mykola Bondar"' in page and 'value="+380501112233"' in page
    assert day.isoformat() in page and 'value="09:00"' in page
    assert '<option value="Lost passport" selected>' in page
    assert 'value="1990-05-01"' in page and "About my old passport" in page


def test_answers_are_validated_as_the_public_form_does(operator_client, caller, queue_service,
                                                       questions):
    response = operator_client.post(URL, {**_booking(queue_service, working_day()),
                                          **_answers(questions, passport="AB123456",
                                                     purpose="Stolen", born="31.02.1990"),
                                          "person": caller.pk})
    page = response.content.decode()
    assert "Select a valid choice. Stolen is not one of the available choices." in page
    assert "Enter a valid date." in page and 'value="AB123456"' in page
    response = operator_client.post(URL, {**_booking(queue_service, working_day()),
                                          **_answers(questions, passport="x" * 301),
                                          "person": caller.pk})
    assert "Ensure this value has at most 300 characters" in response.content.decode()
    assert not Ticket.objects.exists()


def test_the_answers_are_kept_on_the_ticket(operator_client, caller, queue_service, questions):
    response = operator_client.post(URL, {**_booking(queue_service, working_day()),
                                          **_answers(questions, passport="AB123456", born=""),
                                          "person": caller.pk})
    assert response.status_code == 302
    assert Ticket.objects.get().answers == {"Passport number": "AB123456",
                                            "Purpose": "Lost passport"}


@pytest.mark.parametrize(("language", "expected"), [
    ("uk", "Черга ставить це запитання: запитайте абонента й введіть відповідь."),
    ("ro", "Coada pune această întrebare: întrebați apelantul și scrieți răspunsul."),
    ("bg", "Опашката задава този въпрос: попитайте обаждащия се и въведете отговора."),
])
def test_a_missing_answer_in_each_language(operator_client, operator, caller, queue_service,
                                           questions, language, expected):
    from wagtail.users.models import UserProfile

    profile = UserProfile.get_for_user(operator)
    profile.preferred_language = language  # the admin in the operator's language
    profile.save()
    operator_client.cookies["civicdesk_language"] = language
    response = operator_client.post(URL, {**_booking(queue_service, working_day()),
                                          **_answers(questions), "person": caller.pk})
    assert response.status_code == 200
    assert expected in response.content.decode()
    assert not Ticket.objects.exists()
