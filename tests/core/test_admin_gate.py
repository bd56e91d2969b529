"""The ``civicdesk_admin_gate`` hook: an add-on refuses admin screens to a role (403); the
admin's other users, superusers and public pages are untouched."""

import pytest
from wagtail import hooks

pytestmark = pytest.mark.django_db


def _refuse_site_history(request, match):
    if request.user.username == "narrow" and match.url_name == "site_history":
        return False
    return None


@pytest.fixture
def staff_users(django_user_model):
    from django.contrib.auth.models import Group, Permission

    group = Group.objects.create(name="Admin access")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    narrow = django_user_model.objects.create_user("narrow", "n@example.org", "pw-12345-long")
    wide = django_user_model.objects.create_user("wide", "w@example.org", "pw-12345-long")
    for user in (narrow, wide):
        user.groups.add(group)
    return narrow, wide


def test_hook_refuses_only_what_it_names(client, home, staff_users):
    narrow, wide = staff_users
    with hooks.register_temporarily("civicdesk_admin_gate", _refuse_site_history):
        client.force_login(narrow)
        assert client.get("/admin/reports/site-history/").status_code == 403
        assert client.get("/admin/").status_code == 200
        client.force_login(wide)
        assert client.get("/admin/reports/site-history/").status_code == 200


def test_public_pages_never_ask(client, home, staff_users):
    def explode(request, match):
        raise AssertionError("asked for a public page")

    with hooks.register_temporarily("civicdesk_admin_gate", explode):
        client.force_login(staff_users[0])
        assert client.get("/").status_code == 200
