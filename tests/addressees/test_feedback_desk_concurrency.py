"""On PostgreSQL: two members of staff marking one feedback message handled at the same
moment make one change and one audit log entry; the other gets the translated refusal."""

import threading

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import translation
from wagtail.models import ModelLogEntry

from addons.addressees import services
from addons.addressees.models import FeedbackMessage

from .helpers import add_addressee

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
    pytest.mark.postgres,
]


def test_two_staff_marking_handled_at_once_make_one_change(catalog):
    transport = add_addressee(catalog, "Transport department")
    staff = []
    for name in ("first", "second"):
        user = get_user_model().objects.create_user(username=name, password="x",
                                                    email=f"{name}@city.example")
        user.groups.add(transport.moderators)
        staff.append(user)
    message = FeedbackMessage.objects.create(addressee=transport, name="Taras",
                                             email="t@example.com", message="No timetable.")
    barrier = threading.Barrier(len(staff))
    outcomes = []

    def press(user):
        try:
            with translation.override("en"):
                barrier.wait()
                outcomes.append(("done", services.mark_feedback_handled(
                    FeedbackMessage.objects.get(pk=message.pk), user)))
        except ValidationError as error:
            outcomes.append(("refused", error.messages[0]))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=press, args=(user,)) for user in staff]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == [("done", "The message is marked handled."),
                                ("refused", "This message is already marked handled.")]
    message.refresh_from_db()
    assert message.handled
    assert ModelLogEntry.objects.filter(action=services.FEEDBACK_HANDLED).count() == 1
