import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from addons.core.models import Notification

pytestmark = pytest.mark.django_db

INDEX = "notification_outbox:index"


@pytest.fixture
def rows(site, citizen):
    return [
        Notification.objects.create(site=site, recipient=citizen, email=citizen.email,
                                    event="appeal_registered", subject="Appeal AP-1 registered",
                                    body="...", status=Notification.Status.SENT),
        Notification.objects.create(site=site, recipient=None, email="guest@example.org",
                                    event="report_closed", subject="Report closed",
                                    body="...", status=Notification.Status.FAILED,
                                    attempts=5, last_error="SMTP down"),
    ]


def _titles(response):
    return [row.subject for row in response.context["object_list"]]


def test_superuser_lists_and_filters(client, superuser, rows):
    client.force_login(superuser)
    url = reverse(INDEX)
    response = client.get(url)
    assert response.status_code == 200
    assert sorted(_titles(response)) == ["Appeal AP-1 registered", "Report closed"]
    assert "Appeal AP-1 registered" in response.content.decode()
    assert _titles(client.get(url, {"status": "failed"})) == ["Report closed"]
    assert _titles(client.get(url, {"event": "appeal_registered"})) == ["Appeal AP-1 registered"]
    assert _titles(client.get(url, {"recipient": "olena"})) == ["Appeal AP-1 registered"]
    assert _titles(client.get(url, {"recipient": "guest@"})) == ["Report closed"]
    assert _titles(client.get(url, {"q": "closed"})) == ["Report closed"]


def test_superuser_inspects_a_row(client, superuser, rows):
    client.force_login(superuser)
    response = client.get(reverse("notification_outbox:inspect", args=[rows[1].pk]))
    assert response.status_code == 200
    assert "SMTP down" in response.content.decode()


def test_read_only_even_for_superusers(client, superuser, rows):
    client.force_login(superuser)
    assert client.get(reverse("notification_outbox:add")).status_code in (302, 403)
    edit = reverse("notification_outbox:edit", args=[rows[0].pk])
    assert client.get(edit).status_code in (302, 403)
    assert client.post(edit, {"subject": "changed"}).status_code in (302, 403)
    delete = reverse("notification_outbox:delete", args=[rows[0].pk])
    assert client.post(delete).status_code in (302, 403)
    rows[0].refresh_from_db()
    assert rows[0].subject == "Appeal AP-1 registered"
    assert Notification.objects.count() == 2
    listing = client.get(reverse(INDEX)).content.decode()
    assert reverse("notification_outbox:add") not in listing
    assert edit not in listing


def test_staff_without_superuser_cannot_see(client, django_user_model, rows):
    editor = django_user_model.objects.create_user(
        username="editor", email="editor@example.org", password="x", is_staff=True
    )
    editor.user_permissions.add(
        Permission.objects.get(codename="access_admin"),
        *Permission.objects.filter(content_type__app_label="core",
                                   codename__endswith="notification"),
    )
    client.force_login(editor)
    response = client.get(reverse(INDEX))
    assert response.status_code in (302, 403)
    assert client.get(reverse("notification_outbox:inspect", args=[rows[0].pk])).status_code in (
        302, 403
    )


def test_settings_menu_links_the_outbox(client, superuser, site):
    client.force_login(superuser)
    response = client.get(reverse("wagtailadmin_home"))
    assert reverse(INDEX) in response.content.decode()
