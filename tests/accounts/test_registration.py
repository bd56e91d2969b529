import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail, signing
from django.test import override_settings
from django.urls import reverse

from addons.accounts import services, tokens
from addons.core.models import Notification

User = get_user_model()
REGISTER = "/accounts/register/"


def form_data(**overrides):
    data = {
        "full_name": "Taras Shevchenko",
        "email": "taras@example.org",
        "password1": "Kobzar-1840-poems",
        "password2": "Kobzar-1840-poems",
        "postal_address": "5 Volodymyrska St, Kyiv",
        "phone": "+380 67 000 11 22",
        "consent": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def confirmation_link(message):
    match = re.search(r"https?://\S+/accounts/confirm/\S+/", message.body)
    assert match, message.body
    return match.group(0)


def register(client, capture, **overrides):
    with capture(execute=True):
        return client.post(REGISTER, form_data(**overrides))


def test_form_renders_accessibly(client, db):
    response = client.get(REGISTER)
    assert response.status_code == 200
    html = response.content.decode()
    for name in ("full_name", "email", "password1", "password2", "postal_address", "phone",
                 "consent"):
        assert f'for="id_{name}"' in html, name
    assert 'autocomplete="new-password"' in html


def test_registration_creates_inactive_account_and_mails_link(
    client, db, django_capture_on_commit_callbacks
):
    response = register(client, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:register_done")
    user = User.objects.get(email="taras@example.org")
    assert not user.is_active and not user.email_confirmed
    assert user.full_name == "Taras Shevchenko"
    assert user.postal_address == "5 Volodymyrska St, Kyiv"
    assert user.phone == "+380 67 000 11 22"
    assert user.data_processing_consent_at is not None
    assert user.check_password("Kobzar-1840-poems")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["taras@example.org"]
    # the confirmation link is not the citizen's inbox copy
    assert not Notification.objects.filter(recipient=user).exists()
    done = client.get(response["Location"])
    assert b"taras@example.org" in done.content


def test_email_is_in_the_visitors_language(client, db, django_capture_on_commit_callbacks):
    client.cookies["civicdesk_language"] = "uk"
    register(client, django_capture_on_commit_callbacks)
    user = User.objects.get(email="taras@example.org")
    assert user.language == "uk"
    assert "Підтвердіть" in mail.outbox[0].subject


def test_confirmation_link_activates_then_login_works(
    client, db, django_capture_on_commit_callbacks
):
    register(client, django_capture_on_commit_callbacks)
    link = confirmation_link(mail.outbox[0])
    path = link.split("testserver", 1)[1]
    response = client.get(path)
    assert response.status_code == 200
    user = User.objects.get(email="taras@example.org")
    assert user.is_active and user.email_confirmed
    # a second click says so, harmlessly
    again = client.get(path)
    assert again.status_code == 200
    assert again.context["result"] == "already"
    login = client.post("/accounts/login/", {"username": "taras@example.org",
                                             "password": "Kobzar-1840-poems"})
    assert login.status_code == 302
    assert login["Location"] == reverse("accounts:cabinet")


def test_unconfirmed_account_cannot_log_in_and_gets_resend_form(
    client, db, django_capture_on_commit_callbacks
):
    register(client, django_capture_on_commit_callbacks)
    response = client.post("/accounts/login/", {"username": "taras@example.org",
                                                "password": "Kobzar-1840-poems"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    html = response.content.decode()
    assert "not confirmed" in html
    assert reverse("accounts:resend_confirmation") in html
    assert response.context["resend_form"].initial["email"] == "taras@example.org"
    # the Wagtail admin login does not let it in either
    admin = client.post("/admin/login/", {"username": "taras@example.org",
                                          "password": "Kobzar-1840-poems"})
    assert "_auth_user_id" not in client.session
    assert admin.status_code == 200


def test_unconfirmed_with_wrong_password_gets_the_plain_error(
    client, db, django_capture_on_commit_callbacks
):
    register(client, django_capture_on_commit_callbacks)
    response = client.post("/accounts/login/", {"username": "taras@example.org",
                                                "password": "wrong-password"})
    assert "resend_form" not in response.context
    assert "do not match" in response.content.decode()


def test_expired_link(client, db, django_capture_on_commit_callbacks, settings):
    register(client, django_capture_on_commit_callbacks)
    path = confirmation_link(mail.outbox[0]).split("testserver", 1)[1]
    settings.CIVICDESK_ACCOUNTS_CONFIRMATION_MAX_AGE = -1
    response = client.get(path)
    assert response.status_code == 400
    assert response.context["result"] == "expired"
    assert not User.objects.get(email="taras@example.org").is_active


@pytest.mark.parametrize("token", ["garbage", "a:b:c", signing.dumps({"u": 1}, salt="other")])
def test_tampered_link(client, db, token):
    response = client.get(f"/accounts/confirm/{token}/")
    assert response.status_code == 400
    assert response.context["result"] == "invalid"


def pending(make_user, **fields):
    from django.utils import timezone

    return make_user(is_active=False, email_confirmed=False,
                     data_processing_consent_at=timezone.now(), **fields)


def test_link_for_another_purpose_is_refused(make_user):
    user = pending(make_user)
    token = tokens.make_token(user, user.email, tokens.CONFIRM_NEW_EMAIL)
    result, _user = services.confirm_registration(token)
    assert result == services.ConfirmationResult.INVALID
    user.refresh_from_db()
    assert not user.is_active


def test_link_does_not_reactivate_an_account_staff_deactivated(make_user):
    from django.utils import timezone

    user = pending(make_user, last_login=timezone.now())
    token = tokens.make_token(user, user.email, tokens.CONFIRM_REGISTRATION)
    result, _user = services.confirm_registration(token)
    assert result == services.ConfirmationResult.INVALID
    user.refresh_from_db()
    assert not user.is_active


def test_resend_sends_a_new_link_and_says_nothing_about_accounts(
    client, db, django_capture_on_commit_callbacks
):
    register(client, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post("/accounts/confirm/resend/", {"email": "TARAS@example.org"},
                            follow=True)
    assert len(mail.outbox) == 1
    with django_capture_on_commit_callbacks(execute=True):
        unknown = client.post("/accounts/confirm/resend/", {"email": "nobody@example.org"},
                              follow=True)
    assert len(mail.outbox) == 1
    known_messages = [str(m) for m in known.context["messages"]]
    unknown_messages = [str(m) for m in unknown.context["messages"]]
    assert known_messages == unknown_messages and known_messages


def test_resend_ignores_confirmed_accounts(client, citizen, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/confirm/resend/", {"email": citizen.email})
    assert mail.outbox == []


def test_resend_with_bad_email_shows_error(client, db):
    response = client.post("/accounts/confirm/resend/", {"email": "not-an-email"})
    assert response.status_code == 200
    assert response.context["form"].errors["email"]


def test_duplicate_email_makes_no_account_and_is_not_revealed(client, citizen):
    response = client.post(REGISTER, form_data(email="OLENA@example.org"))
    # the same answer as a new registration (see test_account_security)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:register_done")
    assert User.objects.count() == 1


def test_service_refuses_duplicate_too(citizen):
    with pytest.raises(services.EmailTaken):
        services.register_citizen(
            email="olena@EXAMPLE.org", password="x" * 12, full_name="X", consent=True,
            base_url="http://testserver/",
        )


def test_service_refuses_without_consent(db):
    with pytest.raises(ValueError):
        services.register_citizen(
            email="a@example.org", password="x" * 12, full_name="X", consent=False,
            base_url="http://testserver/",
        )


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"password1": "12345678", "password2": "12345678"}, "password2", "common"),
        ({"password1": "short", "password2": "short"}, "password2", "too short"),
        ({"password2": "Kobzar-1840-different"}, "password2", "didn"),
        ({"password1": "taras-shevchenko", "password2": "taras-shevchenko"}, "password2",
         "similar"),
        ({"consent": None}, "consent", "consent"),
        ({"email": "not-an-email"}, "email", "valid email"),
        ({"email": ""}, "email", "required"),
        ({"full_name": ""}, "full_name", "required"),
        ({"phone": "call me maybe"}, "phone", "7 to 15 digits"),
        ({"phone": "123"}, "phone", "7 to 15 digits"),
    ],
)
def test_bad_input_keeps_what_was_typed_but_not_passwords(client, db, overrides, field,
                                                          fragment):
    response = client.post(REGISTER, form_data(**overrides))
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors, form.errors
    assert fragment in " ".join(form.errors[field]), form.errors[field]
    html = response.content.decode()
    # what was typed is kept...
    if "full_name" not in overrides:
        assert 'value="Taras Shevchenko"' in html
    assert "5 Volodymyrska St, Kyiv" in html
    # ...never the passwords
    assert "Kobzar-1840" not in html
    assert 'name="password1"' in html and 'name="password2"' in html
    # the error is tied to its field
    assert f'id="id_{field}_error"' in html
    assert User.objects.count() == 0


def test_authenticated_visitor_is_sent_to_cabinet(citizen_client):
    response = citizen_client.get(REGISTER)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:cabinet")


@override_settings(CIVICDESK_ACCOUNTS_RATES={"register": "2/h"})
def test_registration_is_rate_limited(client, db):
    for index in range(2):
        client.post(REGISTER, form_data(email=f"bad{index}", consent=None))
    response = client.post(REGISTER, form_data())
    assert response.status_code == 429
    assert not User.objects.exists()


@override_settings(CIVICDESK_ACCOUNTS_RATES={"resend": "100/h", "resend_email": "2/h"})
def test_resend_is_rate_limited_per_address(client, db):
    for _ in range(2):
        assert client.post("/accounts/confirm/resend/", {"email": "x@example.org"}).status_code \
            == 302
    assert client.post("/accounts/confirm/resend/", {"email": "X@example.org"}).status_code == 429
    # another address is still served
    assert client.post("/accounts/confirm/resend/", {"email": "y@example.org"}).status_code == 302


@override_settings(CIVICDESK_ACCOUNTS_RATES={"resend": "2/h"})
def test_resend_is_rate_limited_per_client(client, db):
    for index in range(2):
        client.post("/accounts/confirm/resend/", {"email": f"x{index}@example.org"})
    assert client.post("/accounts/confirm/resend/", {"email": "z@example.org"}).status_code == 429


def test_username_is_generated_when_the_email_is_someones_username(make_user):
    make_user(email="old@example.org", username="new@example.org")
    user = services.register_citizen(
        email="new@example.org", password="Kobzar-1840-poems", full_name="N", consent=True,
        base_url="http://testserver/",
    )
    assert user.username.startswith("citizen-")


@pytest.mark.parametrize("url", [REGISTER, "/accounts/password/change/"])
def test_password_rules_are_plain_text(client, citizen, url):
    if "change" in url:
        client.force_login(citizen)
    html = client.get(url).content.decode()
    assert "at least 8 characters" in html
    assert '<p class="help" id="id_password1_helptext"><ul>' not in html
    assert "<ul><li>Your password" not in html


def test_account_staff_made_inactive_is_not_offered_a_link(client, make_user, password):
    make_user(is_active=False, email_confirmed=False)  # made in the admin, switched off
    response = client.post("/accounts/login/", {"username": "olena@example.org",
                                                "password": password})
    assert "resend_form" not in response.context
    assert not services.resend_confirmation("olena@example.org", base_url="http://x/")
