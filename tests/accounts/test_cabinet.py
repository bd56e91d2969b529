import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from addons.core.models import Notification

CABINET = "/accounts/cabinet/"


def add_notifications(user, count, **fields):
    rows = [
        Notification(recipient=user, event="demo", subject=f"Message {index}",
                     body=f"Body {index}", status="sent", **fields)
        for index in range(count)
    ]
    Notification.objects.bulk_create(rows)
    return list(Notification.objects.filter(recipient=user).order_by("-created_at", "-pk"))


def test_cabinet_needs_login(client, db):
    response = client.get(CABINET)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/cabinet/"


def test_cabinet_shows_profile_sections_and_links(citizen_client, demo_addon):
    response = citizen_client.get(CABINET)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Olena Petrenko" in html and "1 Khreshchatyk St" in html
    assert "Your profile is not complete" not in html
    assert "DEMO-SECTION" in html  # each enabled add-on's section
    assert reverse("accounts:data_download") in html
    assert reverse("accounts:delete_account") in html
    assert reverse("accounts:profile") in html
    assert "No notifications yet." in html


def test_inbox_newest_first_unread_marked_paginated(citizen_client, citizen, make_user):
    rows = add_notifications(citizen, 12)
    other = make_user(email="other@example.org", username="other")
    add_notifications(other, 1)
    Notification.objects.filter(pk=rows[1].pk).update(read_at=timezone.now())
    response = citizen_client.get(CABINET)
    page = list(response.context["notifications"])
    assert [n.pk for n in page] == [n.pk for n in rows[:10]]
    assert response.context["unread_count"] == 11
    html = response.content.decode()
    assert html.count('class="inbox-item unread"') == 9
    assert "12 unread" not in html and "11 unread" in html
    assert 'rel="next"' in html
    second = citizen_client.get(CABINET + "?page=2")
    assert [n.pk for n in second.context["notifications"]] == [n.pk for n in rows[10:]]
    # someone else's messages never show
    assert "other@example.org" not in html


def test_cabinet_query_count_does_not_grow_with_notifications(
    citizen_client, citizen, demo_addon
):
    add_notifications(citizen, 1)
    citizen_client.get(CABINET)  # warm caches (site root, content types)
    with CaptureQueriesContext(connection) as few:
        assert citizen_client.get(CABINET).status_code == 200
    add_notifications(citizen, 40)
    with CaptureQueriesContext(connection) as many:
        assert citizen_client.get(CABINET).status_code == 200
    assert len(many) == len(few)


def test_open_notification_marks_it_read(citizen_client, citizen):
    (row,) = add_notifications(citizen, 1, url="/accounts/cabinet/profile/")
    response = citizen_client.get(reverse("accounts:notification", args=[row.pk]))
    assert response.status_code == 200
    assert "Body 0" in response.content.decode()
    assert 'href="/accounts/cabinet/profile/"' in response.content.decode()
    row.refresh_from_db()
    assert row.read_at is not None


def test_notification_with_foreign_link_does_not_show_it(citizen_client, citizen):
    (row,) = add_notifications(citizen, 1, url="https://evil.example/")
    response = citizen_client.get(reverse("accounts:notification", args=[row.pk]))
    assert "evil.example" not in response.content.decode()


def test_cannot_open_someone_elses_notification(citizen_client, make_user):
    other = make_user(email="other@example.org", username="other")
    (row,) = add_notifications(other, 1)
    response = citizen_client.get(reverse("accounts:notification", args=[row.pk]))
    assert response.status_code == 404
    row.refresh_from_db()
    assert row.read_at is None


def test_mark_all_read(citizen_client, citizen, make_user):
    add_notifications(citizen, 3)
    other = make_user(email="other@example.org", username="other")
    add_notifications(other, 2)
    assert citizen_client.get(reverse("accounts:mark_all_read")).status_code == 405
    response = citizen_client.post(reverse("accounts:mark_all_read"))
    assert response["Location"] == reverse("accounts:cabinet")
    assert not Notification.objects.filter(recipient=citizen, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=other, read_at__isnull=True).count() == 2


@pytest.mark.parametrize("page", ["999", "abc", "-1"])
def test_bad_page_numbers_do_not_break(citizen_client, citizen, page):
    add_notifications(citizen, 3)
    assert citizen_client.get(f"{CABINET}?page={page}").status_code == 200
