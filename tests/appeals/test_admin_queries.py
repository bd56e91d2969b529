"""The desk's lists and the appeal's page run a constant number of queries, whatever the
number of appeals, messages, files and events."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from addons.appeals import services
from addons.appeals.uploads import check_for_staff

from .conftest import upload

pytestmark = pytest.mark.django_db


def count(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("query", ["?work=mine&ordering=due_date", "", "?work=unassigned"])
def test_list_queries_do_not_grow(client, moderator, file_one, query):
    url = reverse("casework_appeals:index") + query
    client.force_login(moderator)
    first = file_one()
    file_one(subject="Nobody's yet")
    type(first).objects.filter(pk=first.pk).update(assignee=moderator)
    client.get(url)  # warm caches that a real server keeps (content types, site)
    few = count(client, url)
    for number in range(12):
        appeal = file_one(subject=f"Appeal {number}", priority="veteran" if number % 2 else "")
        if number % 3 == 0:
            services.start(appeal, moderator)
            type(appeal).objects.filter(pk=appeal.pk).update(assignee=moderator)
    assert count(client, url) == few


def test_appeal_page_queries_do_not_grow(client, moderator, citizen, file_one):
    small, large = file_one(), file_one(subject="Busy one")
    # One message on each: the files of the messages are then read in one more query.
    services.add_note(small, moderator, "Only note")
    for number in range(6):
        services.add_note(large, moderator, f"Note {number}")
    services.comment(large, citizen, "More details", check_for_staff([upload("a.pdf"),
                                                                      upload("b.pdf")]))
    client.force_login(moderator)
    small_url = reverse("casework_appeals:inspect", args=[small.pk])
    large_url = reverse("casework_appeals:inspect", args=[large.pk])
    client.get(small_url)
    assert count(client, small_url) == count(client, large_url)


def test_answered_appeal_page_queries_do_not_grow(client, moderator, file_one):
    small, large = file_one(), file_one(subject="Busy one")
    services.reply(small, moderator, "Short answer")
    for number in range(4):
        services.reply(large, moderator, f"Answer {number}",
                       check_for_staff([upload(f"{number}.pdf")]))
    client.force_login(moderator)
    small_url = reverse("casework_appeals:inspect", args=[small.pk])
    large_url = reverse("casework_appeals:inspect", args=[large.pk])
    client.get(small_url)
    assert count(client, small_url) == count(client, large_url)
