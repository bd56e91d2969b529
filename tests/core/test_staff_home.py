"""The staff home: "My work" first in the admin, the same figures as JSON at
/api/v1/workspace/summary/, every figure equal to the desk list it links to, two towns kept
apart, and a fixed number of SQL queries whatever the data size.

Uses the test case add-on (``tests/core/case_addon``: ``Casework(key="cases")``)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from addons.addressees.models import AddresseeCatalogPage, AddresseePage
from addons.core import registry
from addons.core.casework import home as staff_home

from ..conftest import add_town

SUMMARY = "/api/v1/workspace/summary/"
TOWN_B = "town-b.localhost"


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies["civicdesk_language"] = "en"


def _addressee(home_page, title, slug):
    catalog = AddresseeCatalogPage.objects.child_of(home_page).first()
    if catalog is None:
        catalog = home_page.add_child(instance=AddresseeCatalogPage(title="Addressees",
                                                                    slug=f"catalog-{slug}"))
    page = catalog.add_child(instance=AddresseePage(title=title, slug=slug))
    page.refresh_from_db()
    return page


@pytest.fixture
def roads(home):
    return _addressee(home, "Roads", "roads")


@pytest.fixture
def parks(home):
    return _addressee(home, "Parks", "parks")


@pytest.fixture
def town_b(home):
    site = add_town(TOWN_B, "Town B", slug="town-b", jurisdiction="ro")
    return {"site": site, "hall": _addressee(site.root_page, "Town hall B", "hall-b")}


@pytest.fixture
def make_user(django_user_model):
    def make(name, *, moderates=(), **extra):
        user = django_user_model.objects.create_user(
            username=name, email=f"{name}@example.org", password="x",
            full_name=name.title(), language="en", **extra)
        for page in moderates:
            user.groups.add(page.moderators)
        return type(user).objects.get(pk=user.pk)

    return make


@pytest.fixture
def clerk(make_user, roads):
    return make_user("clerk", moderates=[roads], is_staff=True)


@pytest.fixture
def colleague(make_user, roads):
    return make_user("colleague", moderates=[roads], is_staff=True)


@pytest.fixture
def clerk_b(make_user, town_b):
    return make_user("clerkb", moderates=[town_b["hall"]], is_staff=True)


@pytest.fixture
def citizen(make_user):
    return make_user("olena")


def case(site, addressee, **fields):
    from tests.core.case_addon.models import Case

    case.counter = getattr(case, "counter", 0) + 1
    values = {"site": site, "addressee": addressee, "reference": f"C-{case.counter:05d}",
              "title": f"Case {case.counter}",
              "due_date": timezone.localdate() + datetime.timedelta(days=10)}
    values.update(fields)
    return Case.objects.create(**values)


def today(days=0):
    return timezone.localdate() + datetime.timedelta(days=days)


@pytest.fixture
def work(site, roads, parks, clerk, colleague, town_b):
    """Roads: 2 open cases of the clerk (one overdue), 1 closed one; 3 new unassigned (one due
    tomorrow, one escalated); 1 of a colleague overdue. Parks and town B: out of scope."""
    case(site, roads, assignee=clerk)
    case(site, roads, assignee=clerk, due_date=today(-2))
    case(site, roads, assignee=clerk, status="closed", due_date=today(-5))
    case(site, roads)
    case(site, roads, due_date=today(1))
    case(site, roads, escalated=True)
    case(site, roads, assignee=colleague, due_date=today(-1), status="in_progress")
    case(site, roads, status="closed", escalated=True, due_date=today(1))
    case(site, parks, due_date=today(-3), escalated=True)
    case(town_b["site"], town_b["hall"], due_date=today(-3), escalated=True)
    case(town_b["site"], town_b["hall"])
    return site


EXPECTED_CLERK = {"mine": 2, "unassigned": 3, "due_soon": 1, "overdue": 2, "escalated": 1}


def figures_of(kinds, key="cases"):
    for kind in kinds:
        if kind["key"] == key:
            return {figure["key"] if isinstance(figure, dict) else figure.key:
                    figure["value"] if isinstance(figure, dict) else figure.value
                    for figure in kind["figures"]}
    return None


def list_count(client, url, **extra):
    response = client.get(url, **extra)
    assert response.status_code == 200, url
    context = response.context
    page = context.get("page_obj")
    if page is not None:
        return page.paginator.count
    return context["items_count"]


# --- the figures ---------------------------------------------------------------------------


def test_the_figures_count_my_work(work, clerk):
    assert figures_of(staff_home.my_work(clerk, work)) == EXPECTED_CLERK


def test_every_figure_links_to_the_desk_list_of_the_same_length(client, work, clerk):
    client.force_login(clerk)
    kinds = staff_home.my_work(clerk, work)
    index = reverse("casework_cases:index")
    figures = [kind for kind in kinds if kind["key"] == "cases"][0]["figures"]
    assert {figure.key for figure in figures} == set(EXPECTED_CLERK)
    for figure in figures:
        assert figure.url == f"{index}?work={figure.key}"
        assert list_count(client, figure.url) == figure.value, figure.key


def test_a_kind_with_nothing_in_scope_is_left_out(work, make_user, home):
    idle = make_user("idle", moderates=[_addressee(home, "Library", "library")],
                     is_staff=True)
    assert staff_home.my_work(idle, work) == []


def test_a_superuser_sees_the_whole_town_and_only_it(work, django_user_model):
    admin = django_user_model.objects.create_superuser(username="root", email="r@example.org",
                                                       password="x")
    figures = figures_of(staff_home.my_work(admin, work))
    # town A's roads and parks (not town B's)
    assert figures == {"mine": 0, "unassigned": 4, "due_soon": 1, "overdue": 3,
                       "escalated": 2}


def test_the_add_ons_own_figures_are_shown(client, work, clerk, monkeypatch):
    from addons.core.casework import Figure

    _addon, declaration = registry.casework_for("cases")

    def queue_today(user, site):
        return [Figure(key="waiting", label="Waiting", value=7, url="/admin/queue/",
                       group="Registry")]

    import dataclasses

    patched = dataclasses.replace(declaration, figures=queue_today)
    load_admin_urls(monkeypatch)
    monkeypatch.setattr(registry, "casework", lambda: [(_addon, patched)])
    client.force_login(clerk)
    page = client.get("/admin/").content.decode()
    assert 'data-figure="cases:waiting"' in page and "Registry: Waiting" in page
    body = client.get(SUMMARY).json()
    extra = body["kinds"][0]["extra"]
    assert extra == [{"key": "waiting", "label": "Waiting", "value": 7, "url": "/admin/queue/",
                      "group": "Registry"}]


# --- the admin's home page -----------------------------------------------------------------


def test_staff_see_their_work_first_and_no_page_panels(client, work, clerk):
    client.force_login(clerk)
    page = client.get("/admin/").content.decode()
    assert "My work" in page
    for key, value in EXPECTED_CLERK.items():
        start = page.index(f'data-figure="cases:{key}"')
        assert f'civicdesk-my-work__value">{value}<' in page[start:start + 400]
        assert f'href="{reverse("casework_cases:index")}?work={key}"' in page
    assert "w-summary__list" not in page.split("My work")[0]  # no site summary above it
    assert "Your most recent edits" not in page


def test_superusers_keep_the_stock_panels_below_their_work(client, work, django_user_model):
    admin = django_user_model.objects.create_superuser(username="root", email="r@example.org",
                                                       password="x")
    client.force_login(admin)
    page = client.get("/admin/").content.decode()
    assert "My work" in page
    assert "Site summary" in page


# --- two towns ------------------------------------------------------------------------------


def test_town_b_staff_never_see_town_a_figures(client, work, clerk, clerk_b, town_b):
    assert figures_of(staff_home.my_work(clerk_b, town_b["site"])) == {
        "mine": 0, "unassigned": 2, "due_soon": 0, "overdue": 1, "escalated": 1}
    assert staff_home.my_work(clerk_b, work) == []  # nothing of theirs in town A
    assert staff_home.my_work(clerk, town_b["site"]) == []
    client.force_login(clerk_b)
    body = client.get(SUMMARY, HTTP_HOST=TOWN_B).json()
    assert figures_of(body["kinds"]) == {"mine": 0, "unassigned": 2, "due_soon": 0,
                                         "overdue": 1, "escalated": 1}
    assert body["site"]["id"] == town_b["site"].pk
    assert client.get(SUMMARY).json()["kinds"] == []  # opened on town A's host
    client.force_login(clerk)
    assert client.get(SUMMARY, HTTP_HOST=TOWN_B).json()["kinds"] == []


# --- the JSON endpoint ------------------------------------------------------------------------


def test_the_summary_equals_the_panel(client, work, clerk):
    client.force_login(clerk)
    body = client.get(SUMMARY).json()
    assert figures_of(body["kinds"]) == EXPECTED_CLERK
    kind = body["kinds"][0]
    assert kind["title"] == "Cases"
    assert {figure["url"] for figure in kind["figures"]} == {
        f"{reverse('casework_cases:index')}?work={key}" for key in EXPECTED_CLERK}


def test_the_summary_takes_a_token(client, work, clerk):
    token = Token.objects.create(user=clerk)
    response = client.get(SUMMARY, HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    assert figures_of(response.json()["kinds"]) == EXPECTED_CLERK
    assert "no-store" in response["Cache-Control"]


def test_the_summary_refuses_anonymous_callers_and_citizens(client, work, citizen):
    response = client.get(SUMMARY)
    assert response.status_code == 401
    assert client.get(SUMMARY, HTTP_AUTHORIZATION="Token nonsense").status_code == 401
    client.force_login(citizen)
    assert client.get(SUMMARY).status_code == 403
    client.logout()
    token = Token.objects.create(user=citizen)
    response = client.get(SUMMARY, HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 403
    assert "detail" in response.json()


def test_an_inactive_staff_member_is_refused(client, work, clerk):
    token = Token.objects.create(user=clerk)
    clerk.is_active = False
    clerk.save()
    assert client.get(SUMMARY, HTTP_AUTHORIZATION=f"Token {token.key}").status_code == 401


# --- a fixed number of queries ----------------------------------------------------------------


def grow(site, roads, clerk, n):
    for number in range(n):
        case(site, roads, assignee=clerk if number % 2 else None,
             due_date=today(number % 5 - 2), escalated=number % 7 == 0)


def load_admin_urls(monkeypatch):
    """Build the URL configuration (one desk per declared kind) before a test narrows the
    registry, and keep every declaration reachable by its key: the other add-ons' menus
    still link to their desks."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018
    every = {item.key: (addon, item) for addon, item in registry.casework()}
    monkeypatch.setattr(registry, "casework_for", lambda key: every.get(key, (None, None)))


def only_cases(monkeypatch):
    load_admin_urls(monkeypatch)
    pair = registry.casework_for("cases")
    monkeypatch.setattr(registry, "casework", lambda: [pair])


#: per kind in scope: 1 exists + 5 counts; the clerk's permissions (user and groups: 2),
#: moderated addressees (1) and the site's add-on switches (1, created on first use here: a
#: savepoint, the insert and its release: 3 more) are read once; who the staffing rule routes
#: to the clerk (the site's addressees, their moderators: 3, the day's absences, the people,
#: the staffing setting: 7) once more: 20 in all
SUMMARY_QUERIES = 20


@pytest.mark.parametrize("size", [1, 40])
def test_the_figures_run_a_fixed_number_of_queries(site, roads, clerk, size, monkeypatch,
                                                   django_assert_num_queries):
    only_cases(monkeypatch)
    grow(site, roads, clerk, size)
    user = type(clerk).objects.get(pk=clerk.pk)
    with django_assert_num_queries(SUMMARY_QUERIES):
        staff_home.summary(user, site)


def test_the_home_page_and_the_summary_run_as_many_queries_at_any_size(
        client, site, roads, clerk, monkeypatch, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    only_cases(monkeypatch)
    client.force_login(clerk)
    grow(site, roads, clerk, 2)
    counts = {}
    for url in ("/admin/", SUMMARY):
        client.get(url)  # warm caches (content types, site root paths), create the
        client.get(url)  # site's settings rows on first use, then cache them
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        counts[url] = len(captured.captured_queries)
    grow(site, roads, clerk, 60)
    for url, count in counts.items():
        with django_assert_num_queries(count):
            assert client.get(url).status_code == 200
