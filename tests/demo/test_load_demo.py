"""``manage.py load_demo``: a believable municipality, loaded idempotently."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from wagtail.images import get_image_model
from wagtail.models import GroupPagePermission, Page, Revision, Site

from addons.addressees.management.commands import load_demo
from addons.addressees.models import (
    Absence,
    AddresseeCatalogPage,
    AddresseeGroup,
    AddresseeGroupPage,
    AddresseePage,
    HomePage,
    OfficeHours,
    Specialist,
)
from addons.core import registry
from addons.core.activation import enabled_labels
from addons.core.models import SiteProfile

from .conftest import run_load_demo

pytestmark = pytest.mark.django_db

COUNTED = [Page, AddresseePage, OfficeHours, Absence, Specialist, AddresseeGroup, Site,
           SiteProfile, Revision, Group, GroupPagePermission]


def snapshot():
    counts = {model.__name__: model.objects.count() for model in COUNTED}
    counts["User"] = get_user_model().objects.count()
    counts["Image"] = get_image_model().objects.count()
    counts["last_office_hours"] = OfficeHours.objects.order_by("-pk").values_list(
        "pk", flat=True).first()
    counts["revisions"] = sorted(
        revision or 0
        for revision in AddresseePage.objects.values_list("latest_revision_id", flat=True))
    return counts


def ua_site():
    return Site.objects.get(is_default_site=True)


def ro_site():
    return Site.objects.get(hostname="ro.localhost")


def addressees_of(site):
    return AddresseePage.objects.descendant_of(site.root_page)


def test_second_run_changes_nothing(demo):
    first = snapshot()
    output = run_load_demo()
    assert snapshot() == first
    assert "0 created, 0 updated" in output


def test_prints_the_logins_and_both_sites(demo):
    assert "Admin: http://127.0.0.1:8000/admin/ user admin password civicdesk-demo" in demo
    assert "citizen@example.org password civicdesk-demo" in demo
    assert "http://ro.localhost:8000/" in demo
    assert "http://bg.localhost:8000/" in demo


def test_ukrainian_city_is_the_default_site(demo):
    site = ua_site()
    assert (site.hostname, site.port) == ("127.0.0.1", 8000)
    assert isinstance(site.root_page.specific, HomePage)
    # Wagtail's stock welcome page is gone; only the three demo home pages sit under the root
    assert not Page.objects.filter(title__startswith="Welcome to your new Wagtail").exists()
    assert Page.get_first_root_node().get_children().count() == 3
    profile = SiteProfile.for_site(site)
    assert (profile.default_language, profile.jurisdiction, profile.theme, profile.time_zone) == (
        "uk", "ua", "civic", "Europe/Kyiv")
    assert profile.municipality_name and profile.contact_email and profile.map_center
    optional = {addon.label for addon in registry.optional_addons()}
    assert optional <= enabled_labels(site)


def test_ukrainian_catalog_tree(demo):
    site = ua_site()
    catalog = AddresseeCatalogPage.objects.descendant_of(site.root_page).get()
    assert catalog.title == "Каталог адресатів" and catalog.show_in_menus
    addressees = addressees_of(site)
    assert addressees.count() >= 40
    levels = {page.depth - catalog.depth for page in addressees}
    assert {1, 2, 3, 4} <= levels
    deputies = addressees.filter(kind="deputy")
    assert deputies.count() >= 5
    for deputy in deputies:
        assert deputy.office_hours.exists(), deputy.title
    officials = addressees.filter(kind="official")
    assert sum("заступник міського голови" in page.title.lower() for page in officials) >= 3
    executive = addressees.get(slug="vykonkom")
    assert executive.get_children().count() >= 15
    titles = set(addressees.values_list("title", flat=True))
    assert "Відділ по роботі зі зверненнями громадян" in titles
    assert any("Водоканал" in title or "водоканал" in title for title in titles)
    assert any("Тепломережа" in title for title in titles)
    group_pages = AddresseeGroupPage.objects.child_of(site.root_page)
    assert set(group_pages.values_list("title", flat=True)) == {
        "Виконавчий комітет", "ЦНАП", "Комунальні підприємства", "Депутати"}
    assert all(page.show_in_menus for page in group_pages)
    for group_page in group_pages:
        assert group_page.group.addressees.exists(), group_page.title


def test_addressees_are_complete(demo):
    addressees = addressees_of(ua_site())
    for page in addressees:
        assert page.summary and page.phone and page.email, page.title
        assert page.postal_address and page.office_address and page.location, page.title
        assert page.photo_id, page.title
        schedules = set(page.office_hours.values_list("schedule", flat=True))
        assert schedules or page.kind == "deputy", page.title
    # several named schedules with breaks
    with_two = [page for page in addressees
                if page.office_hours.values("schedule").distinct().count() >= 2]
    assert len(with_two) >= 10
    assert OfficeHours.objects.filter(page__in=addressees, break_start__isnull=False).exists()
    # a current vacation and an upcoming one
    today = timezone.localdate()
    absences = Absence.objects.filter(page__in=addressees)
    assert absences.filter(kind="vacation", start__lte=today, end__gte=today).exists()
    assert absences.filter(start__gt=today).exists()
    specialists = Specialist.objects.filter(page__in=addressees)
    assert specialists.count() >= 15
    assert not specialists.filter(competences="").exists()
    assert AddresseePage.objects.get(slug="cnap").specialists.count() >= 5


def test_users(demo):
    User = get_user_model()
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.check_password("civicdesk-demo")
    citizen = User.objects.get(email="citizen@example.org")
    assert citizen.email_confirmed and citizen.is_profile_complete
    assert citizen.check_password("civicdesk-demo") and not citizen.is_staff
    cnap = AddresseePage.objects.get(slug="cnap")
    assert cnap.moderators is not None
    moderator = User.objects.get(username="moderator.cnap")
    assert moderator.is_staff and cnap.moderators in moderator.groups.all()
    assert moderator.has_perm("wagtailadmin.access_admin")


def test_romanian_town_is_a_second_site(demo):
    site = ro_site()
    assert site.port == 8000 and not site.is_default_site
    ua_home = ua_site().root_page
    assert not site.root_page.is_descendant_of(ua_home)
    assert isinstance(site.root_page.specific, HomePage)
    profile = SiteProfile.for_site(site)
    assert (profile.default_language, profile.jurisdiction, profile.theme, profile.time_zone) == (
        "ro", "ro", "civic", "Europe/Bucharest")
    addressees = addressees_of(site)
    assert 8 <= addressees.count() <= 15
    assert {"Primar", "Viceprimar", "Consiliul Local", "Direcția de Asistență Socială",
            "Serviciul Public de Salubrizare"} <= set(addressees.values_list("title", flat=True))
    assert not addressees.filter(pk__in=addressees_of(ua_site())).exists()
    optional = {addon.label for addon in registry.optional_addons()}
    if optional:
        assert optional - enabled_labels(site), "the town switches at least one add-on off"


def test_absences_are_dated_afresh_once_past(demo, monkeypatch):
    count = Absence.objects.count()
    vacation = Absence.objects.get(page__slug="zastupnyk-humanitarnyi")
    later = timezone.localdate() + datetime.timedelta(days=3)
    monkeypatch.setattr(load_demo.timezone, "localdate", lambda: later)
    run_load_demo()
    assert Absence.objects.get(pk=vacation.pk).start == vacation.start  # still running: kept
    much_later = timezone.localdate() + datetime.timedelta(days=100)
    monkeypatch.setattr(load_demo.timezone, "localdate", lambda: much_later)
    run_load_demo()
    assert Absence.objects.count() == count
    moved = Absence.objects.get(page__slug="zastupnyk-humanitarnyi")
    assert moved.start <= much_later <= moved.end


def bg_site():
    return Site.objects.get(hostname="bg.localhost")


def test_bulgarian_town_is_a_third_site(demo):
    site = bg_site()
    assert site.port == 8000 and not site.is_default_site and site.site_name == "Белоречие"
    assert site.root_page.slug == "belorechie"
    for other in (ua_site(), ro_site()):
        assert not site.root_page.is_descendant_of(other.root_page)
    profile = SiteProfile.for_site(site)
    assert (profile.municipality_name, profile.default_language, profile.jurisdiction,
            profile.theme, profile.time_zone) == (
        "Община Белоречие", "bg", "bg", "civic", "Europe/Sofia")
    assert "POINT(23.32" in profile.map_center and " 42.7" in profile.map_center
    addressees = addressees_of(site)
    titles = set(addressees.values_list("title", flat=True))
    assert {"Кмет на общината", "Заместник-кмет", "Общински съвет",
            "Общинско предприятие „Чистота“"} <= titles
    assert sum(title.startswith("Дирекция") for title in titles) >= 3
    assert addressees.filter(kind="enterprise").exists()
    assert not addressees.filter(pk__in=addressees_of(ua_site())).exists()
    enabled = enabled_labels(site)
    for label in ("appeals", "queues", "surveys", "bulletins", "reports"):
        if registry.get_addon(label) is not None:
            assert label in enabled, label


def _model(label, name):
    from django.apps import apps

    try:
        return apps.get_model(label, name)
    except LookupError:
        pytest.skip(f"{label} is not installed")


def test_bulgarian_town_has_forms_a_queue_a_survey_bulletins_and_categories(demo):
    site = bg_site()
    assert _model("appeals", "AppealForm").objects.filter(site=site).count() >= 1
    queue = _model("queues", "Queue").objects.get(site=site, addressee__slug=(
        "administrativno-obsluzhvane"))
    assert queue.title == "Записване в Центъра за услуги"
    assert _model("surveys", "Survey").objects.filter(
        site=site, title="Кой парк да бъде обновен първи?").exists()
    bulletins = _model("bulletins", "Bulletin").objects.filter(
        addressee__in=addressees_of(site))
    assert bulletins.count() >= 3
    category = _model("reports", "ReportCategory").objects.get(site=site, code="waste.uncollected")
    assert category.responsible.slug == "chistota"
    streets = set(_model("reports", "Street").objects.filter(site=site)
                  .values_list("name", flat=True))
    assert {"Васил Левски", "България", "Христо Ботев", "Раковски", "Свобода"} <= streets


@pytest.mark.parametrize("site_of", [ua_site, ro_site, bg_site])
def test_every_town_has_a_coat_of_arms_a_colour_and_four_cards(demo, site_of):
    site = site_of()
    profile = SiteProfile.for_site(site)
    assert profile.coat_of_arms is not None and profile.coat_of_arms.width > 100
    assert profile.brand_colour.startswith("#") and len(profile.brand_colour) == 7
    home = site.root_page.specific
    assert [link.icon for link in home.quick_links.all()] == [
        "report", "appeal", "visit", "find"]


@pytest.mark.parametrize("site_of", [ua_site, ro_site, bg_site])
def test_pages_that_handle_report_categories_offer_the_report_box(demo, site_of):
    site = site_of()
    categories = _model("reports", "ReportCategory").objects.filter(
        site=site, responsible__isnull=False)
    placements = _model("reports", "ReportButtonPlacement").objects
    responsible = set(categories.values_list("responsible_id", flat=True))
    assert responsible
    for page_id in responsible:
        placement = placements.get(page_id=page_id)
        offered = set(placement.button.categories.values_list("pk", flat=True))
        assert offered == set(categories.filter(responsible_id=page_id)
                              .values_list("pk", flat=True))


def _minutes(moment):
    return moment.hour * 60 + moment.minute


@pytest.mark.parametrize("site_of", [ua_site, ro_site, bg_site])
def test_queues_run_only_while_their_addressee_is_open(demo, site_of):
    """A queue's weekly hours lie inside its addressee's published hours, its lunch break
    included: no slot is offered while the office says it is closed."""
    site = site_of()
    queues = _model("queues", "Queue").objects.filter(site=site, addressee__isnull=False)
    schedules = _model("queues", "WeeklySchedule").objects
    checked = 0
    for queue in queues:
        hours = list(OfficeHours.objects.filter(page_id=queue.addressee_id))
        for window in schedules.filter(queue=queue):
            spans = [(window.start, window.break_start), (window.break_end, window.end)] if (
                window.break_start) else [(window.start, window.end)]
            for start, end in spans:
                assert any(
                    row.weekday == window.weekday and _minutes(row.opens) <= _minutes(start)
                    and _minutes(end) <= _minutes(row.closes)
                    and not (row.break_start and _minutes(row.break_start) < _minutes(end)
                             and _minutes(start) < _minutes(row.break_end))
                    for row in hours
                ), (queue.title, window.weekday, start, end)
                checked += 1
    assert checked
