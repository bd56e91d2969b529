"""A specialist's user account is chosen among staff only, within the editor's scope, with a
search widget (never a list of every account), and checked again when the page is saved."""

import pytest
from django.contrib.auth import get_user_model
from wagtail.models import Site

from addons.addressees.models import AddresseePage, Specialist
from addons.addressees.services import specialist_candidates
from addons.queues.services import staff_addressee_ids

from .helpers import add_addressee, add_catalog

pytestmark = pytest.mark.django_db
HOST = "localhost"


def make_user(username, *groups, **extra):
    user = get_user_model().objects.create_user(
        username=username, email=f"{username}@example.org", password="x",
        full_name=extra.pop("full_name", f"Name {username}"), **extra)
    user.groups.add(*groups)
    return user


@pytest.fixture
def town(catalog, root_page):
    """Y and Z in this city; W in another town on the same installation."""
    y = add_addressee(catalog, "Department Y", slug="y")
    z = add_addressee(catalog, "Department Z", slug="z")
    from addons.addressees.models import HomePage

    other_home = root_page.add_child(instance=HomePage(title="Other town", slug="other"))
    Site.objects.create(hostname="other.localhost", root_page=other_home, site_name="Other")
    w = add_addressee(add_catalog(other_home), "Department W", slug="w")
    return {
        "y": y, "z": z, "w": w,
        "modY": make_user("mody", y.moderators),
        "colleague": make_user("colleague", y.moderators, full_name="Yvonne Colleague"),
        "modZ": make_user("modz", z.moderators, full_name="Zoltan Moderator"),
        "modW": make_user("modw", w.moderators, full_name="Walter Othertown"),
        "admin": get_user_model().objects.create_superuser("root", "root@example.org", "x"),
    }


@pytest.fixture
def citizens(town):
    return [make_user(f"citizen{index}", full_name=f"Citizen Surname{index:03d}")
            for index in range(200)]


def edit_url(page):
    return f"/admin/pages/{page.pk}/edit/"


def test_the_editor_lists_no_citizen(client, town, citizens):
    client.force_login(town["modY"])
    response = client.get(edit_url(town["y"]), HTTP_HOST=HOST)
    assert response.status_code == 200
    html = response.content.decode()
    assert not [c for c in citizens if c.full_name in html]
    assert "Zoltan Moderator" not in html
    small = len(response.content)
    for index in range(200, 400):
        make_user(f"citizen{index}", full_name=f"Citizen Surname{index:03d}")
    again = client.get(edit_url(town["y"]), HTTP_HOST=HOST)
    assert abs(len(again.content) - small) < 2000  # not proportional to the accounts


def test_candidates_for_a_moderator_are_the_staff_of_his_addressees(town, citizens):
    names = set(specialist_candidates(town["modY"], town["y"]).values_list("username",
                                                                            flat=True))
    assert names == {"mody", "colleague"}
    everyone = set(specialist_candidates(town["admin"], town["y"]).values_list("username",
                                                                               flat=True))
    assert {"mody", "colleague", "modz"} <= everyone
    assert "modw" not in everyone and not everyone & {c.username for c in citizens}


def test_the_chooser_offers_in_scope_staff_only(client, town, citizens):
    client.force_login(town["modY"])
    response = client.get("/admin/specialist-accounts/", HTTP_HOST=HOST)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Yvonne Colleague" in html
    assert "Citizen Surname" not in html and "Zoltan" not in html and "Walter" not in html
    found = client.get("/admin/specialist-accounts/results/", {"q": "yvon"}, HTTP_HOST=HOST)
    assert "Yvonne Colleague" in found.content.decode()
    none = client.get("/admin/specialist-accounts/results/", {"q": "surname"}, HTTP_HOST=HOST)
    assert "Citizen Surname" not in none.content.decode()
    chosen = client.get(f"/admin/specialist-accounts/chosen/{citizens[0].pk}/", HTTP_HOST=HOST)
    assert chosen.status_code == 404


def post_specialist(client, page, user_id):
    client.get(edit_url(page), HTTP_HOST=HOST)
    data = {
        "title": page.title, "slug": page.slug, "kind": page.kind,
        "feedback_enabled": "on",
        "specialists-TOTAL_FORMS": "1", "specialists-INITIAL_FORMS": "0",
        "specialists-MIN_NUM_FORMS": "0", "specialists-MAX_NUM_FORMS": "1000",
        "specialists-0-name": "Someone", "specialists-0-user": str(user_id),
        "specialists-0-ORDER": "1", "specialists-0-id": "", "specialists-0-DELETE": "",
    }
    for prefix in ("office_hours", "absences", "extra_phones", "extra_emails"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0",
                     f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"})
    for name in _placement_prefixes(page):
        data.update({f"{name}-TOTAL_FORMS": "0", f"{name}-INITIAL_FORMS": "0",
                     f"{name}-MIN_NUM_FORMS": "0", f"{name}-MAX_NUM_FORMS": "1000"})
    return client.post(edit_url(page), data, HTTP_HOST=HOST)


def _placement_prefixes(page):
    from addons.core import registry

    return [model._meta.get_field("page").remote_field.get_accessor_name()
            for _addon, model in registry.placement_models()]


def test_a_citizen_posted_as_specialist_is_refused(client, town, citizens):
    citizen = citizens[0]
    client.force_login(town["modY"])
    response = post_specialist(client, town["y"], citizen.pk)
    assert response.status_code == 200  # the form again, with the error
    assert "not a staff account you may choose" in response.content.decode()
    assert not Specialist.objects.filter(user=citizen).exists()
    assert staff_addressee_ids(citizen) == set()


@pytest.mark.parametrize("who", ["modZ", "modW"])
def test_staff_out_of_scope_is_refused(client, town, who):
    client.force_login(town["modY"])
    response = post_specialist(client, town["y"], town[who].pk)
    assert "not a staff account you may choose" in response.content.decode()
    assert not Specialist.objects.filter(user=town[who]).exists()


def test_a_colleague_is_accepted(client, town):
    client.force_login(town["modY"])
    response = post_specialist(client, town["y"], town["colleague"].pk)
    assert response.status_code == 302, response.content.decode()[-3000:]
    page = AddresseePage.objects.get(pk=town["y"].pk)
    revision = page.get_latest_revision_as_object()
    assert [s.user_id for s in revision.specialists.all()] == [town["colleague"].pk]


def test_the_administrator_may_choose_staff_of_the_site_not_of_another(client, town):
    client.force_login(town["admin"])
    assert post_specialist(client, town["y"], town["modZ"].pk).status_code == 302
    response = post_specialist(client, town["y"], town["modW"].pk)
    assert "not a staff account you may choose" in response.content.decode()
