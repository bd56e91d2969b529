import re

import pytest
from django.core import mail
from django.urls import reverse

from addons.accounts import services, tokens
from addons.core.models import Notification

from .conftest import PASSWORD

PROFILE = "/accounts/cabinet/profile/"


def data(citizen, **overrides):
    values = {
        "full_name": citizen.full_name,
        "postal_address": citizen.postal_address,
        "phone": citizen.phone,
        "email": citizen.email,
        "language": "en",
    }
    values.update(overrides)
    return values


def test_profile_needs_login(client, db):
    response = client.get(PROFILE)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_profile_shows_required_fields_and_completeness(citizen_client, citizen):
    html = citizen_client.get(PROFILE).content.decode()
    assert "Your profile is complete." in html
    assert "full name, postal address, email address" in html
    assert 'value="Olena Petrenko"' in html


def test_incomplete_profile_is_flagged(client, make_user):
    user = make_user(postal_address="")
    client.force_login(user)
    html = client.get(PROFILE).content.decode()
    assert "Your profile is not complete. Missing: postal address." in html
    cabinet = client.get("/accounts/cabinet/").content.decode()
    assert "Your profile is not complete" in cabinet
    assert reverse("accounts:profile") in cabinet


def test_save_profile_and_language_cookie(citizen_client, citizen):
    response = citizen_client.post(PROFILE, data(
        citizen, full_name="Olena Ivanivna Petrenko", postal_address="2 Bankova St, Kyiv",
        phone="044 222 33 44", language="bg"))
    assert response.status_code == 302
    assert response.cookies["civicdesk_language"].value == "bg"
    citizen.refresh_from_db()
    assert citizen.full_name == "Olena Ivanivna Petrenko"
    assert citizen.postal_address == "2 Bankova St, Kyiv"
    assert citizen.phone == "044 222 33 44"
    assert citizen.language == "bg"
    # the interface now follows the chosen language
    page = citizen_client.get(PROFILE)
    assert page["Content-Language"] == "bg"
    assert 'lang="bg"' in page.content.decode()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": ""}, "email"),
        ({"phone": "ring ring"}, "phone"),
        ({"language": "de"}, "language"),
        ({"language": ""}, "language"),
    ],
)
def test_bad_profile_input(citizen_client, citizen, overrides, field):
    response = citizen_client.post(PROFILE, data(citizen, full_name="Typed Name", **overrides))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert 'value="Typed Name"' in response.content.decode()
    citizen.refresh_from_db()
    assert citizen.full_name == "Olena Petrenko"


def test_email_taken_by_another_account(citizen_client, citizen, make_user, password):
    make_user(email="taken@example.org", username="other")
    response = citizen_client.post(PROFILE, data(citizen, email="Taken@example.org",
                                                 current_password=password))
    # answered as for a free address (see test_account_security); nothing changes
    assert response.status_code == 302
    citizen.refresh_from_db()
    assert citizen.email == "olena@example.org"


def new_email_link(message):
    return re.search(r"http://testserver(/accounts/email/confirm/\S+/)", message.body).group(1)


def test_email_change_needs_confirmation(
    citizen_client, citizen, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = citizen_client.post(
            PROFILE, data(citizen, email="new@example.org", current_password=PASSWORD),
            follow=True,
        )
    assert any("new@example.org" in str(m) for m in response.context["messages"])
    citizen.refresh_from_db()
    assert citizen.email == "olena@example.org"  # not yet
    assert [m.to for m in mail.outbox] == [["new@example.org"]]
    # the link does not appear in the citizen's inbox (it must prove the mailbox)
    assert not Notification.objects.filter(recipient=citizen).exists()

    link = new_email_link(mail.outbox[0])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = citizen_client.get(link)
    assert confirmed.status_code == 200
    citizen.refresh_from_db()
    assert citizen.email == "new@example.org"
    assert citizen.username == "new@example.org"  # it followed the address
    # the old mailbox is told
    assert [m.to for m in mail.outbox] == [["olena@example.org"]]
    assert Notification.objects.filter(recipient=citizen, event="accounts.email_changed").exists()
    # the link is used up
    again = citizen_client.get(link)
    assert again.context["result"] == "already"


def test_stale_email_change_link_is_refused(citizen):
    first = tokens.make_token(citizen, "a@example.org", tokens.CONFIRM_NEW_EMAIL)
    second = tokens.make_token(citizen, "b@example.org", tokens.CONFIRM_NEW_EMAIL)
    assert services.confirm_email_change(second)[0] == services.ConfirmationResult.CONFIRMED
    assert services.confirm_email_change(first)[0] == services.ConfirmationResult.INVALID
    citizen.refresh_from_db()
    assert citizen.email == "b@example.org"


def test_email_change_refused_when_taken_meanwhile(citizen, make_user):
    token = tokens.make_token(citizen, "late@example.org", tokens.CONFIRM_NEW_EMAIL)
    make_user(email="late@example.org", username="late")
    assert services.confirm_email_change(token)[0] == services.ConfirmationResult.TAKEN
    citizen.refresh_from_db()
    assert citizen.email == "olena@example.org"


def test_bad_email_change_link(citizen_client):
    response = citizen_client.get("/accounts/email/confirm/nonsense/")
    assert response.status_code == 400
    assert response.context["result"] == "invalid"


def test_registration_link_cannot_change_email(citizen):
    token = tokens.make_token(citizen, "x@example.org", tokens.CONFIRM_REGISTRATION)
    assert services.confirm_email_change(token)[0] == services.ConfirmationResult.INVALID


def test_saving_returns_to_a_safe_next_url(citizen_client, citizen):
    """A citizen sent to complete the profile (e.g. from an appeal form) comes back."""
    page = citizen_client.get(PROFILE + "?next=/appeals/new/1/?addressee=5")
    assert 'name="next" value="/appeals/new/1/?addressee=5"' in page.content.decode()
    response = citizen_client.post(
        PROFILE, {**data(citizen), "next": "/appeals/new/1/?addressee=5"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/appeals/new/1/?addressee=5"


def test_saving_ignores_a_foreign_next_url(citizen_client, citizen):
    response = citizen_client.post(PROFILE, {**data(citizen), "next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == PROFILE


def test_save_address_keeps_a_typed_address(citizen, django_user_model):
    """Other add-ons (the appeal form) keep an address the citizen typed through this
    service; nothing is saved for an empty address or a visitor without an account."""
    from django.contrib.auth.models import AnonymousUser

    citizen.postal_address = ""
    citizen.save(update_fields=["postal_address"])
    assert services.save_address(citizen, "  5 Oak Lane, Cluj  ") is True
    citizen.refresh_from_db()
    assert citizen.postal_address == "5 Oak Lane, Cluj"
    assert services.save_address(citizen, "   ") is False
    citizen.refresh_from_db()
    assert citizen.postal_address == "5 Oak Lane, Cluj"
    assert services.save_address(AnonymousUser(), "1 Main Street") is False
    assert services.save_address(None, "1 Main Street") is False
    citizen.is_active = False
    citizen.save(update_fields=["is_active"])
    assert services.save_address(citizen, "2 Other Street") is False
    assert services.save_address(citizen, "x" * 5000) is False
    citizen.refresh_from_db()
    assert citizen.postal_address == "5 Oak Lane, Cluj"


def test_save_address_bounds_its_length(citizen):
    services.save_address(citizen, "y" * 5000)
    citizen.refresh_from_db()
    assert len(citizen.postal_address) == services.ADDRESS_MAX_LENGTH
