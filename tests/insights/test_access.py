"""Who may see the management figures: the whole site's and an addressee's."""

import pytest
from django.contrib.auth.models import AnonymousUser, Permission
from django.core.cache import cache
from django.core.exceptions import PermissionDenied

from addons.core.models import StaffingSettings
from addons.insights.access import may_view, viewable_addressees, viewable_root

pytestmark = pytest.mark.django_db


def person(django_user_model, name, *, moderates=(), superuser=False):
    user = django_user_model.objects.create_user(username=name, email=f"{name}@example.org",
                                                 password="x", is_superuser=superuser)
    for page in moderates:
        page.refresh_from_db()
        user.groups.add(page.moderators)
    return django_user_model.objects.get(pk=user.pk)  # no cached permissions


@pytest.fixture
def people(towns, django_user_model):
    one, two = towns
    StaffingSettings.objects.update_or_create(site=one.site, defaults={"leadership": one.hall})
    cache.clear()
    viewer = person(django_user_model, "viewer")
    viewer.user_permissions.add(Permission.objects.get(codename="view_figures",
                                                       content_type__app_label="insights"))
    return {
        "admin": person(django_user_model, "admin", superuser=True),
        "viewer": django_user_model.objects.get(pk=viewer.pk),
        "mayor": person(django_user_model, "mayor", moderates=[one.hall]),
        "roads": person(django_user_model, "roads", moderates=[one.roads]),
        "parks": person(django_user_model, "parks", moderates=[one.parks]),
        "social": person(django_user_model, "social", moderates=[one.social]),
        "elsewhere": person(django_user_model, "elsewhere", moderates=[two.hall]),
        "nobody": person(django_user_model, "nobody"),
    }


def test_the_whole_sites_figures(towns, people):
    one, two = towns
    allowed = {name for name, user in people.items() if may_view(user, one.site)}
    assert allowed == {"admin", "viewer", "mayor"}  # the mayor: the leadership's staff
    assert not may_view(AnonymousUser(), one.site)
    # leading Town 1 is not leading Town 2
    assert not may_view(people["mayor"], two.site)
    assert not may_view(people["elsewhere"], two.site)  # no leadership named there


def test_an_addressees_figures(towns, people):
    one, two = towns
    roads = {name for name, user in people.items() if may_view(user, one.site, one.roads)}
    # its own moderator, the moderator of the addressee above it; not a sibling's
    assert roads == {"admin", "viewer", "mayor", "roads"}
    assert not may_view(people["parks"], one.site, one.roads)
    assert may_view(people["parks"], one.site, one.parks.pk)  # an id will do
    assert not may_view(people["roads"], one.site, one.hall)  # not the addressee above
    assert not may_view(AnonymousUser(), one.site, one.roads)
    # another town's addressee: nobody's on this site, not even a superuser's
    assert not may_view(people["admin"], one.site, two.roads)
    assert not may_view(people["elsewhere"], one.site, two.hall)
    assert may_view(people["elsewhere"], two.site, two.roads)


def test_whose_dashboard_opens(towns, people):
    one, _two = towns
    assert viewable_root(people["admin"], one.site) is None  # the whole site
    assert viewable_root(people["roads"], one.site).pk == one.roads.pk
    assert [page.pk for page in viewable_addressees(people["mayor"], one.site)] == [one.hall.pk]
    with pytest.raises(PermissionDenied):
        viewable_root(people["nobody"], one.site)
    with pytest.raises(PermissionDenied):
        viewable_root(people["elsewhere"], one.site)
