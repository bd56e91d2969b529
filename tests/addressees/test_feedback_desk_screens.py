"""Feedback on the generated casework desk: the list scoped to the town and the moderator,
filters without other towns' choices, the record page, mark handled through the desk with
the lock, the bulk action over a selection partly out of scope."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from wagtail.models import ModelLogEntry

from addons.addressees import services
from addons.addressees.models import AddresseeCatalogPage, FeedbackMessage
from tests.conftest import add_town

from .helpers import add_addressee

pytestmark = pytest.mark.django_db
INDEX = "casework_feedback:index"


@pytest.fixture
def transport(catalog):
    return add_addressee(catalog, "Transport department")


@pytest.fixture
def parks(catalog):
    return add_addressee(catalog, "Parks department")


def staff_of(page, username, full_name=""):
    user = get_user_model().objects.create_user(username=username, password="x",
                                                email=f"{username}@city.example",
                                                full_name=full_name, language="en")
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    user.groups.add(page.moderators)
    return user


def message_to(page, name="Taras", text="The bus stop has no timetable."):
    return FeedbackMessage.objects.create(addressee=page, name=name, email="t@example.com",
                                          message=text)


def action(message, key):
    return reverse("casework_feedback:action", args=[message.pk, key])


def bulk(key):
    return reverse("wagtail_bulk_action",
                   args=["addressees", "feedbackmessage", f"casework-{key}"])


def test_list_and_record_page_of_the_moderators_messages(client, transport, parks):
    own = message_to(transport, "Own Sender", "Own timetable question")
    other = message_to(parks, "Parks Sender", "Parks bench question")
    client.force_login(staff_of(transport, "mod"))
    html = client.get(reverse(INDEX)).content.decode()
    assert "Own Sender" in html and "Parks Sender" not in html
    page = client.get(reverse("casework_feedback:inspect", args=[own.pk]))
    assert page.status_code == 200
    assert "Own timetable question" in page.content.decode()
    assert "Mark handled" in page.content.decode()
    assert client.get(reverse("casework_feedback:inspect", args=[other.pk])).status_code == 404


def test_two_towns_filter_choices_of_this_town_once_each(client, site, transport, parks):
    town2 = add_town("town2.example")
    catalog2 = town2.root_page.add_child(instance=AddresseeCatalogPage(title="Catalog 2",
                                                                       slug="catalog-2"))
    roads2 = add_addressee(catalog2, "Town 2 roads")
    for page in (transport, transport, parks, roads2):
        message_to(page)
    admin = get_user_model().objects.create_superuser("root", "root@example.org", "x",
                                                      language="en")
    client.force_login(admin)
    response = client.get(reverse(INDEX), HTTP_HOST="localhost")
    choices = list(response.context["filters"].filters["addressee"].queryset)
    assert sorted(page.title for page in choices) == ["Parks department",
                                                      "Transport department"]
    assert response.context["paginator"].count == 3
    response = client.get(reverse(INDEX), HTTP_HOST="town2.example")
    choices = list(response.context["filters"].filters["addressee"].queryset)
    assert [page.title for page in choices] == ["Town 2 roads"]
    assert response.context["paginator"].count == 1


def test_mark_handled_through_the_desk_logs_and_raises_the_lock(client, transport):
    message = message_to(transport)
    moderator = staff_of(transport, "mod")
    client.force_login(moderator)
    response = client.post(action(message, "mark_handled"), {"lock_version": 0}, follow=True)
    assert "The message is marked handled." in response.content.decode()
    message.refresh_from_db()
    assert message.handled and message.lock_version == 1
    assert ModelLogEntry.objects.get(action=services.FEEDBACK_HANDLED).user_id == moderator.pk
    # handled: "mark handled" is not offered any more, "reopen" is
    html = client.get(reverse("casework_feedback:inspect", args=[message.pk])).content.decode()
    assert action(message, "reopen") in html and action(message, "mark_handled") not in html
    assert message.pk not in FeedbackMessage.objects.filter(
        services.feedback_open_q()).values_list("pk", flat=True)


def test_a_stale_form_is_refused_with_who_changed_the_message(client, transport):
    message = message_to(transport)
    first = staff_of(transport, "first", "Olha Koval")
    second = staff_of(transport, "second")
    client.force_login(second)
    client.get(action(message, "mark_handled"))  # opened at version 0
    other = Client()
    other.cookies["civicdesk_language"] = "en"
    other.force_login(first)
    assert other.post(action(message, "mark_handled"), {"lock_version": 0}).status_code == 302
    other.post(action(message, "reopen"), {"lock_version": 1})
    response = client.post(action(message, "mark_handled"), {"lock_version": 0})
    html = response.content.decode()
    assert "Changed by Olha Koval at" in html and "reload to see the change" in html
    message.refresh_from_db()
    assert not message.handled and message.lock_version == 2
    assert ModelLogEntry.objects.filter(action=services.FEEDBACK_HANDLED).count() == 1


def test_bulk_mark_handled_skips_other_addressees_and_towns(client, transport, parks):
    town2 = add_town("town2.example")
    catalog2 = town2.root_page.add_child(instance=AddresseeCatalogPage(title="Catalog 2",
                                                                       slug="catalog-2"))
    roads2 = add_addressee(catalog2, "Town 2 roads")
    own = [message_to(transport, f"Own {n}") for n in range(3)]
    done_before = message_to(transport, "Done before")
    FeedbackMessage.objects.filter(pk=done_before.pk).update(handled=True)
    foreign = [message_to(parks, "Parks person"), message_to(roads2, "Town 2 person")]
    ids = [m.pk for m in own + [done_before] + foreign]
    client.force_login(staff_of(transport, "mod"))
    query = "&".join(f"id={pk}" for pk in ids) + "&next=" + reverse(INDEX)
    confirm = client.get(bulk("mark_handled") + "?" + query).content.decode()
    assert "Parks person" not in confirm and "Town 2 person" not in confirm
    response = client.post(bulk("mark_handled") + "?" + query, {})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "3 done" in page and "2 skipped: not yours" in page
    assert "1 skipped: not available for this record now" in page
    assert FeedbackMessage.objects.filter(pk__in=[m.pk for m in own], handled=True).count() == 3
    assert not FeedbackMessage.objects.filter(pk__in=[m.pk for m in foreign],
                                              handled=True).exists()
    assert ModelLogEntry.objects.filter(action=services.FEEDBACK_HANDLED).count() == 3
