"""Feedback on the casework desk: the declaration, marking handled and reopening through the
services (audit log, refusals translated, scope), two towns kept apart."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.module_loading import import_string
from wagtail.models import ModelLogEntry

from addons.addressees import services
from addons.addressees.models import AddresseeCatalogPage, FeedbackMessage
from addons.core import registry
from addons.core.casework import queries
from tests.conftest import add_town

from .helpers import add_addressee

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_services():
    """Service messages are checked in English unless a test picks another language."""
    with translation.override("en"):
        yield


@pytest.fixture
def transport(catalog):
    return add_addressee(catalog, "Transport department")


@pytest.fixture
def parks(catalog):
    return add_addressee(catalog, "Parks department")


def moderator_of(page, username):
    user = get_user_model().objects.create_user(username=username, password="x",
                                                email=f"{username}@city.example")
    user.groups.add(page.moderators)
    return user


def message_to(page, text="The bus stop has no timetable."):
    return FeedbackMessage.objects.create(addressee=page, name="Taras", email="t@example.com",
                                          message=text)


def declaration():
    _addon, casework = registry.casework_for("feedback")
    return casework


def test_declaration_names_importable_services_and_templates(transport):
    casework = declaration()
    assert casework.model == "addressees.FeedbackMessage" and casework.assignable
    for action in casework.actions:
        assert callable(import_string(action.service))
        assert callable(import_string(action.available))
    assert [a.key for a in casework.actions if a.bulk] == ["mark_handled"]
    assert import_string(casework.open)() is not None
    model = queries.model_of(casework)
    for name in (*casework.list_display, *casework.list_filter, *casework.search_fields):
        model._meta.get_field(name)
    message = message_to(transport)
    html = render_to_string(casework.detail_sections[0].template, {"record": message})
    assert "The bus stop has no timetable." in html and "Transport department" in html
    assert "t@example.com" in html


def test_mark_handled_writes_the_audit_log_and_closes(transport):
    moderator = moderator_of(transport, "mod")
    message = message_to(transport)
    casework = declaration()
    assert queries.scope(casework, moderator, None).filter(queries.open_q(casework)).count() == 1
    result = services.mark_feedback_handled(message, moderator)
    assert str(result) == "The message is marked handled."
    message.refresh_from_db()
    assert message.handled
    entry = ModelLogEntry.objects.get(action=services.FEEDBACK_HANDLED)
    assert entry.user_id == moderator.pk and entry.object_id == str(message.pk)
    assert entry.data["addressee"] == transport.pk
    assert queries.scope(casework, moderator, None).filter(queries.open_q(casework)).count() == 0
    assert services.feedback_is_handled(message) and not services.feedback_is_open(message)
    # a second time: refused, nothing logged
    with pytest.raises(ValidationError, match="already marked handled"):
        services.mark_feedback_handled(message, moderator)
    assert ModelLogEntry.objects.filter(action=services.FEEDBACK_HANDLED).count() == 1
    services.reopen_feedback(message, moderator)
    message.refresh_from_db()
    assert not message.handled
    assert ModelLogEntry.objects.filter(action=services.FEEDBACK_REOPENED).count() == 1
    with pytest.raises(ValidationError, match="not marked handled"):
        services.reopen_feedback(message, moderator)


def test_a_selection_partly_out_of_scope_changes_only_the_own_messages(transport, parks):
    moderator = moderator_of(transport, "mod")
    own, foreign = message_to(transport, "Own message"), message_to(parks, "Foreign message")
    refused = []
    for message in (own, foreign):
        try:
            services.mark_feedback_handled(message, moderator)
        except ValidationError as error:
            refused.append((message.pk, error.messages))
    assert refused == [(foreign.pk, ["You do not handle the messages of this addressee."])]
    assert FeedbackMessage.objects.get(pk=own.pk).handled
    assert not FeedbackMessage.objects.get(pk=foreign.pk).handled
    assert ModelLogEntry.objects.filter(action=services.FEEDBACK_HANDLED).count() == 1


def test_refusal_in_the_staff_members_language(transport, parks):
    moderator = moderator_of(transport, "mod")
    with translation.override("uk"), pytest.raises(ValidationError) as error:
        services.mark_feedback_handled(message_to(parks), moderator)
    assert error.value.messages == ["Ви не опрацьовуєте повідомлення цього адресата."]


def test_two_towns_each_staff_member_sees_their_towns_messages(site, transport):
    town2 = add_town("town2.example")
    catalog2 = town2.root_page.add_child(instance=AddresseeCatalogPage(title="Catalog 2",
                                                                       slug="catalog-2"))
    roads2 = add_addressee(catalog2, "Town 2 roads")
    here, there = message_to(transport, "Here"), message_to(roads2, "There")
    casework = declaration()
    admin = get_user_model().objects.create_superuser("root", "root@example.org", "x")
    assert list(queries.scope(casework, admin, site)) == [here]
    assert list(queries.scope(casework, admin, town2)) == [there]
    moderator2 = moderator_of(roads2, "mod2")
    assert list(queries.scope(casework, moderator2, town2)) == [there]
    assert not queries.scope(casework, moderator2, site).exists()
    with pytest.raises(ValidationError):
        services.mark_feedback_handled(here, moderator2)
