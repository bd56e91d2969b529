"""Moderators: one staff group per addressee; they see and handle their addressee's records
and nothing else."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from guardian.models import GroupObjectPermission
from wagtail.models import GroupPagePermission

from addons.addressees.models import AddresseePage, FeedbackMessage
from addons.addressees.services import ensure_moderators
from addons.core.permissions import (
    AddresseeScopedPermissionPolicy,
    can_moderate,
    moderated_addressee_ids,
)

from .helpers import add_addressee

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages(catalog):
    a = add_addressee(catalog, "Roads department")
    a_child = add_addressee(a, "Road repairs unit")
    b = add_addressee(catalog, "Parks department")
    return {"a": a, "a_child": a_child, "b": b}


def staff(username, *groups, **extra):
    user = get_user_model().objects.create_user(username=username,
                                                email=f"{username}@city.example",
                                                password="x", **extra)
    user.groups.add(*groups)
    return user


@pytest.fixture
def moderator(pages):
    return staff("roads", pages["a"].moderators)


@pytest.fixture
def messages(pages):
    return {
        key: FeedbackMessage.objects.create(addressee=pages[key], name=f"Citizen {key}",
                                            email="c@example.com", message=f"About {key}")
        for key in ("a", "b")
    }


def test_a_new_addressee_gets_its_moderators_group(pages):
    a = pages["a"]
    assert a.moderators.name == "Moderators: Roads department"
    assert a.moderators.permissions.filter(codename="access_admin").exists()
    codenames = set(GroupPagePermission.objects.filter(group=a.moderators, page=a)
                    .values_list("permission__codename", flat=True))
    assert codenames == {"add_page", "change_page", "publish_page"}
    assert GroupObjectPermission.objects.filter(
        group=a.moderators, object_pk=str(a.pk), permission__codename="moderate_addressee"
    ).exists()
    assert AddresseePage.objects.get(pk=a.pk).moderators_id == a.moderators_id


def test_saving_again_creates_no_second_group(pages):
    a = AddresseePage.objects.get(pk=pages["a"].pk)
    before = Group.objects.count()
    a.save_revision().publish()
    a.title = "Roads"
    a.save()
    assert Group.objects.count() == before


def test_a_cleared_group_is_found_again_through_its_permission(pages):
    a = AddresseePage.objects.get(pk=pages["a"].pk)
    group = a.moderators
    AddresseePage.objects.filter(pk=a.pk).update(moderators=None)
    a = AddresseePage.objects.get(pk=a.pk)
    a.save()
    assert AddresseePage.objects.get(pk=a.pk).moderators == group


def test_group_names_stay_unique(catalog):
    first = add_addressee(catalog, "Archive", slug="archive-1")
    second = add_addressee(catalog, "Archive", slug="archive-2")
    assert first.moderators != second.moderators
    assert second.moderators.name == f"Moderators: Archive ({second.pk})"


def test_a_chosen_group_gets_the_rights(pages):
    group = Group.objects.create(name="Deputies' office")
    b = AddresseePage.objects.get(pk=pages["b"].pk)
    b.moderators = group
    b.save()
    ensure_moderators(b)
    assert GroupObjectPermission.objects.filter(group=group, object_pk=str(b.pk)).exists()


def test_moderated_ids_and_can_moderate(pages, moderator):
    assert moderated_addressee_ids(moderator) == {pages["a"].pk}
    assert can_moderate(moderator, pages["a"]) and can_moderate(moderator, pages["a"].pk)
    assert not can_moderate(moderator, pages["b"])
    admin = get_user_model().objects.create_superuser("root", "root@city.example", "x")
    assert pages["b"].pk in moderated_addressee_ids(admin) and can_moderate(admin, pages["b"])
    nobody = staff("nobody")
    assert moderated_addressee_ids(nobody) == set()
    inactive = staff("inactive", pages["a"].moderators, is_active=False)
    assert not can_moderate(inactive, pages["a"])


def test_policy(pages, moderator, messages):
    policy = AddresseeScopedPermissionPolicy(FeedbackMessage)
    assert policy.user_has_permission(moderator, "change")
    assert not policy.user_has_permission(moderator, "add")
    assert not policy.user_has_permission(moderator, "delete")
    assert list(policy.instances_user_has_permission_for(moderator, "change")) == [messages["a"]]
    assert policy.user_has_permission_for_instance(moderator, "change", messages["a"])
    assert not policy.user_has_permission_for_instance(moderator, "change", messages["b"])
    assert moderator in policy.users_with_permission_for_instance("view", messages["a"])
    assert moderator not in policy.users_with_permission_for_instance("view", messages["b"])
    assert moderator in policy.users_with_permission("change")
    nobody = staff("nobody")
    assert not policy.user_has_permission(nobody, "view")
    assert not policy.instances_user_has_permission_for(nobody, "view").exists()


def test_moderator_sees_and_handles_only_their_feedback_in_the_admin(client, pages, moderator,
                                                                     messages):
    client.force_login(moderator)
    listing = client.get("/admin/casework/feedback/", HTTP_HOST="localhost")
    assert listing.status_code == 200
    assert b"Citizen a" in listing.content
    assert b"Citizen b" not in listing.content
    own = f"/admin/casework/feedback/{messages['a'].pk}/"
    assert client.get(own, HTTP_HOST="localhost").status_code == 200
    response = client.post(f"{own}action/mark_handled/", {"lock_version": 0},
                           HTTP_HOST="localhost")
    assert response.status_code == 302
    messages["a"].refresh_from_db()
    assert messages["a"].handled
    assert messages["a"].message == "About a"  # nothing else changes
    other = f"/admin/casework/feedback/{messages['b'].pk}/"
    assert client.get(other, HTTP_HOST="localhost").status_code == 404
    assert client.post(f"{other}action/mark_handled/", {"lock_version": 0},
                       HTTP_HOST="localhost").status_code == 404
    messages["b"].refresh_from_db()
    assert not messages["b"].handled
    # the old addresses (in notification e-mails already sent) lead to the desk
    for old in (f"/admin/addressee-feedback/edit/{messages['a'].pk}/",
                f"/admin/addressee-feedback/inspect/{messages['a'].pk}/"):
        assert client.get(old, HTTP_HOST="localhost")["Location"] == own
    assert client.get("/admin/addressee-feedback/", HTTP_HOST="localhost")[
        "Location"] == "/admin/casework/feedback/"
    # no deleting, no adding, no editing
    for url in (f"/admin/addressee-feedback/delete/{messages['a'].pk}/",
                "/admin/addressee-feedback/new/", f"/admin/casework/feedback/{messages['a'].pk}"
                "/edit/", f"/admin/casework/feedback/{messages['a'].pk}/delete/"):
        assert client.post(url, HTTP_HOST="localhost").status_code == 404, url
    assert FeedbackMessage.objects.filter(pk=messages["a"].pk).exists()


def test_feedback_menu_item_shows_for_moderators_only(client, pages, moderator):
    client.force_login(moderator)
    assert b"/admin/casework/feedback/" in client.get("/admin/", HTTP_HOST="localhost").content
    nobody = staff("nobody")
    from django.contrib.auth.models import Permission

    nobody.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(nobody)
    assert b"/admin/casework/feedback/" not in client.get("/admin/",
                                                          HTTP_HOST="localhost").content


def test_superuser_sees_all_feedback(client, pages, messages):
    admin = get_user_model().objects.create_superuser("root", "root@city.example", "x")
    client.force_login(admin)
    listing = client.get("/admin/casework/feedback/", HTTP_HOST="localhost")
    assert b"Citizen a" in listing.content and b"Citizen b" in listing.content


def test_moderator_edits_own_page_and_subtree_but_not_others(client, pages, moderator):
    client.force_login(moderator)
    for key in ("a", "a_child"):
        response = client.get(f"/admin/pages/{pages[key].pk}/edit/", HTTP_HOST="localhost")
        assert response.status_code == 200, key
    response = client.get(f"/admin/pages/{pages['b'].pk}/edit/", HTTP_HOST="localhost")
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert response["Location"] == "/admin/"
    title = AddresseePage.objects.get(pk=pages["b"].pk).title
    client.post(f"/admin/pages/{pages['b'].pk}/edit/", {"title": "Hijacked", "slug": "x"},
                HTTP_HOST="localhost")
    assert AddresseePage.objects.get(pk=pages["b"].pk).title == title


def test_moderators_field_is_for_group_managers_only(client, pages, moderator):
    client.force_login(moderator)
    response = client.get(f"/admin/pages/{pages['a'].pk}/edit/", HTTP_HOST="localhost")
    assert b'name="moderators"' not in response.content
    admin = get_user_model().objects.create_superuser("root", "root@city.example", "x")
    client.force_login(admin)
    response = client.get(f"/admin/pages/{pages['a'].pk}/edit/", HTTP_HOST="localhost")
    assert b'name="moderators"' in response.content


def test_deleting_an_addressee_cleans_its_object_permissions(pages, moderator, messages):
    ids = [str(pages["a"].pk), str(pages["a_child"].pk)]
    assert GroupObjectPermission.objects.filter(object_pk__in=ids).count() == 2
    AddresseePage.objects.get(pk=pages["a"].pk).delete()  # with its subtree
    assert not GroupObjectPermission.objects.filter(object_pk__in=ids).exists()
    assert GroupObjectPermission.objects.filter(object_pk=str(pages["b"].pk)).exists()
    assert not FeedbackMessage.objects.filter(pk=messages["a"].pk).exists()
    moderator = get_user_model().objects.get(pk=moderator.pk)
    assert moderated_addressee_ids(moderator) == set()
