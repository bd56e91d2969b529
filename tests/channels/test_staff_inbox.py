"""The chats' staff inbox in the admin: who sees which conversation (the contact center's
staff every one of their town; other staff what they took over or what was handed to an
addressee they work for; nobody another town's), replies sent and recorded with who sent
them, take over and hand back, a failed send keeping the typed reply."""

import pytest
from django.contrib.auth.models import Permission
from wagtail.models import ModelLogEntry

from addons.accounts.models import Person, PersonAccess
from addons.addressees.models import AddresseeCatalogPage, AddresseePage
from addons.channels.models import Channel, Conversation, Message
from tests.conftest import add_town
from tests.contacts.conftest import make_staff

from .wire import answer, sent

pytestmark = pytest.mark.django_db


@pytest.fixture
def bot(site, platform_server):
    """The town's Telegram bot, the platform played by the local platform server."""
    return Channel.objects.create(site=site, platform="telegram", name="Town bot",
                                  token="1:town-bot", api_base=platform_server.url)


@pytest.fixture
def english(client):
    client.cookies["civicdesk_language"] = "en"
    return client


def chat(channel, chat_id, **fields):
    conversation = Conversation.objects.create(channel=channel, site=channel.site,
                                               chat_id=chat_id, **fields)
    Message.objects.create(conversation=conversation, direction="in",
                           text=f"Message of {chat_id}")
    return conversation


@pytest.fixture
def operator(site):
    return make_staff("olena")


@pytest.fixture
def clerk(site):
    """Staff without the contact center's permission."""
    return make_staff("petro", console=False)


def admin_url(conversation=None, action=""):
    if conversation is None:
        return "/admin/channels/"
    return f"/admin/channels/{conversation.pk}/{action + '/' if action else ''}"


def listed(response) -> set[int]:
    return {row.pk for row in response.context["page"]}


def test_the_console_staff_see_every_conversation_of_their_town(english, bot, operator):
    town = add_town("town2.example.org")
    theirs = Channel.objects.create(site=town, platform="webchat")
    ours = [chat(bot, "1"), chat(bot, "2", with_staff=True)]
    foreign = chat(theirs, "9")
    english.force_login(operator)
    response = english.get(admin_url())
    assert response.status_code == 200
    assert listed(response) == {c.pk for c in ours}
    assert listed(english.get(admin_url(), {"waiting": "1"})) == {ours[1].pk}
    assert english.get(admin_url(foreign)).status_code == 404


def test_a_clerk_sees_only_what_they_own_or_their_addressee_got(english, bot, clerk,
                                                               operator, home):
    catalog = home.add_child(instance=AddresseeCatalogPage(title="Addressees", slug="a"))
    roads = catalog.add_child(instance=AddresseePage(title="Roads", slug="roads"))
    water = catalog.add_child(instance=AddresseePage(title="Water", slug="water"))
    roads.refresh_from_db()
    water.refresh_from_db()
    clerk.groups.add(roads.moderators)
    colleague = make_staff("ivan", console=False)
    colleague.groups.add(water.moderators)
    owned = chat(bot, "owned", with_staff=True, staff_owner=clerk)
    handed = chat(bot, "roads", draft={"addressee_id": roads.pk})
    others = [chat(bot, "water", draft={"addressee_id": water.pk}),
              chat(bot, "op", with_staff=True, staff_owner=operator), chat(bot, "none")]
    english.force_login(clerk)
    assert listed(english.get(admin_url())) == {owned.pk, handed.pk}
    assert english.get(admin_url(handed)).status_code == 200
    for conversation in others:
        assert english.get(admin_url(conversation)).status_code == 404
        assert english.post(admin_url(conversation, "take-over")).status_code == 404
        assert english.post(admin_url(conversation), {"text": "Hi"}).status_code == 404
    assert not Message.objects.filter(direction="out").exists()
    assert Conversation.objects.filter(staff_owner=clerk).count() == 1


def test_staff_without_rights_see_nothing(english, bot, site):
    conversation = chat(bot, "1", with_staff=True)
    nobody = make_staff("nobody", console=False)
    english.force_login(nobody)
    assert listed(english.get(admin_url())) == set()
    assert english.get(admin_url(conversation)).status_code == 404


def test_citizens_are_kept_out(english, bot, django_user_model):
    conversation = chat(bot, "1")
    citizen = django_user_model.objects.create_user(username="c", password="x-Long-Pass-42")
    english.force_login(citizen)
    for path in (admin_url(), admin_url(conversation)):
        assert english.get(path).status_code in (302, 403)


def test_reply_is_sent_and_recorded_with_its_sender(english, bot, operator, platform_server):
    answer(platform_server, "telegram", "ok", 77)
    conversation = chat(bot, "555", with_staff=True, staff_owner=operator)
    english.force_login(operator)
    response = english.post(admin_url(conversation), {"text": "We are on it."})
    assert response.status_code == 302
    assert [(m["chat_id"], m["text"]) for m in sent(platform_server)] == [
        ("555", "We are on it.")]
    row = Message.objects.get(direction="out")
    assert (row.text, row.sent_by, row.status, row.external_id) == (
        "We are on it.", operator, "sent", "77")
    page = english.get(admin_url(conversation))
    assert b"We are on it." in page.content
    assert ModelLogEntry.objects.filter(action="channels.reply", user=operator).exists()


def test_a_failed_send_shows_the_reason_and_keeps_the_reply(english, bot, operator,
                                                            platform_server):
    answer(platform_server, "telegram", "blocked")
    conversation = chat(bot, "555", with_staff=True, staff_owner=operator)
    english.force_login(operator)
    response = english.post(admin_url(conversation), {"text": "Are you still there?"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "bot was blocked by the user" in content
    assert "Are you still there?</textarea>" in content
    row = Message.objects.get(direction="out")
    assert row.status == "failed" and row.sent_by == operator


def test_an_empty_reply_is_refused(english, bot, operator, platform_server):
    conversation = chat(bot, "555")
    english.force_login(operator)
    response = english.post(admin_url(conversation), {"text": ""})
    assert response.status_code == 200 and response.context["form"].errors
    assert not sent(platform_server)


def test_take_over_and_hand_back(english, bot, operator):
    conversation = chat(bot, "555")
    english.force_login(operator)
    assert english.get(admin_url(conversation, "take-over")).status_code == 405
    assert english.post(admin_url(conversation, "take-over")).status_code == 302
    conversation.refresh_from_db()
    assert conversation.with_staff and conversation.staff_owner == operator
    assert english.post(admin_url(conversation, "hand-back")).status_code == 302
    conversation.refresh_from_db()
    assert not conversation.with_staff
    actions = set(ModelLogEntry.objects.values_list("action", flat=True))
    assert {"channels.take_over", "channels.hand_back"} <= actions


def test_opening_is_logged(english, bot, operator, site):
    person = Person.objects.create(site=site, full_name="Olha Petrenko")
    conversation = chat(bot, "555", person=person)
    english.force_login(operator)
    assert english.get(admin_url(conversation)).status_code == 200
    assert ModelLogEntry.objects.filter(action="channels.open", user=operator,
                                        object_id=str(conversation.pk)).exists()
    assert PersonAccess.objects.filter(person=person, user=operator, what="chat").exists()


def test_the_menu_item(english, operator, site):
    english.force_login(operator)
    assert b"/admin/channels/" in english.get("/admin/").content
    citizen_staff = make_staff("noadmin", console=False)
    citizen_staff.user_permissions.remove(Permission.objects.get(codename="access_admin"))
    from addons.channels.inbox import may_use_inbox

    assert not may_use_inbox(citizen_staff)


def test_the_list_is_paged_and_keeps_its_filter(english, bot, operator):
    for number in range(52):
        chat(bot, f"c{number}", with_staff=number % 2 == 0)
    english.force_login(operator)
    first = english.get(admin_url())
    assert len(first.context["page"]) == 50
    second = english.get(admin_url(), {"p": "2"})
    assert len(second.context["page"]) == 2
    assert b"?p=2" in first.content
    waiting = english.get(admin_url(), {"waiting": "1"})
    assert len(waiting.context["page"]) == 26 and b"p=2" not in waiting.content
