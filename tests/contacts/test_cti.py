from io import StringIO
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from addons.contacts.models import Interaction, PhoneEndpoint
from addons.contacts.services import issue_token
from tests.conftest import add_town

from .conftest import make_staff
from .helpers import person_with_phone


def post_event(client, token, host="localhost", **fields):
    """What a PBX bridge posts: urlencoded, the operators as repeated ``user[]``."""
    users = fields.pop("users", [])
    pairs = list(fields.items()) + [("user[]", name) for name in users]
    return client.post(f"/contacts/cti/{token}/", data=urlencode(pairs),
                       content_type="application/x-www-form-urlencoded", HTTP_HOST=host)


def new_call(client, token, call_id="c-1", **extra):
    fields = {"event": "newCall", "from": "0441234567", "to": "+380442000000",
              "direction": "in", "callId": call_id, "users": ["Olena Operator"]}
    fields.update(extra)
    return post_event(client, token, **fields)


@pytest.fixture
def token(site):
    return issue_token(site)


@pytest.mark.django_db
def test_a_call_from_ringing_to_hangup(client, site, token):
    olena = make_staff("olena", full_name="Olena Operator")
    caller = person_with_phone(site, "Taras Melnyk", "+380441234567")
    response = new_call(client, token)
    assert response.status_code == 200 and response.json() == {}
    call = Interaction.objects.get(site=site, call_id="c-1")
    assert call.state == "ringing"
    assert call.from_number == "+380441234567" and call.person == caller
    assert call.operator is None
    post_event(client, token, event="answer", callId="c-1", direction="in",
               **{"from": "0441234567", "to": "+380442000000",
                  "answeringNumber": "+380442000001"}, users=["olena@example.org"])
    call.refresh_from_db()
    assert call.state == "answered" and call.operator == olena and call.answered_at
    post_event(client, token, event="hangup", callId="c-1", cause="normalClearing",
               direction="in", **{"from": "0441234567", "to": "+380442000000"})
    call.refresh_from_db()
    assert call.state == "ended" and call.cause == "normalClearing"
    assert call.ended_at >= call.answered_at and call.duration is not None


@pytest.mark.django_db
def test_a_repeated_event_changes_nothing(client, site, token):
    make_staff("olena")
    new_call(client, token)
    new_call(client, token, **{"from": "+380509999999"})
    assert Interaction.objects.filter(site=site).count() == 1
    post_event(client, token, event="answer", callId="c-1", users=["olena"])
    first = Interaction.objects.get().answered_at
    make_staff("other")
    post_event(client, token, event="answer", callId="c-1", users=["other"])
    post_event(client, token, event="hangup", callId="c-1", cause="normalClearing")
    ended = Interaction.objects.get().ended_at
    post_event(client, token, event="hangup", callId="c-1", cause="cancel")
    call = Interaction.objects.get()
    assert call.answered_at == first and call.operator.username == "olena"
    assert call.ended_at == ended and call.cause == "normalClearing"
    assert call.from_number == "+380441234567"


@pytest.mark.django_db
def test_a_wrong_token_is_refused_and_nothing_stored(client, site, token):
    response = new_call(client, "not-the-token")
    assert response.status_code == 403
    assert not Interaction.objects.exists()
    PhoneEndpoint.objects.filter(site=site).update(cti_enabled=False)
    assert new_call(client, token).status_code == 403
    assert not Interaction.objects.exists()


@pytest.mark.django_db
def test_a_token_works_only_on_its_own_town(client, site, token):
    town = add_town("town2.example")
    other_token = issue_token(town)
    assert new_call(client, token, host="town2.example").status_code == 403
    assert new_call(client, other_token).status_code == 403
    assert not Interaction.objects.exists()
    assert new_call(client, other_token, host="town2.example").status_code == 200
    assert Interaction.objects.get().site == town


@pytest.mark.django_db
def test_answer_or_hangup_of_an_unknown_call_creates_it(client, site, token):
    make_staff("olena")
    post_event(client, token, event="answer", callId="late-1", direction="in",
               **{"from": "+380441234567", "to": "100"}, users=["olena"])
    post_event(client, token, event="hangup", callId="late-2", direction="out",
               **{"from": "100", "to": "+380501234567"}, cause="busy")
    answered = Interaction.objects.get(call_id="late-1")
    assert answered.state == "answered" and answered.operator.username == "olena"
    ended = Interaction.objects.get(call_id="late-2")
    assert ended.state == "ended" and ended.direction == "out" and ended.cause == "busy"


@pytest.mark.django_db
def test_an_unreadable_caller_number_is_kept_as_typed_and_flagged(client, site, token,
                                                                  operator_client):
    new_call(client, token, call_id="odd", **{"from": "anonymous 12"})
    call = Interaction.objects.get(call_id="odd")
    assert call.from_number == "anonymous 12" and call.number_valid is False
    assert call.person is None
    html = operator_client.get("/admin/contacts/interactions/").content.decode()
    assert "anonymous 12" in html and "unrecognised number" in html


@pytest.mark.django_db
def test_the_operator_who_answered_sees_the_current_call(client, site, token):
    olena = make_staff("olena")
    other = make_staff("petro")
    new_call(client, token, call_id="c-9")
    post_event(client, token, event="answer", callId="c-9", users=["olena"])
    client.force_login(olena)
    html = client.get("/admin/contacts/").content.decode()
    assert "Current call: +380441234567" in html
    assert "call=c-9" in html
    data = client.get("/admin/contacts/current-calls/").json()
    assert data["calls"][0]["number"] == "+380441234567"
    client.force_login(other)
    assert client.get("/admin/contacts/current-calls/").json() == {"calls": []}


@pytest.mark.django_db
def test_command_sets_and_rotates_the_token(site):
    out = StringIO()
    call_command("contacts_cti", "--site", "localhost", stdout=out)
    url = out.getvalue().strip()
    assert "/contacts/cti/" in url
    token = url.rstrip("/").rsplit("/", 1)[1]
    endpoint = PhoneEndpoint.objects.get(site=site)
    assert endpoint.cti_enabled and token not in endpoint.cti_token_hash
    with pytest.raises(CommandError):
        call_command("contacts_cti", "--site", "localhost", stdout=StringIO())
    out = StringIO()
    call_command("contacts_cti", "--site", "localhost", "--rotate", stdout=out)
    assert out.getvalue().strip() != url
    with pytest.raises(CommandError):
        call_command("contacts_cti", "--site", "nowhere.example", stdout=StringIO())


@pytest.mark.django_db
def test_guessing_tokens_is_stopped(client, site, token):
    for attempt in range(20):
        assert new_call(client, f"guess-{attempt}").status_code == 403
    assert new_call(client, "guess-more").status_code == 429
    assert new_call(client, token).status_code == 429
    assert not Interaction.objects.exists()
