import json

from django.apps import apps
from django.contrib.auth import get_user_model
from django.urls import reverse

from addons.accounts import services
from addons.core.models import Notification

User = get_user_model()


def test_download_all_own_data(citizen_client, citizen, demo_addon, make_user):
    Notification.objects.create(recipient=citizen, event="demo", subject="Your appeal",
                                body="Answered", status="sent")
    other = make_user(email="other@example.org", username="other")
    Notification.objects.create(recipient=other, event="demo", subject="Not yours", body="x")
    response = citizen_client.get(reverse("accounts:data_download"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith('attachment; filename="civicdesk-my-data-')
    data = json.loads(response.content)
    assert data["profile"]["email"] == "olena@example.org"
    assert data["profile"]["full_name"] == "Olena Petrenko"
    assert data["profile"]["postal_address"] == "1 Khreshchatyk St, Kyiv, 01001"
    assert "password" not in data["profile"]
    assert [n["subject"] for n in data["notifications"]] == ["Your appeal"]
    assert data["addons"]["demo"] == {"appeals": [{"subject": "Pothole",
                                                   "author": "Olena Petrenko"}]}
    assert "accounts" not in data["addons"]


def test_download_needs_login(client, db):
    response = client.get(reverse("accounts:data_download"))
    assert response.status_code == 302


def test_accounts_config_implements_the_contract(citizen):
    config = apps.get_app_config("accounts")
    data = config.personal_data(citizen)
    assert data["profile"]["phone"] == "+380 44 123 45 67"
    config.anonymise(citizen)
    citizen.refresh_from_db()
    assert citizen.full_name == "" and citizen.anonymised_at is not None


def test_delete_page_needs_login(client, db):
    assert client.get(reverse("accounts:delete_account")).status_code == 302


def test_delete_with_wrong_password_keeps_everything(citizen_client, citizen, demo_addon):
    response = citizen_client.post(reverse("accounts:delete_account"), {"password": "nope"})
    assert response.status_code == 200
    assert "not correct" in response.context["form"].errors["password"][0]
    assert demo_addon.anonymised == []
    citizen.refresh_from_db()
    assert citizen.is_active and citizen.full_name == "Olena Petrenko"


def test_delete_without_password(citizen_client, citizen):
    response = citizen_client.post(reverse("accounts:delete_account"), {})
    assert response.status_code == 200
    assert response.context["form"].errors["password"]


def test_delete_account_anonymises(citizen_client, citizen, password, demo_addon, client):
    from django.contrib.auth.models import Group

    citizen.groups.add(Group.objects.create(name="Test moderators of the water utility"))
    Notification.objects.create(recipient=citizen, event="demo", subject="Hi", body="x")
    Notification.objects.create(recipient=None, email="olena@example.org", event="x",
                                subject="Confirm", body="link")
    kept = Notification.objects.create(recipient=None, email="someone@example.org", event="x",
                                       subject="Other", body="x")
    page = citizen_client.get(reverse("accounts:delete_account"))
    assert page.status_code == 200
    response = citizen_client.post(reverse("accounts:delete_account"), {"password": password})
    assert response["Location"] == reverse("accounts:account_deleted")
    assert "_auth_user_id" not in citizen_client.session
    assert citizen_client.get(response["Location"]).status_code == 200

    # every add-on saw the person before the account was blanked
    assert demo_addon.anonymised == [(citizen.pk, "olena@example.org")]
    user = User.objects.get(pk=citizen.pk)
    assert user.email == f"deleted-{user.pk}@invalid"
    assert user.username == f"deleted-{user.pk}"
    assert (user.full_name, user.first_name, user.last_name) == ("", "", "")
    assert (user.postal_address, user.phone, user.language) == ("", "", "")
    assert not user.has_usable_password()
    assert not user.is_active and not user.is_staff and not user.is_superuser
    assert user.anonymised_at is not None
    assert not user.groups.exists()
    assert not Notification.objects.filter(recipient=user).exists()
    assert not Notification.objects.filter(email="olena@example.org").exists()
    assert Notification.objects.filter(pk=kept.pk).exists()
    # the address is free again, and the old credentials open nothing
    assert not services.email_in_use("olena@example.org")
    login = client.post("/accounts/login/", {"username": "olena@example.org",
                                             "password": password})
    assert "_auth_user_id" not in client.session
    assert login.status_code == 200


def test_two_deleted_accounts_do_not_collide(make_user):
    first = make_user()
    second = make_user(email="second@example.org", username="second")
    services.delete_account(first)
    services.delete_account(second)
    assert User.objects.filter(email__endswith="@invalid").count() == 2


def test_other_sessions_end_too(client, citizen, password):
    from django.test import Client

    other = Client()
    other.force_login(citizen, backend="addons.accounts.backends.EmailOrUsernameBackend")
    assert other.get("/accounts/cabinet/").status_code == 200
    services.delete_account(User.objects.get(pk=citizen.pk))
    response = other.get("/accounts/cabinet/")
    assert response.status_code == 302  # the session no longer authenticates


def test_failing_addon_rolls_back_the_deletion(citizen, monkeypatch, demo_addon):
    def broken(user):
        raise RuntimeError("storage down")

    monkeypatch.setattr(demo_addon, "anonymise", broken)
    try:
        services.delete_account(citizen)
    except RuntimeError:
        pass
    citizen.refresh_from_db()
    assert citizen.anonymised_at is None and citizen.full_name == "Olena Petrenko"
