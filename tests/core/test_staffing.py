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


@pytest.fixture(autouse=True)
def _keep_language():
    """The interface language active before the test is active after it (migrations and
    admin requests run here switch it)."""
    from django.utils import translation

    language = translation.get_language()
    yield
    translation.activate(language)


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
    assert staffing.handlers_for(roads_b, site=site, on=TODAY).users == [clerk_b]
    assert staffing.handlers_for(None, site=town_b, on=TODAY).users == [clerk_b]


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
    assert len(queries) <= 8, [q["sql"] for q in queries]


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
    with pytest.raises(CommandError, match="2 addressees"):
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


# --- the admin screens --------------------------------------------------------------------


@pytest.fixture
def staff_member(make_user):
    from django.contrib.auth.models import Permission

    user = make_user("ann", full_name="Ann Bell")
    user.user_permissions.add(Permission.objects.get(
        content_type__app_label="wagtailadmin", codename="access_admin"))
    return user


def test_settings_screen_only_for_those_allowed(client, site, roads, office, staff_member,
                                                make_user, appeal_form, django_user_model):
    from django.contrib.auth.models import Permission

    _attach(roads)
    make_user("clerk", groups=[office], full_name="Clara Office")
    client.force_login(staff_member)
    refused = client.get("/admin/staffing/", HTTP_HOST="localhost")
    assert (refused.status_code, refused["Location"]) == (302, "/admin/")
    dashboard = client.get("/admin/", HTTP_HOST="localhost").content.decode()
    assert "/admin/staffing/" not in dashboard
    staff_member.user_permissions.add(Permission.objects.get(
        content_type__app_label="core", codename="view_staffingsettings"))
    staff_member = django_user_model.objects.get(pk=staff_member.pk)
    client.force_login(staff_member)
    response = client.get("/admin/staffing/", HTTP_HOST="localhost")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Roads" in html and "Clara Office" in html
    client.logout()
    response = client.get("/admin/staffing/", HTTP_HOST="localhost")
    assert response.status_code == 302 and "login" in response["Location"]


def test_settings_screen_is_scoped_to_the_chosen_site(client, site, roads, office, make_user,
                                                      appeal_form, django_user_model):
    _attach(roads)
    town_b = add_town("town-b.example.org", slug="town-b")
    catalog_b = town_b.root_page.add_child(
        instance=AddresseeCatalogPage(title="Addressees", slug="addressees-b"))
    _attach(catalog_b.add_child(instance=AddresseePage(title="Bridges B", slug="bridges-b")))
    root = django_user_model.objects.create_superuser("root", "root@example.org", "x")
    client.force_login(root)
    html = client.get("/admin/staffing/", HTTP_HOST="localhost").content.decode()
    assert "Roads" in html and "Bridges B" not in html
    html = client.get(f"/admin/staffing/?site={town_b.pk}",
                      HTTP_HOST="localhost").content.decode()
    assert "Bridges B" in html and "Roads" not in html


def test_leadership_must_be_of_the_site(site, catalog, city_hall):
    from addons.core.forms import StaffingSettingsForm

    town_b = add_town("town-b.example.org", slug="town-b")
    catalog_b = town_b.root_page.add_child(
        instance=AddresseeCatalogPage(title="Addressees", slug="addressees-b"))
    mayor_b = catalog_b.add_child(instance=AddresseePage(title="Mayor B", slug="mayor-b"))
    options = StaffingSettings.for_site(site)
    from wagtail.admin.panels import get_edit_handler

    form_class = get_edit_handler(StaffingSettings).get_form_class()
    assert issubclass(form_class, StaffingSettingsForm)
    form = form_class({"leadership": mayor_b.pk}, instance=options)
    assert not form.is_valid()
    assert "leadership" in form.errors
    form = form_class({"leadership": city_hall.pk}, instance=options)
    assert form.is_valid(), form.errors


def _absence_post(client, data):
    return client.post("/admin/absences/new/", data, HTTP_HOST="localhost")


def test_staff_record_their_own_absence(client, staff_member, make_user):
    bob = make_user("bob")
    client.force_login(staff_member)
    response = _absence_post(client, {"starts": "2026-12-10", "ends": "2026-12-12",
                                      "delegate": bob.pk, "note": "Training",
                                      "user": bob.pk})
    assert response.status_code == 302, response.content.decode()[:3000]
    absence = StaffAbsence.objects.get()
    # the user field is not theirs to choose: the absence is their own
    assert (absence.user, absence.delegate, absence.note) == (staff_member, bob, "Training")


@pytest.mark.parametrize("data, field, message", [
    ({"starts": "2026-12-12", "ends": "2026-12-10"}, "ends",
     "Відсутність не може закінчитися раніше, ніж почалася."),
    ({"starts": "2026-12-10", "ends": "2026-12-12", "delegate": "SELF"}, "delegate",
     "Оберіть іншу особу: людина не може заміщати саму себе."),
])
def test_bad_absences_are_refused_and_what_was_typed_is_kept(client, staff_member, data,
                                                             field, message):
    data = {**data, "note": "Conference in Lviv"}
    if data.get("delegate") == "SELF":
        data["delegate"] = staff_member.pk
    client.force_login(staff_member)
    response = _absence_post(client, data)
    assert response.status_code == 200
    assert not StaffAbsence.objects.exists()
    form = response.context["form"]
    assert form.errors[field] == [message]
    html = response.content.decode()
    assert "Conference in Lviv" in html and data["starts"] in html


def test_a_delegation_cycle_is_refused(client, staff_member, make_user):
    bob = make_user("bob")
    away(bob, staff_member, starts=datetime.date(2026, 12, 11), ends=datetime.date(2026, 12, 20))
    client.force_login(staff_member)
    response = _absence_post(client, {"starts": "2026-12-10", "ends": "2026-12-12",
                                      "delegate": bob.pk, "note": "Leave"})
    assert response.status_code == 200
    assert "delegate" in response.context["form"].errors
    assert StaffAbsence.objects.count() == 1
    assert "Leave" in response.content.decode()


def test_staff_see_and_change_only_their_own_absences(client, staff_member, make_user,
                                                      django_user_model):
    bob = make_user("bob", full_name="Bob Other")
    theirs = away(bob)
    mine = away(staff_member)
    client.force_login(staff_member)
    html = client.get("/admin/absences/", HTTP_HOST="localhost").content.decode()
    assert f"/admin/absences/edit/{mine.pk}/" in html
    assert f"/admin/absences/edit/{theirs.pk}/" not in html
    assert client.get(f"/admin/absences/edit/{theirs.pk}/",
                      HTTP_HOST="localhost").status_code == 404
    assert client.post(f"/admin/absences/delete/{theirs.pk}/",
                       HTTP_HOST="localhost").status_code == 404
    assert StaffAbsence.objects.filter(pk=theirs.pk).exists()
    # an administrator records anyone's
    root = django_user_model.objects.create_superuser("root", "root@example.org", "x")
    client.force_login(root)
    response = _absence_post(client, {"user": bob.pk, "starts": "2027-01-05",
                                      "ends": "2027-01-09", "delegate": staff_member.pk})
    assert response.status_code == 302
    assert StaffAbsence.objects.filter(user=bob, starts="2027-01-05").exists()


def test_admin_dashboard_requests_nothing_from_another_origin(client, site, django_user_model):
    import re

    root = django_user_model.objects.create_superuser("root", "root@example.org", "x")
    client.force_login(root)
    html = client.get("/admin/", HTTP_HOST="localhost").content.decode()
    assert "gravatar" not in html.lower()
    assert "releases.wagtail.io" not in html
    # nothing loaded (scripts, styles, images, frames, fetches) from another origin
    loaded = re.findall(r'(?:src|srcset|data-[a-z-]*url)="(https?:)?//([^/"]+)', html)
    stylesheets = re.findall(r'<link[^>]+href="(?:https?:)?//([^/"]+)', html)
    others = {host for _scheme, host in loaded} | set(stylesheets)
    assert others <= {"testserver", "localhost"}, others


def test_admin_offers_the_interface_languages(settings):
    codes = {code for code, _name in settings.WAGTAILADMIN_PERMITTED_LANGUAGES}
    assert {"uk", "ro", "bg"} <= codes
    assert settings.WAGTAIL_ENABLE_UPDATE_CHECK is False
    assert settings.WAGTAIL_GRAVATAR_PROVIDER_URL is None


def test_overview_queries_do_not_grow_with_the_addressees(site, catalog, office, make_user,
                                                          appeal_form):
    make_user("clerk", groups=[office])

    def add(count, start):
        for index in range(start, start + count):
            page = catalog.add_child(instance=AddresseePage(title=f"Dept {index}",
                                                            slug=f"dept-{index}"))
            _attach(page)
            if index % 2:
                make_user(f"mod{index}", moderates=[page])

    def measure():
        with CaptureQueriesContext(connection) as queries:
            rows = staffing.overview(site, on=TODAY)
        return len(rows), len(queries)

    add(3, 0)
    measure()  # warm the caches (content types, the site's setting row)
    rows_few, queries_few = measure()
    add(12, 3)
    rows_many, queries_many = measure()
    assert (rows_few, rows_many) == (3, 15)
    assert queries_many == queries_few, (queries_few, queries_many)
