"""The status line: a TwiML robot behind the provider's signature, telling a caller the
state of their appeal, problem report or ticket once they are identified."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

import pytest
from django.utils import timezone
from twilio.request_validator import RequestValidator

from addons.accounts.models import Identity, Person
from addons.addressees.models import AddresseeCatalogPage, AddresseePage
from addons.appeals.models import Appeal, Status
from addons.contacts.models import Interaction, PhoneEndpoint, PinAttempt
from addons.core.models import SiteProfile
from addons.queues.models import Queue, Ticket
from addons.reports.models import Report, ReportCategory, ReportStatus
from tests.conftest import add_town

TOKEN = "auth-token-of-the-provider"
CALLER = "+380671234567"
STRANGER = "+380501112233"
YEAR = timezone.localdate().year


def sign(url, params, token=TOKEN):
    return RequestValidator(token).compute_signature(url, params)


class Phone:
    """A caller on the status line: posts signed requests the way the provider does."""

    def __init__(self, client, *, host="localhost", caller=CALLER, call="CA1", token=TOKEN):
        self.client, self.host, self.caller, self.call, self.token = (
            client, host, caller, call, token)

    def post(self, query="", digits=None, *, signature=None):
        path = "/contacts/voice/" + (f"?{query}" if query else "")
        params = {"CallSid": self.call, "From": self.caller, "To": "+380441110000",
                  "AccountSid": "AC1"}
        if digits is not None:
            params["Digits"] = digits
        url = f"http://{self.host}{path}"
        signature = signature if signature is not None else sign(url, params, self.token)
        return self.client.post(path, params, HTTP_HOST=self.host,
                                HTTP_X_TWILIO_SIGNATURE=signature)

    def follow(self, response, digits):
        """Press ``digits`` at the <Gather> of ``response``."""
        body = response.content.decode()
        action = body.split('action="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
        query = action.split("?", 1)[1] if "?" in action else ""
        return self.post(query, digits)


def text(response):
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/xml")
    return response.content.decode()


def make_town_records(site, *, hall_title="Roads department", pin="482913"):
    SiteProfile.objects.update_or_create(site=site, defaults={"jurisdiction": "ua",
                                                               "default_language": "en"})
    home = site.root_page
    catalog = home.add_child(instance=AddresseeCatalogPage(title="Addressees",
                                                           slug=f"addressees-{site.pk}"))
    hall = catalog.add_child(instance=AddresseePage(title=hall_title, slug=f"hall-{site.pk}"))
    appeal = Appeal.objects.create(
        site=site, reference=f"AP-{YEAR}-000123", addressee=hall,
        subject="Secret subject of the appeal", text="The body nobody else may hear.",
        applicant_phone="067 123 45 67", applicant_email="olena@example.org",
        status=Status.IN_PROGRESS, due_date=datetime.date(YEAR, 12, 7))
    Appeal.objects.filter(pk=appeal.pk).update(status_pin=pin)
    appeal.refresh_from_db()
    status, _created = ReportStatus.objects.get_or_create(code="in-work",
                                                           defaults={"name": "In progress"})
    category = ReportCategory.objects.create(site=site, code=f"roads-{site.pk}",
                                             name="Pothole")
    report = Report.objects.create(
        site=site, tracking_number=f"PR-{YEAR}-000042", category=category, status=status,
        addressee=hall, description="Deep pothole", lat=50.45, lng=30.52,
        contact_phone=STRANGER, due_at=timezone.make_aware(datetime.datetime(YEAR, 3, 9, 12)))
    Report.objects.filter(pk=report.pk).update(status_pin="777111")
    queue = Queue.objects.create(site=site, title="Civil registry", addressee=hall, letter="A")
    start = timezone.now() + datetime.timedelta(days=2)
    ticket = Ticket.objects.create(queue=queue, service_name="Passport", start=start,
                                   end=start + datetime.timedelta(minutes=30),
                                   day=start.date(), seq=1, number="A-001",
                                   contact_phone="+380931234567")
    Ticket.objects.filter(pk=ticket.pk).update(status_pin="555333")
    return {"appeal": appeal, "report": report, "ticket": ticket, "hall": hall}


@pytest.fixture
def line(site):
    return PhoneEndpoint.objects.create(site=site, voice_token=TOKEN, voice_enabled=True,
                                        transfer_number="+380441234567",
                                        voice_languages="en")


@pytest.fixture
def records(site, line):
    return make_town_records(site)


def ask_appeal(phone, digits=f"{YEAR}123#"):
    menu = phone.post()
    assert "Appeals: press one." in text(menu)
    asked = phone.follow(menu, "1")
    assert "Type the year and the number" in text(asked)
    return phone.follow(asked, digits)


def test_bad_signature_is_refused_and_nothing_logged(client, records):
    phone = Phone(client)
    assert phone.post(signature="bm90IGEgc2lnbmF0dXJl").status_code == 403
    # signed with another token (another town's, an old one)
    assert Phone(client, token="wrong").post().status_code == 403
    # a signature of other parameters (the digits were changed on the way)
    path = "/contacts/voice/?step=ref&kind=appeals&lang=en"
    good = sign(f"http://localhost{path}", {"CallSid": "CA1", "Digits": "1"})
    response = client.post(path, {"CallSid": "CA1", "Digits": "2"}, HTTP_HOST="localhost",
                           HTTP_X_TWILIO_SIGNATURE=good)
    assert response.status_code == 403
    assert client.post("/contacts/voice/", {"CallSid": "CA1"}).status_code == 403
    assert not Interaction.objects.exists()


def test_line_switched_off_answers_nothing(client, records, line, site):
    from addons.core import activation

    activation.disable(site, "contacts")
    assert Phone(client).post().status_code == 404
    activation.enable(site, "contacts")
    line.voice_enabled = False
    line.save()
    assert Phone(client).post().status_code == 404
    assert not Interaction.objects.exists()


def test_the_call_is_the_callers_person(client, records, site):
    person = Person.objects.create(site=site, full_name="Olena")
    Identity.objects.create(person=person, site=site, kind="phone", value=CALLER,
                            verified_at=timezone.now())
    text(ask_appeal(Phone(client)))
    interaction = Interaction.objects.get()
    assert interaction.person == person
    assert interaction.direction == "in" and interaction.call_id == "voice:CA1"


def test_owner_by_caller_number_hears_the_status(client, records):
    phone = Phone(client)
    told = text(ask_appeal(phone))
    assert '<Say language="en-GB">' in told
    assert "In progress" in told
    assert "Roads department" in told
    assert f"Expected by 7 December {YEAR}." in told
    # the reference's digits one by one, the number without its zeros
    assert "two, zero, " in told and "one, two, three." in told
    assert "Secret subject" not in told and "nobody else" not in told
    interaction = Interaction.objects.get()
    assert interaction.channel == "phone"
    assert interaction.from_number == CALLER
    assert interaction.summary == f"status line: AP-{YEAR}-000123"
    assert "Secret" not in interaction.summary
    assert interaction.records[0]["told"] is True
    # 9 repeats without asking anything again
    again = text(phone.follow(ask_appeal(Phone(client)), "9"))
    assert "In progress" in again
    assert Interaction.objects.count() == 1


def test_number_alone_means_this_year(client, records):
    told = text(ask_appeal(Phone(client), "123#"))
    assert "In progress" in told


def test_verified_phone_of_the_person_owning_it(client, records, site):
    """The appeal gives only an e-mail; the caller's phone is verified on the same person
    whose e-mail is verified."""
    Appeal.objects.filter(pk=records["appeal"].pk).update(applicant_phone="")
    person = Person.objects.create(site=site, full_name="Olena")
    now = timezone.now()
    Identity.objects.create(person=person, site=site, kind="email", value="olena@example.org",
                            verified_at=now)
    Identity.objects.create(person=person, site=site, kind="phone", value=STRANGER,
                            verified_at=now)
    told = text(ask_appeal(Phone(client, caller=STRANGER)))
    assert "In progress" in told
    # the same number, not verified: asked for the PIN
    Identity.objects.filter(kind="phone").update(verified_at=None)
    asked = text(ask_appeal(Phone(client, caller=STRANGER, call="CA2")))
    assert "status PIN" in asked and "In progress" not in asked


def test_appeal_for_an_unverified_caller_without_pin(client, records):
    phone = Phone(client, caller=STRANGER)
    asked = text(ask_appeal(phone))
    assert "status PIN" in asked
    assert "operator, press 0" in asked
    for secret in ("In progress", "Roads department", "December", "Secret subject"):
        assert secret not in asked
    transferred = text(phone.follow(ask_appeal(phone), "0#"))
    assert "<Dial>+380441234567</Dial>" in transferred
    interaction = Interaction.objects.get()
    assert interaction.records[0]["told"] is False
    assert "transferred" in interaction.summary


def test_pin_tells_and_wrong_pins_lock(client, records):
    phone = Phone(client, caller=STRANGER)
    asked = ask_appeal(phone)
    wrong = text(phone.follow(asked, "111111#"))
    assert "This PIN is not right." in wrong and "In progress" not in wrong
    wrong = phone.follow(phone.post(f"step=pin&kind=appeals&ref=AP-{YEAR}-000123&lang=en",
                                    "222222#"), "333333#")
    locked = text(wrong)
    assert "Too many wrong PINs" in locked and "In progress" not in locked
    assert PinAttempt.objects.filter(reference=f"AP-{YEAR}-000123").count() == 3
    # even the right PIN is refused while locked, on another call too
    other = Phone(client, caller="+380509998877", call="CA9")
    refused = text(ask_appeal(other))
    assert "Too many wrong PINs" in refused and "In progress" not in refused
    # 15 minutes later the right PIN is heard
    PinAttempt.objects.update(at=timezone.now() - datetime.timedelta(minutes=16))
    later = Phone(client, caller="+380509998877", call="CA10")
    heard = text(later.follow(ask_appeal(later), "482913#"))
    assert "In progress" in heard


def test_the_right_pin_tells(client, records):
    phone = Phone(client, caller=STRANGER)
    heard = text(phone.follow(ask_appeal(phone), "482913#"))
    assert "In progress" in heard and "Roads department" in heard


def test_unknown_reference_says_nothing_and_offers_operator(client, records):
    phone = Phone(client, caller=CALLER)
    missing = text(ask_appeal(phone, f"{YEAR}999#"))
    assert "We found no record" in missing
    assert "speak to an operator press 0" in missing
    assert "In progress" not in missing
    assert "<Dial>" in text(phone.follow(ask_appeal(phone, f"{YEAR}999#"), "0"))


def test_reference_of_another_town_is_not_found(client, records, site):
    town = add_town("town2.localhost")
    PhoneEndpoint.objects.create(site=town, voice_token="token-2", voice_enabled=True,
                                 voice_languages="en")
    other = make_town_records(town, hall_title="Other hall", pin="999999")
    Appeal.objects.filter(pk=records["appeal"].pk).delete()
    # the caller owns AP-<year>-000123 in town 2; asked in town 1 there is none
    missing = text(ask_appeal(Phone(client, caller=CALLER)))
    assert "We found no record" in missing and "Other hall" not in missing
    # and town 1's signature does not open town 2's line
    assert Phone(client, host="town2.localhost").post().status_code == 403
    heard = text(ask_appeal(Phone(client, host="town2.localhost", token="token-2",
                                  call="CA5")))
    assert "Other hall" in heard
    assert Interaction.objects.get(call_id="voice:CA5").site == town
    assert other["appeal"].site == town


def test_public_report_is_told_without_pin(client, records):
    phone = Phone(client, caller="+380509998877")
    asked = phone.follow(phone.post(), "2")
    heard = text(phone.follow(asked, f"{YEAR}42#"))
    assert "In progress" in heard and "Roads department" in heard
    assert f"9 March {YEAR}" in heard
    # a report hidden from the public needs the PIN
    Report.objects.update(is_public=False)
    asked = Phone(client, caller="+380509998877", call="CA2")
    pin = text(asked.follow(asked.follow(asked.post(), "2"), f"{YEAR}42#"))
    assert "status PIN" in pin and "In progress" not in pin


def test_ticket_by_number_and_pin(client, records):
    phone = Phone(client, caller=STRANGER)
    ticket = records["ticket"]
    asked = phone.follow(phone.post(), "3")
    assert "Type the number of the record" in text(asked)
    pin = phone.follow(asked, f"{ticket.pk}#")
    assert "status PIN" in text(pin)
    heard = text(phone.follow(pin, "555333#"))
    assert "Booked" in heard and "Roads department" in heard


def test_language_menu_and_ukrainian_speech(client, records, line):
    line.voice_languages = "uk,en"
    line.save()
    phone = Phone(client)
    menu = text(phone.post())
    assert '<Say language="uk-UA">' in menu and '<Say language="en-GB">' in menu
    assert "press two" in menu
    kinds = phone.follow(phone.post(), "1")
    assert 'language="uk-UA"' in text(kinds) and 'language="en-GB"' not in text(kinds)
    asked = phone.follow(kinds, "1")
    told = text(phone.follow(asked, f"{YEAR}123#"))
    assert "7 грудня" in told
    assert "один, два, три" in told


def test_recorded_prompt_replaces_a_phrase(client, records, site, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.STORAGES = {**settings.STORAGES,
                         "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    folder = tmp_path / "voice" / str(site.pk)
    folder.mkdir(parents=True)
    (folder / "welcome.mp3").write_bytes(b"ID3")
    menu = text(Phone(client).post())
    assert f"<Play>/media/voice/{site.pk}/welcome.mp3</Play>" in menu
    assert "Welcome to" not in menu


def test_query_string_state_is_signed(client, records):
    """The state of a call lives in the URL the provider signs: a URL changed by hand
    fails."""
    phone = Phone(client, caller=STRANGER)
    path = f"/contacts/voice/?{urlencode({'step': 'told', 'kind': 'appeals'})}"
    params = {"CallSid": "CA1", "From": STRANGER, "Digits": "9"}
    signature = sign("http://localhost/contacts/voice/?step=pin", params)
    response = client.post(path, params, HTTP_HOST="localhost",
                           HTTP_X_TWILIO_SIGNATURE=signature)
    assert response.status_code == 403
    assert phone is not None


def test_a_told_answer_costs_few_queries(client, records, django_assert_max_num_queries):
    phone = Phone(client)
    asked = phone.follow(phone.post(), "1")
    with django_assert_max_num_queries(20):
        told = text(phone.follow(asked, f"{YEAR}123#"))
    assert "In progress" in told
