"""Registration, profile and sessions (security review, issue 11: findings 5, 10, 12, 14,
16, 18 and 21)."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client, override_settings
from django.utils import timezone

from addons.accounts import sessions

from .test_profile import data as profile_data
from .test_registration import REGISTER, form_data

User = get_user_model()
PROFILE = "/accounts/cabinet/profile/"
CABINET = "/accounts/cabinet/"


def english_client():
    client = Client()
    client.cookies["civicdesk_language"] = "en"
    return client


# --- finding 14: registration does not tell which addresses have an account ----------------


def test_registering_an_existing_address_answers_as_for_a_new_one(
    client, citizen, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        taken = client.post(REGISTER, form_data(email="OLENA@example.org"))
    with django_capture_on_commit_callbacks(execute=True):
        fresh = english_client().post(REGISTER, form_data(email="new@example.org"))
    assert taken.status_code == fresh.status_code == 302
    assert taken["Location"] == fresh["Location"]
    assert User.objects.filter(email__iexact="olena@example.org").count() == 1
    done = client.get(taken["Location"]).content.decode()
    assert "OLENA@example.org" in done
    # the owner of the address is told, with a way in
    owner_mail = [m for m in mail.outbox if m.to == ["olena@example.org"]]
    assert len(owner_mail) == 1
    body = owner_mail[0].body
    assert "already belongs to your account" in body
    assert "http://testserver/accounts/password/reset/" in body
    assert "http://testserver/accounts/login/" in body
    assert "Kobzar" not in body  # nothing the asker typed but the address


def test_registering_an_unconfirmed_address_sends_its_link_again(
    client, make_user, django_capture_on_commit_callbacks
):
    make_user(is_active=False, email_confirmed=False, data_processing_consent_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(REGISTER, form_data(email="olena@example.org"))
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["olena@example.org"]]
    assert "/accounts/confirm/" in mail.outbox[0].body


@override_settings(CIVICDESK_ACCOUNTS_RATES={"register": "100/h", "register_email": "2/h"})
def test_registration_is_limited_per_address_too(client, db):
    for n in range(2):
        english_client().post(REGISTER, form_data(email="same@example.org"),
                              REMOTE_ADDR=f"192.0.2.{n}")
    refused = english_client().post(REGISTER, form_data(email="SAME@example.org"),
                                    REMOTE_ADDR="192.0.2.9")
    assert refused.status_code == 429


@override_settings(CIVICDESK_TRUSTED_PROXY_COUNT=1, CIVICDESK_ACCOUNTS_RATES={"register": "2/h"})
def test_ten_clients_behind_the_proxy_each_get_their_own_registration_quota(db, figures):
    served = []
    for n in range(1, 11):
        client = english_client()
        codes = [
            client.post(REGISTER, form_data(email=f"c{n}-{k}@example.org", consent=None),
                        REMOTE_ADDR="10.0.0.1",
                        HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code
            for k in range(3)
        ]
        served.append(sum(code != 429 for code in codes))
    figures.add("accounts", f"registration: 10 clients behind one proxy, served {served} "
                "of 3 each (2/h)")
    assert served == [2] * 10


# --- findings 14 and 18: the email in the profile -------------------------------------------


def test_changing_the_email_needs_the_current_password(citizen_client, citizen):
    response = citizen_client.post(PROFILE, profile_data(
        citizen, full_name="Typed Name", email="new@example.org"))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "current password" in errors["current_password"][0]
    html = response.content.decode()
    assert 'value="Typed Name"' in html and 'value="new@example.org"' in html
    wrong = citizen_client.post(PROFILE, profile_data(
        citizen, email="new@example.org", current_password="not-it"))
    assert "not correct" in wrong.context["form"].errors["current_password"][0]
    assert not mail.outbox
    citizen.refresh_from_db()
    assert citizen.full_name == "Olena Petrenko"


def test_current_password_error_is_translated(citizen_client, citizen):
    citizen_client.cookies["civicdesk_language"] = "uk"
    response = citizen_client.post(PROFILE, profile_data(
        citizen, email="new@example.org", language="uk"))
    assert "пароль" in response.context["form"].errors["current_password"][0]


def test_other_fields_change_without_the_password(citizen_client, citizen):
    response = citizen_client.post(PROFILE, profile_data(citizen, phone="044 222 33 44"))
    assert response.status_code == 302
    citizen.refresh_from_db()
    assert citizen.phone == "044 222 33 44"


def test_a_taken_address_gets_the_same_answer_and_its_owner_is_told(
    citizen_client, citizen, make_user, password, django_capture_on_commit_callbacks
):
    make_user(email="taken@example.org", username="other")
    with django_capture_on_commit_callbacks(execute=True):
        taken = citizen_client.post(PROFILE, profile_data(
            citizen, email="Taken@example.org", current_password=password), follow=True)
    with django_capture_on_commit_callbacks(execute=True):
        free = citizen_client.post(PROFILE, profile_data(
            citizen, email="free@example.org", current_password=password), follow=True)
    said = [str(m) for m in taken.context["messages"]]
    assert any("We have sent a link to Taken@example.org" in m for m in said)
    assert [m.replace("Taken@example.org", "X") for m in said] == [
        m.replace("free@example.org", "X") for m in (str(m) for m in free.context["messages"])
    ]
    to_taken = [m for m in mail.outbox if m.to == ["taken@example.org"]]
    assert len(to_taken) == 1 and "/accounts/email/confirm/" not in to_taken[0].body
    assert "already belongs to your account" in to_taken[0].body


@override_settings(CIVICDESK_ACCOUNTS_RATES={"email_change": "3/h"})
def test_email_changes_are_limited_per_account(citizen_client, citizen, password, figures):
    answers = []
    for n in range(5):
        response = citizen_client.post(PROFILE, profile_data(
            citizen, email=f"probe{n}@example.org", current_password=password,
            full_name="Typed Name"), REMOTE_ADDR=f"192.0.2.{n}")
        answers.append(response.status_code)
    figures.add("accounts", f"profile email: 5 changes asked, answers {answers} (3/h per account)")
    assert answers == [302, 302, 302, 200, 200]
    form = response.context["form"]
    assert "too often" in form.errors["email"][0]
    assert 'value="Typed Name"' in response.content.decode()


# --- finding 12: over-long and odd values -----------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email", "a" * 300 + "@example.org"),
        ("email", "x" * 300_000),
        ("full_name", "N" * 100_000),
        ("postal_address", "A" * 100_000),
        ("phone", "1" * 10_000),
        ("password1", "p" * 300_000),
        ("email", "\u202eexample@example.org"),
        ("full_name", "\x00\x01"),
    ],
)
def test_odd_registration_values_get_a_form_error(client, db, field, value):
    data = form_data(**{field: value})
    if field == "password1":
        data["password2"] = "different"
    response = client.post(REGISTER, data)
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert response.context["form"].errors
    assert not User.objects.exists()


@pytest.mark.parametrize("email", ["a" * 300 + "@example.org", "x" * 300_000, "a@b" * 1000])
def test_odd_password_reset_values_get_a_form_error(client, db, email):
    response = client.post("/accounts/password/reset/", {"email": email})
    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    admin = client.post("/admin/password_reset/", {"email": email})
    assert admin.status_code == 200


def test_odd_reset_links_are_refused_plainly(client, db):
    response = client.get("/accounts/password/reset/" + "A" * 5000 + "/set-password/")
    assert response.status_code == 200
    assert not response.context["validlink"]


# --- finding 16: idle and absolute session lifetimes -----------------------------------------


def log_in(client, user, password):
    response = client.post("/accounts/login/", {"username": user.email, "password": password})
    assert response.status_code == 302
    return response


def test_citizen_session_ends_after_two_idle_hours(client, citizen, password, clock):
    response = log_in(client, citizen, password)
    assert int(response.cookies["sessionid"]["max-age"]) == 2 * 3600
    clock.move(2 * 3600 - 60)
    assert client.get(CABINET).status_code == 200  # activity keeps it alive
    clock.move(2 * 3600 - 60)
    assert client.get(CABINET).status_code == 200
    clock.move(2 * 3600 + 1)
    response = client.get(CABINET)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    page = client.get(response["Location"])
    assert "signed out" in page.content.decode()
    assert "_auth_user_id" not in client.session


def test_staff_session_idles_out_after_thirty_minutes(client, make_user, password, clock):
    staff = make_user(email="clerk@city.example", username="clerk", is_staff=True)
    log_in(client, staff, password)
    assert client.session[sessions.KIND] == "staff"
    clock.move(29 * 60)
    assert client.get(CABINET).status_code == 200
    clock.move(30 * 60 + 1)
    assert client.get(CABINET).status_code == 302


def test_staff_session_ends_after_twelve_hours_of_use(client, make_user, password, clock):
    staff = make_user(email="clerk@city.example", username="clerk", is_staff=True)
    log_in(client, staff, password)
    for _ in range(12 * 3):  # a request every 20 minutes
        assert client.get(CABINET).status_code == 200
        clock.move(20 * 60)
    clock.move(1)  # 12 hours and a second after the login
    assert client.get(CABINET).status_code == 302
    assert "_auth_user_id" not in client.session


def test_citizen_session_has_no_absolute_limit(client, citizen, password, clock):
    log_in(client, citizen, password)
    for _ in range(20):
        clock.move(3600)
        assert client.get(CABINET).status_code == 200


@override_settings(CIVICDESK_SESSION_IDLE_TIMEOUT={"citizen": 600})
def test_limits_come_from_settings(client, citizen, password, clock):
    log_in(client, citizen, password)
    clock.move(601)
    assert client.get(CABINET).status_code == 302


def test_a_session_from_before_starts_counting_now(client, citizen, clock):
    client.force_login(citizen)
    session = client.session
    for key in (sessions.LOGIN_AT, sessions.SEEN_AT, sessions.KIND):
        session.pop(key, None)
    session.save()
    assert client.get(CABINET).status_code == 200
    clock.move(3600)
    assert client.get(CABINET).status_code == 200


# --- finding 10 (part): expired sessions are cleared on a schedule ---------------------------


def test_expired_sessions_are_cleared_by_a_scheduled_job(db):
    from django.contrib.sessions.backends.db import SessionStore
    from django_q.models import Schedule

    from addons.accounts.jobs import clear_expired_sessions
    from addons.core.schedules import sync_schedules

    sync_schedules()
    schedule = Schedule.objects.get(name="accounts.clear_expired_sessions")
    assert schedule.func == "addons.accounts.jobs.clear_expired_sessions"
    assert sync_schedules()["accounts.clear_expired_sessions"] == "unchanged"
    assert Schedule.objects.filter(name="accounts.clear_expired_sessions").count() == 1

    old, live = SessionStore(), SessionStore()
    old["x"] = live["x"] = 1
    old.set_expiry(1)
    old.create()
    live.create()
    Session.objects.filter(session_key=old.session_key).update(
        expire_date=timezone.now() - timezone.timedelta(days=1)
    )
    clear_expired_sessions()
    clear_expired_sessions()  # idempotent
    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session_key]


# --- finding 21: the language cookie ------------------------------------------------------


def test_language_cookie_is_same_site_lax(client, db):
    response = client.post("/i18n/setlang/", {"language": "ro", "next": "/"})
    cookie = response.cookies["civicdesk_language"]
    assert cookie["samesite"] == "Lax"
    assert cookie["httponly"]


def test_language_cookie_set_with_the_profile_is_same_site_lax(client, citizen, password):
    # logging in keeps the page's language and sets no cookie; saving the profile does
    response = log_in(client, citizen, password)
    assert "civicdesk_language" not in response.cookies
    response = client.post("/accounts/cabinet/profile/", {
        "full_name": citizen.full_name, "postal_address": citizen.postal_address,
        "phone": citizen.phone, "email": citizen.email, "language": "ro"})
    assert response.status_code == 302
    assert response.cookies["civicdesk_language"].value == "ro"
    assert response.cookies["civicdesk_language"]["samesite"] == "Lax"
