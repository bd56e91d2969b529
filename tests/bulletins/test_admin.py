"""The moderators of an addressee write and publish its bulletins, and nobody else's."""

import json

import pytest
from django.urls import reverse

from addons.bulletins.models import Bulletin

from .conftest import make_bulletin

INDEX = reverse("wagtailsnippets_bulletins_bulletin:list")
ADD = reverse("wagtailsnippets_bulletins_bulletin:add")


def edit_url(bulletin):
    return reverse("wagtailsnippets_bulletins_bulletin:edit", args=[bulletin.pk])


@pytest.fixture
def roads_moderator(make_user, roads):
    return make_user("roadsmod", moderates=[roads], is_staff=True)


def test_moderator_lists_only_their_addressees_bulletins(client, roads, parks,
                                                        roads_moderator):
    make_bulletin(roads, "Road works")
    make_bulletin(parks, "Parks secret plan")
    client.force_login(roads_moderator)
    response = client.get(INDEX)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Road works" in body and "Parks secret plan" not in body


def test_moderator_cannot_open_another_addressees_bulletin(client, parks, roads_moderator):
    other = make_bulletin(parks, "Parks secret plan")
    client.force_login(roads_moderator)
    assert client.get(edit_url(other)).status_code == 404


def test_moderator_chooses_only_their_addressees(client, roads, parks, roads_moderator):
    client.force_login(roads_moderator)
    form = client.get(ADD).context["form"]
    assert list(form.fields["addressee"].queryset) == [roads.specific]


def _post_data(addressee, title):
    return {"addressee": addressee.pk, "category": "news", "title": title, "summary": "",
            "body": json.dumps({"blocks": [{"key": "a1b2c", "type": "unstyled", "depth": 0,
                                        "text": "Detour via Oak Street.", "entityRanges": [],
                                        "inlineStyleRanges": []}], "entityMap": {}}),
            "tags": "roads", "image": "",
            "attachments-TOTAL_FORMS": "0", "attachments-INITIAL_FORMS": "0",
            "attachments-MIN_NUM_FORMS": "0", "attachments-MAX_NUM_FORMS": "1000",
            "go_live_at": "", "expire_at": "", "action-publish": "publish"}


def test_moderator_publishes_for_their_addressee(client, roads, roads_moderator):
    client.force_login(roads_moderator)
    response = client.post(ADD, _post_data(roads, "Road closed on Monday"))
    assert response.status_code == 302, response.context["form"].errors
    bulletin = Bulletin.objects.get()
    assert bulletin.live and bulletin.first_published_at is not None
    assert bulletin.addressee_path == roads.path
    assert [tag.slug for tag in bulletin.tags.all()] == ["roads"]


def test_moderator_cannot_publish_for_another_addressee(client, parks, roads_moderator):
    client.force_login(roads_moderator)
    response = client.post(ADD, _post_data(parks, "Not mine"))
    assert response.status_code == 200
    assert "addressee" in response.context["form"].errors
    assert Bulletin.objects.count() == 0


def test_citizen_has_no_bulletin_admin(client, citizen, roads):
    make_bulletin(roads, "Road works")
    client.force_login(citizen)
    assert client.get(INDEX).status_code in (302, 403)


def test_moderator_sees_the_publish_button_on_their_bulletins_only(client, roads, make_user,
                                                                  roads_moderator):
    client.force_login(roads_moderator)
    assert 'name="action-publish"' in client.get(ADD).content.decode()
    own = make_bulletin(roads, "Road works")
    assert 'name="action-publish"' in client.get(edit_url(own)).content.decode()
    citizen = make_user("plain")
    client.force_login(citizen)
    assert client.get(ADD).status_code in (302, 403)
