import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from addons.core import registry
from addons.core.addon import StatusLookup, TimelineSource

from . import fakes


@pytest.fixture
def client(client):
    client.cookies["civicdesk_language"] = "en"
    return client


def make_staff(username, *, console=True, **fields):
    user = get_user_model().objects.create_user(
        username=username, email=f"{username}@example.org", password="x-Long-Pass-42",
        is_staff=True, full_name=fields.pop("full_name", username.title()), **fields)
    perms = ["access_admin"] + (["use_console"] if console else [])
    user.user_permissions.add(*Permission.objects.filter(codename__in=perms))
    return get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def operator(site):
    return make_staff("olena")


@pytest.fixture
def operator_client(client, operator):
    client.force_login(operator)
    return client


@pytest.fixture
def fake_records(monkeypatch):
    """A status lookup ("AP-2026-000123") and a timeline source of open records."""
    config = registry.get_addon("contacts")
    monkeypatch.setattr(config, "status_lookup", (StatusLookup(
        key="fake", title="Fake reports", pattern=r"AP-?\d{4}-?\d{6}",
        find="tests.contacts.fakes.find", prefix="AP"),), raising=False)
    monkeypatch.setattr(config, "timeline", (TimelineSource(
        key="fake", title="Fake reports", entries="tests.contacts.fakes.entries"),),
        raising=False)
    fakes.RECORDS.clear()
    yield fakes.RECORDS
    fakes.RECORDS.clear()
