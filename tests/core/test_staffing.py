"""Who handles an addressee's records: one rule in core (``addons.core.staffing``)."""

import datetime
import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from addons.addressees.models import AddresseeCatalogPage, AddresseePage
from addons.core import staffing
from addons.core.casework.models import StaffAbsence
from addons.core.models import StaffingSettings
from tests.conftest import add_town

TODAY = datetime.date(2026, 12, 7)


@pytest.fixture
def catalog(home):
    return home.add_child(instance=AddresseeCatalogPage(title="Addressees", slug="addressees"))


@pytest.fixture
def city_hall(catalog):
    return catalog.add_child(instance=AddresseePage(title="City hall", slug="city-hall"))


@pytest.fixture
def roads(city_hall):
    return city_hall.add_child(instance=AddresseePage(title="Roads", slug="roads"))


@pytest.fixture
def potholes(roads):
    return roads.add_child(instance=AddresseePage(title="Potholes", slug="potholes"))


@pytest.fixture
def make_user(django_user_model):
    def make(name, *, moderates=(), groups=(), **extra):
        extra.setdefault("full_name", name.title())
        user = django_user_model.objects.create_user(
            username=name, email=f"{name}@example.org", password="x", is_staff=True, **extra)
        for page in moderates:
            page.refresh_from_db()
            user.groups.add(page.moderators)
        for group in groups:
            user.groups.add(group)
        return user

    return make


@pytest.fixture
def office(site):
    group = Group.objects.create(name="General office")
    options = StaffingSettings.for_site(site)
    options.reception_office = group
    options.save()
    return group


def away(user, delegate=None, *, starts=TODAY, ends=TODAY):
    return StaffAbsence.objects.create(user=user, delegate=delegate, starts=starts, ends=ends)


# --- the rule -----------------------------------------------------------------------------


def test_direct_staff_handle(roads, make_user):
    ann = make_user("ann", moderates=[roads])
    handling = staffing.handlers_for(roads, on=TODAY)
    assert handling.users == [ann]
    assert handling.source == "direct"
    assert handling.via.pk == roads.pk


def test_an_absent_person_is_replaced_by_the_delegate(roads, make_user):
    ann = make_user("ann", moderates=[roads])
    bob = make_user("bob")
    away(ann, bob)
    handling = staffing.handlers_for(roads, on=TODAY)
    assert handling.users == [bob]
    assert handling.source == "direct"
    # the day after, she is back
    assert staffing.handlers_for(roads, on=TODAY + datetime.timedelta(days=1)).users == [ann]


def test_delegate_chain_is_followed(roads, make_user):
    ann = make_user("ann", moderates=[roads])
    bob, cid = make_user("bob"), make_user("cid")
    away(ann, bob)
    away(bob, cid)
    assert staffing.handlers_for(roads, on=TODAY).users == [cid]


def test_inherited_up_the_tree(city_hall, roads, potholes, make_user):
    mayor = make_user("mayor", moderates=[city_hall])
    handling = staffing.handlers_for(potholes, on=TODAY)
    assert handling.users == [mayor]
    assert handling.source == "inherited"
    assert handling.via.pk == city_hall.pk
    # the nearest one with staff wins
    ann = make_user("ann", moderates=[roads])
    handling = staffing.handlers_for(potholes, on=TODAY)
    assert (handling.users, handling.via.pk) == ([ann], roads.pk)


def test_absent_without_delegate_passes_up_the_tree(city_hall, roads, make_user):
    mayor = make_user("mayor", moderates=[city_hall])
    ann = make_user("ann", moderates=[roads])
    away(ann)
    handling = staffing.handlers_for(roads, on=TODAY)
    assert (handling.users, handling.source) == ([mayor], "inherited")


def test_inactive_staff_do_not_count(roads, office, make_user):
    make_user("ann", moderates=[roads], is_active=False)
    clerk = make_user("clerk", groups=[office])
    handling = staffing.handlers_for(roads, on=TODAY)
    assert (handling.users, handling.source, handling.via) == ([clerk], "office", office)


def test_office_then_administrators_then_nobody(site, roads, office, make_user,
                                                django_user_model):
    clerk = make_user("clerk", groups=[office])
    assert staffing.handlers_for(roads, on=TODAY).users == [clerk]
    away(clerk)
    root = django_user_model.objects.create_superuser("root", "root@example.org", "x")
    handling = staffing.handlers_for(roads, on=TODAY)
    assert (handling.users, handling.source) == ([root], "administrators")
    # a group the setting names counts among the administrators
    admins = Group.objects.create(name="Portal administrators")
    keeper = make_user("keeper", groups=[admins])
    StaffingSettings.objects.filter(site=site).update(administrators=admins)
    assert set(staffing.handlers_for(roads, on=TODAY).users) == {root, keeper}
    root.is_active = False
    root.save()
    keeper.is_active = False
    keeper.save()
    handling = staffing.handlers_for(roads, on=TODAY)
    assert (handling.users, handling.source) == ([], "nobody")
    assert not handling


def test_supervisors(site, catalog, city_hall, roads, potholes, office, make_user):
    mayor = make_user("mayor", moderates=[city_hall])
    ann = make_user("ann", moderates=[roads])
    assert staffing.supervisors_of(potholes, on=TODAY).users == [ann]
    assert staffing.supervisors_of(roads, on=TODAY).users == [mayor]
    # a top addressee: the leadership, else the office
    water = catalog.add_child(instance=AddresseePage(title="Water", slug="water"))
    clerk = make_user("clerk", groups=[office])
    assert staffing.supervisors_of(water, on=TODAY).source == "office"
    assert staffing.supervisors_of(water, on=TODAY).users == [clerk]
    StaffingSettings.objects.filter(site=site).update(leadership=city_hall)
    handling = staffing.supervisors_of(water, on=TODAY)
    assert (handling.users, handling.source, handling.via.pk) == (
        [mayor], "leadership", city_hall.pk)
    assert staffing.leadership_of(site, on=TODAY).users == [mayor]


def test_two_towns_office_of_town_b_never_gets_town_a_records(site, roads, office, make_user):
    clerk_a = make_user("clerk-a", groups=[office])
    town_b = add_town("town-b.example.org", slug="town-b")
    office_b = Group.objects.create(name="Town B office")
    StaffingSettings.objects.create(site=town_b, reception_office=office_b)
    clerk_b = make_user("clerk-b", groups=[office_b])
    catalog_b = town_b.root_page.add_child(
        instance=AddresseeCatalogPage(title="Addressees", slug="addressees-b"))
    roads_b = catalog_b.add_child(instance=AddresseePage(title="Roads B", slug="roads-b"))
    assert staffing.handlers_for(roads, on=TODAY).users == [clerk_a]
    assert staffing.handlers_for(roads_b, on=TODAY).users == [clerk_b]
    assert staffing.site_of(roads_b) == town_b
    # by id too, and even when the caller names the wrong site the addressee's own decides
    assert staffing.handlers_for(roads_b.pk, on=TODAY).users == [clerk_b]


def test_queries_do_not_grow_with_the_tree(site, catalog, office, make_user):
    parent = catalog
    pages = []
    for depth in range(12):
        parent = parent.add_child(instance=AddresseePage(title=f"Level {depth}",
                                                         slug=f"level-{depth}"))
        pages.append(parent)
    top = make_user("top", moderates=[pages[0]])
    for index in range(1, 12):
        away(make_user(f"u{index}", moderates=[pages[index]]))
    deepest = AddresseePage.objects.get(pk=pages[-1].pk)
    with CaptureQueriesContext(connection) as queries:
        handling = staffing.handlers_for(deepest, site=site, on=TODAY)
    assert handling.users == [top]
    assert handling.via.pk == pages[0].pk
    assert len(queries) <= 7, [q["sql"] for q in queries]


# --- notifications follow the rule --------------------------------------------------------


def test_notify_handlers_goes_to_the_delegate(roads, make_user, mailoutbox, settings):
    from addons.core.models import Notification
    from addons.core.notifications import notify_handlers

    ann = make_user("ann", moderates=[roads])
    bob = make_user("bob")
    away(ann, bob, starts=timezone.localdate(), ends=timezone.localdate())
    notify_handlers(roads, "test.event", {}, subject="Hello", body="Body", key="k1")
    assert list(Notification.objects.values_list("recipient__username", flat=True)) == ["bob"]


def test_notify_staff_skips_the_absent_and_keeps_the_present(make_user):
    from addons.core.models import Notification
    from addons.core.notifications import notify_staff

    ann, bob, cid = make_user("ann"), make_user("bob"), make_user("cid")
    away(ann, bob, starts=timezone.localdate(), ends=timezone.localdate())
    notify_staff([ann, bob, cid], "test.event", {}, subject="Hi", body="Body")
    assert sorted(Notification.objects.values_list("recipient__username", flat=True)) == [
        "bob", "cid"]


# --- the command --------------------------------------------------------------------------


def _attach(page):
    """Give ``page`` an attached service (a placement of the notice test add-on or the
    first placement model installed)."""
    from addons.core import registry

    for _addon, model in registry.placement_models():
        snippet_model = model._meta.get_field(model.snippet_field).related_model
        snippet = snippet_model.objects.first()
        if snippet is not None:
            return model.objects.create(page=page, **{model.snippet_field: snippet})
    raise AssertionError("no placement model with a snippet to attach")


@pytest.fixture
def appeal_form(site):
    from addons.appeals.services import create_default_forms

    return create_default_forms(site)


def run(*args):
    out = io.StringIO()
    call_command("staffing", *args, "--language", "en", stdout=out)
    return out.getvalue()


def test_command_lists_and_checks(site, city_hall, roads, potholes, office, make_user,
                                  appeal_form):
    _attach(roads)
    _attach(potholes)
    make_user("ann", moderates=[city_hall], full_name="Ann Bell")
    output = run("--site", "localhost")
    assert "Roads: inherited from City hall: Ann Bell" in output
    assert "Potholes: inherited from City hall: Ann Bell" in output
    assert "\n  City hall:" not in output  # it receives no work
    run("--check")  # everyone reaches someone
    StaffingSettings.objects.filter(site=site).update(reception_office=None)
    Group.objects.get(pk=city_hall.moderators_id).user_set.clear()
    with pytest.raises(CommandError, match="2 addressee"):
        run("--check")
    output = run()
    assert "Roads: NOBODY" in output


def test_command_names_office_and_absences(site, roads, office, make_user, appeal_form):
    _attach(roads)
    clerk = make_user("clerk", groups=[office], full_name="Clara Office")
    ann = make_user("ann", moderates=[roads], full_name="Ann Bell")
    away(ann, clerk, starts=timezone.localdate(), ends=timezone.localdate())
    output = run("--check")
    assert "Roads: directly: Clara Office" in output
    assert "Ann Bell, stood in for by Clara Office" in output
    away(clerk, starts=timezone.localdate(), ends=timezone.localdate())
    output = run()
    # Ann's delegate is away too, with nobody: the office is empty, the administrators next
    assert "Roads: NOBODY" in output


def test_command_unknown_site(db):
    with pytest.raises(CommandError):
        run("--site", "nowhere.example.org")


def test_command_output_is_translated(site, roads, office, make_user, appeal_form):
    _attach(roads)
    make_user("ann", moderates=[roads], full_name="Ann Bell")
    out = io.StringIO()
    call_command("staffing", "--language", "uk", stdout=out)
    assert "Roads: безпосередньо: Ann Bell" in out.getvalue()
