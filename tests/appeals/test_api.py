"""Read API /api/v1/appeals/: token or session, the same rights as everywhere."""

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from addons.appeals import services
from addons.appeals.models import AppealEvent, AppealFormPlacement

pytestmark = pytest.mark.django_db

LIST = "/api/v1/appeals/"


def detail(appeal):
    return f"{LIST}{appeal.pk}/"


@pytest.fixture
def appeals(file_one, other_addressee, appeal_form, other_citizen):
    AppealFormPlacement.objects.create(page=other_addressee, form=appeal_form)
    return {
        "own": file_one(),
        "parks": file_one(to=other_addressee, author=other_citizen, subject="Broken bench"),
    }


def token_client(client, user):
    token = Token.objects.create(user=user)
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    return client


def references(response):
    return {item["reference"] for item in response.json()["results"]}


def test_route_is_named():
    assert reverse("appeals-api:appeal-list") == LIST


def test_anonymous_is_refused(client, appeals):
    response = client.get(LIST)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")
    assert client.get(detail(appeals["own"])).status_code == 401
    bad = client.get(LIST, HTTP_AUTHORIZATION="Token nonsense")
    assert bad.status_code == 401


def test_citizen_sees_only_own(client, citizen, appeals):
    token_client(client, citizen)
    response = client.get(LIST)
    assert response.status_code == 200
    assert references(response) == {appeals["own"].reference}
    assert client.get(detail(appeals["parks"])).status_code == 404


def test_moderator_sees_only_their_addressees(client, moderator, other_moderator, appeals):
    token_client(client, moderator)
    assert references(client.get(LIST)) == {appeals["own"].reference}
    assert client.get(detail(appeals["parks"])).status_code == 404
    client.defaults.pop("HTTP_AUTHORIZATION")
    token_client(client, other_moderator)
    assert references(client.get(LIST)) == {appeals["parks"].reference}


def test_session_authentication(client, superuser, appeals):
    client.force_login(superuser)
    assert references(client.get(LIST)) == {item.reference for item in appeals.values()}


def test_filters(client, superuser, appeals, other_addressee):
    token_client(client, superuser)
    assert references(client.get(LIST, {"q": "bench"})) == {appeals["parks"].reference}
    assert references(client.get(LIST, {"addressee": other_addressee.pk})) == {
        appeals["parks"].reference}
    assert references(client.get(LIST, {"status": "closed"})) == set()
    assert references(client.get(LIST, {"due": "overdue"})) == set()


def test_detail_with_messages_hides_notes_from_the_citizen(client, citizen, moderator,
                                                           appeals):
    appeal = appeals["own"]
    services.add_note(appeal, moderator, "Internal: call the crew")
    services.reply(appeal, moderator, "Repaired")
    token_client(client, citizen)
    data = client.get(detail(appeal)).json()
    assert data["reference"] == appeal.reference and data["status"] == "answered"
    assert [message["text"] for message in data["messages"]] == ["Repaired"]
    assert not appeal.events.filter(action=AppealEvent.Action.VIEWED).exists()
    client.defaults.pop("HTTP_AUTHORIZATION")
    token_client(client, moderator)
    data = client.get(detail(appeal)).json()
    assert [message["kind"] for message in data["messages"]] == ["note", "reply"]
    # A staff reading is audited, as in the admin.
    assert appeal.events.filter(action=AppealEvent.Action.VIEWED, actor=moderator).exists()


def test_read_only(client, superuser, appeals):
    token_client(client, superuser)
    assert client.post(LIST, {"subject": "x"}).status_code == 405
    assert client.delete(detail(appeals["own"])).status_code == 405


def test_documented_in_the_schema(client):
    response = client.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert "/api/v1/appeals/" in schema["paths"]
    assert "/api/v1/appeals/{id}/" in schema["paths"]
    parameters = {item["name"] for item in schema["paths"]["/api/v1/appeals/"]["get"]
                  ["parameters"]}
    assert {"q", "status", "addressee", "due", "priority"} <= parameters
