"""Verifying identities: the e-mail link, the SMS code, the operator; the SMS back-ends."""

import io
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone

from addons.accounts import persons, sms, verification
from addons.accounts.models import Identity, IdentityKind, PhoneCode, Verification
from addons.core.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client):
    from django.utils import translation

    client.cookies["civicdesk_language"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def sms_file(settings, tmp_path):
    settings.CIVICDESK_SMS_BACKEND = "addons.accounts.sms.FileBackend"
    settings.CIVICDESK_SMS_FILE_PATH = str(tmp_path / "sms.log")
    return tmp_path / "sms.log"


def sent_codes(path):
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    return [(line["to"], line["text"].split(": ")[1][:6]) for line in lines]


def phone_of(site, raw="+380671112233", name="Ivan"):
    person = persons.record_contact(site, name=name, phone=raw)
    return person.identities.get(kind=IdentityKind.PHONE)


# -- e-mail link ---------------------------------------------------------------------------


def test_email_link_sent_through_notifications_and_confirms(site, client):
    person = persons.record_contact(site, name="Ivan", email="ivan@example.org")
    identity = person.identities.get()
    verification.send_email_link(identity, base_url="http://localhost")
    row = Notification.objects.get(event=verification.EVENT_CONFIRM_IDENTITY)
    assert row.email == "ivan@example.org" and "/accounts/identity/confirm/" in row.url
    assert row.url in row.body
    path = row.url.removeprefix("http://localhost")
    # opening the link confirms nothing (mail scanners open links)
    page = client.get(path)
    assert page.status_code == 200
    identity.refresh_from_db()
    assert not identity.verified
    done = client.post(path)
    assert done.status_code == 200 and b"is confirmed" in done.content
    identity.refresh_from_db()
    assert identity.verified and identity.verified_how == Verification.EMAIL_LINK


def test_expired_email_link_refused(site, client, settings):
    identity = persons.record_contact(site, email="ivan@example.org").identities.get()
    token = verification.make_link_token(identity)
    settings.CIVICDESK_PERSONS_EMAIL_LINK_MAX_AGE = -1
    with pytest.raises(verification.LinkExpired):
        verification.confirm_email_link(token)
    page = client.post(f"/accounts/identity/confirm/{token}/")
    assert page.status_code == 400 and b"This link has expired" in page.content
    assert client.get(f"/accounts/identity/confirm/{token}/").status_code == 400
    identity.refresh_from_db()
    assert not identity.verified


def test_tampered_email_link_refused(site, client):
    identity = persons.record_contact(site, email="ivan@example.org").identities.get()
    token = verification.make_link_token(identity)[:-2] + "xx"
    page = client.post(f"/accounts/identity/confirm/{token}/")
    assert page.status_code == 400 and b"not valid" in page.content


def test_verified_elsewhere_refused_with_merge_advice(site):
    user = get_user_model().objects.create_user(username="o", email="olena@example.org",
                                                password="x", email_confirmed=True)
    persons.person_for_user(site, user)
    # a second person typed the same address before the account's was verified
    other = persons.record_contact(site, name="Other", phone="+380671112233")
    twin = Identity.objects.create(person=other, site=site, kind=IdentityKind.EMAIL,
                                   value="olena@example.org")
    with pytest.raises(verification.VerificationConflict) as refusal:
        verification.confirm_email_link(verification.make_link_token(twin))
    assert "Merge the two persons" in refusal.value.messages[0]
    twin.refresh_from_db()
    assert not twin.verified


# -- phone code ----------------------------------------------------------------------------


def test_phone_code_sent_hashed_and_confirms(site, sms_file):
    identity = phone_of(site)
    row = verification.send_phone_code(identity)
    [(to, code)] = sent_codes(sms_file)
    assert to == "+380671112233" and code.isdigit() and len(code) == 6
    assert code not in row.code_hash
    assert row.expires_at - timezone.now() <= timedelta(minutes=10)
    verification.check_phone_code(identity, code)
    identity.refresh_from_db()
    assert identity.verified and identity.verified_how == Verification.SMS_CODE
    with pytest.raises(verification.CodeExpired):  # a used code does nothing again
        verification.check_phone_code(identity, code)


def test_wrong_code_five_times_locks(site, sms_file):
    identity = phone_of(site)
    verification.send_phone_code(identity)
    [(_to, code)] = sent_codes(sms_file)
    wrong = "000000" if code != "000000" else "111111"
    for left in (4, 3, 2, 1):
        with pytest.raises(verification.CodeWrong, match=f"Tries left: {left}"):
            verification.check_phone_code(identity, wrong)
    with pytest.raises(verification.CodeLocked):
        verification.check_phone_code(identity, wrong)
    with pytest.raises(verification.CodeLocked):  # even the right one now
        verification.check_phone_code(identity, code)
    assert PhoneCode.objects.get().attempts == 5
    identity.refresh_from_db()
    assert not identity.verified


def test_expired_code_refused(site, sms_file):
    identity = phone_of(site)
    verification.send_phone_code(identity)
    [(_to, code)] = sent_codes(sms_file)
    PhoneCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(verification.CodeExpired):
        verification.check_phone_code(identity, code)
    identity.refresh_from_db()
    assert not identity.verified


def test_invalid_phone_cannot_be_verified(site, sms_file):
    identity = phone_of(site, raw="12-ab")
    with pytest.raises(verification.VerificationError):
        verification.send_phone_code(identity)
    with pytest.raises(verification.VerificationError):
        verification.verify_by_operator(identity, None, "called back")


def test_operator_verification_records_the_operator(site):
    operator = get_user_model().objects.create_user(username="op", email="op@example.org",
                                                    password="x", is_staff=True)
    identity = phone_of(site)
    with pytest.raises(verification.VerificationError, match="Say how you checked it"):
        verification.verify_by_operator(identity, operator, " ")
    verification.verify_by_operator(identity, operator, "Called back, confirmed by name")
    identity.refresh_from_db()
    assert identity.verified_how == Verification.OPERATOR
    assert identity.verified_by == operator
    assert identity.verification_note == "Called back, confirmed by name"
    # now the verified number's holder is found for the typed number
    assert persons.record_contact(site, phone="067 111 22 33") == identity.person
    # a copy typed for another person before cannot be verified too
    someone = persons.record_contact(site, name="Someone else", email="se@example.org")
    other = Identity.objects.create(person=someone, site=site, kind=IdentityKind.PHONE,
                                    value="+380671112233", raw="067 111 22 33")
    with pytest.raises(verification.VerificationConflict):
        verification.verify_by_operator(other, operator, "Said so")


# -- cabinet pages -------------------------------------------------------------------------


def test_cabinet_phone_pages(site, client, sms_file):
    user = get_user_model().objects.create_user(username="o", email="olena@example.org",
                                                password="x", email_confirmed=True)
    client.force_login(user)
    assert client.get("/accounts/cabinet/phone/").status_code == 200
    bad = client.post("/accounts/cabinet/phone/", {"phone": "12-ab"})
    assert bad.status_code == 400 and b"not a phone number" in bad.content
    response = client.post("/accounts/cabinet/phone/", {"phone": "067 111 22 33"})
    assert response.status_code == 302 and response.url == "/accounts/cabinet/phone/confirm/"
    [(_to, code)] = sent_codes(sms_file)
    wrong = "000000" if code != "000000" else "111111"
    page = client.post("/accounts/cabinet/phone/confirm/", {"code": wrong})
    assert page.status_code == 400 and b"Wrong code" in page.content
    done = client.post("/accounts/cabinet/phone/confirm/", {"code": code})
    assert done.status_code == 302
    person = persons.person_for_user(site, user)
    assert person.identities.get(kind=IdentityKind.PHONE, value="+380671112233").verified


def test_cabinet_phone_needs_login(client, site):
    response = client.get("/accounts/cabinet/phone/")
    assert response.status_code == 302 and "/accounts/login/" in response.url


# -- SMS back-ends -------------------------------------------------------------------------


def test_file_backend_writes_json_lines(sms_file):
    sms.send_sms("+380671112233", "Привіт")
    sms.send_sms("+40721000000", "Salut")
    lines = [json.loads(line) for line in sms_file.read_text(encoding="utf-8").splitlines()]
    assert [(line["to"], line["text"], line["sender"]) for line in lines] == [
        ("+380671112233", "Привіт", "CivicDesk"), ("+40721000000", "Salut", "CivicDesk")]


def test_console_backend_prints():
    stream = io.StringIO()
    sms.ConsoleBackend(stream=stream).send("+380671112233", "Code 123456", "Town")
    assert "+380671112233" in stream.getvalue() and "Code 123456" in stream.getvalue()


class _Gateway(BaseHTTPRequestHandler):
    received = []
    status = 200

    def do_POST(self):  # noqa: N802
        length = int(self.headers["Content-Length"])
        self.received.append((self.path, dict(self.headers),
                              json.loads(self.rfile.read(length))))
        self.send_response(self.status)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway():
    _Gateway.received = []
    _Gateway.status = 200
    server = HTTPServer(("127.0.0.1", 0), _Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, _Gateway
    server.shutdown()
    server.server_close()


def test_http_backend_posts_json_with_bearer_token(settings, gateway, site):
    server, handler = gateway
    settings.CIVICDESK_SMS_BACKEND = "addons.accounts.sms.HttpBackend"
    settings.CIVICDESK_SMS_HTTP_URL = f"http://127.0.0.1:{server.server_port}/send"
    settings.CIVICDESK_SMS_HTTP_TOKEN = "s3cret"
    settings.CIVICDESK_SMS_SENDER = "Kyiv"
    identity = phone_of(site)
    verification.send_phone_code(identity)
    [(path, headers, body)] = handler.received
    assert path == "/send"
    assert headers["Authorization"] == "Bearer s3cret"
    assert body["to"] == "+380671112233" and body["sender"] == "Kyiv"
    assert "code" in body["text"]


def test_http_backend_failure_is_an_error(settings, gateway):
    server, handler = gateway
    handler.status = 500
    backend = sms.HttpBackend(url=f"http://127.0.0.1:{server.server_port}/send", token="t")
    with pytest.raises(sms.SmsError):
        backend.send("+380671112233", "x", "Town")
    assert len(handler.received) == 1
    assert not mail.outbox


def test_cabinet_phone_codes_limited_per_hour(site, client, sms_file):
    user = get_user_model().objects.create_user(username="o", email="olena@example.org",
                                                password="x", email_confirmed=True)
    client.force_login(user)
    for index in range(5):
        answer = client.post("/accounts/cabinet/phone/", {"phone": f"067 111 22 3{index}"})
        assert answer.status_code == 302
    refused = client.post("/accounts/cabinet/phone/", {"phone": "067 111 22 39"})
    assert refused.status_code == 429 and b"Too many codes" in refused.content
    assert len(sent_codes(sms_file)) == 5


# -- staff: operator verification and sending a confirmation ------------------------------


@pytest.fixture
def operator(db):
    from django.contrib.auth.models import Permission

    user = get_user_model().objects.create_user(username="op", email="op@example.org",
                                                password="x", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="access_admin"),
                              Permission.objects.get(codename="change_person"))
    return user


def test_admin_operator_verifies_with_a_note(client, site, operator):
    identity = phone_of(site)
    client.force_login(operator)
    url = f"/admin/persons/identities/{identity.pk}/verify/"
    refused = client.post(url, {"note": ""}, follow=True)
    assert b"Say how you checked it" in refused.content
    identity.refresh_from_db()
    assert not identity.verified
    client.post(url, {"note": "Called back", "next": "/admin/persons/merges/"})
    identity.refresh_from_db()
    assert identity.verified_by == operator and identity.verification_note == "Called back"


def test_admin_sends_link_and_code(client, site, operator, sms_file):
    email = persons.record_contact(site, email="ivan@example.org").identities.get()
    phone = phone_of(site)
    client.force_login(operator)
    client.post(f"/admin/persons/identities/{email.pk}/send-confirmation/")
    assert Notification.objects.filter(email="ivan@example.org",
                                       event=verification.EVENT_CONFIRM_IDENTITY).exists()
    client.post(f"/admin/persons/identities/{phone.pk}/send-confirmation/")
    assert [to for to, _code in sent_codes(sms_file)] == ["+380671112233"]


def test_admin_identity_of_another_town_not_found(client, site, operator):
    from tests.conftest import add_town

    town = add_town("town2.example.org")
    there = persons.record_contact(town, phone="+380671112233").identities.get()
    client.force_login(operator)
    answer = client.post(f"/admin/persons/identities/{there.pk}/verify/", {"note": "x"})
    assert answer.status_code == 404
    there.refresh_from_db()
    assert not there.verified
