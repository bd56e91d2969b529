"""The casework desk generated from a declaration: list, filters, search, export, record
page, actions with the lock, assignment buttons, bulk actions; scope and two towns."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from addons.core.casework import queries
from addons.core.casework.desk import declaration_for
from tests.core.case_addon.models import Case

pytestmark = pytest.mark.django_db

INDEX = "casework_cases:index"


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies["civicdesk_language"] = "en"
    return client


def detail(case):
    return reverse("casework_cases:inspect", args=[case.pk])


def action(case, key):
    return reverse("casework_cases:action", args=[case.pk, key])


def assignment(case, op):
    return reverse("casework_cases:assignment", args=[case.pk, op])


def bulk(key):
    return reverse("wagtail_bulk_action", args=["case_addon", "case", f"casework-{key}"])


def rows(response):
    return response.content.decode()


def test_urls():
    assert reverse(INDEX) == "/admin/casework/cases/"
    assert reverse("casework_cases:inspect", args=[5]) == "/admin/casework/cases/5/"


# --- the list -----------------------------------------------------------------------------


def test_list_shows_only_the_records_in_scope(client, town, town2, roads_staff):
    mine = town.case(title="Pothole on Shevchenka")
    parks = town.case(addressee=town.parks, title="Broken bench")
    other_town = town2.case(title="Other town pothole")
    client.force_login(roads_staff)
    response = client.get(reverse(INDEX))
    assert response.status_code == 200
    html = rows(response)
    assert mine.title in html
    assert parks.title not in html
    assert other_town.title not in html


def test_menu_only_for_staff_with_records_in_scope(client, town, roads_staff, outsider):
    client.force_login(roads_staff)
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse(INDEX) in html
    outsider.is_staff = True
    outsider.save()
    from django.contrib.auth.models import Permission

    outsider.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(outsider)
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse(INDEX) not in html
    assert client.get(reverse(INDEX)).status_code in (302, 403)


def test_filter_choices_are_of_this_town_and_scope_only(client, town, town2, roads_staff):
    town.case(category=town.potholes)
    town.case(category=town.potholes)
    town.case(category=town.lights)
    town.case(addressee=town.parks, category=town.lights)
    town2.case(category=town2.potholes)
    client.force_login(roads_staff)
    response = client.get(reverse(INDEX))
    filters = response.context["filters"]
    categories = list(filters.filters["category"].queryset)
    assert sorted(c.name for c in categories) == ["Lights a", "Potholes a"]
    addressees = list(filters.filters["addressee"].queryset)
    assert [page.pk for page in addressees] == [town.roads.pk]


def test_filter_by_category_and_status(client, town, roads_staff):
    pothole = town.case(category=town.potholes, title="Pothole one")
    light = town.case(category=town.lights, title="Light one", status="closed")
    client.force_login(roads_staff)
    html = rows(client.get(reverse(INDEX), {"category": town.lights.pk}))
    assert light.title in html and pothole.title not in html
    html = rows(client.get(reverse(INDEX), {"status": "new"}))
    assert pothole.title in html and light.title not in html


@pytest.mark.parametrize("key", queries.WORK_FILTERS)
def test_work_filters_count_like_the_staff_home(client, town, roads_staff, roads_staff2, key):
    today = timezone.localdate()
    town.case(assignee=roads_staff)
    town.case(assignee=roads_staff2, due_date=today - datetime.timedelta(days=1))
    town.case(due_date=today + datetime.timedelta(days=1))
    town.case(escalated=True)
    town.case(status="closed", due_date=today - datetime.timedelta(days=3))
    client.force_login(roads_staff)
    response = client.get(reverse(INDEX), {"work": key})
    declaration = declaration_for(Case)
    expected = queries.work_queryset(declaration, roads_staff, town.site, key)
    assert response.context["paginator"].count == expected.count()
    assert expected.count() >= 1


def test_assignee_filter(client, town, roads_staff, roads_staff2):
    mine = town.case(assignee=roads_staff, title="Kestrel")
    theirs = town.case(assignee=roads_staff2, title="Heron")
    nobody = town.case(title="Unowned")
    client.force_login(roads_staff)
    html = rows(client.get(reverse(INDEX), {"assignee": "me"}))
    assert mine.title in html and theirs.title not in html and nobody.title not in html
    html = rows(client.get(reverse(INDEX), {"assignee": "nobody"}))
    assert nobody.title in html and mine.title not in html
    html = rows(client.get(reverse(INDEX), {"assignee": str(roads_staff2.pk)}))
    assert theirs.title in html and mine.title not in html


def test_search_by_reference(client, town, roads_staff):
    one = town.case(title="Alpha")
    two = town.case(title="Beta")
    client.force_login(roads_staff)
    html = rows(client.get(reverse(INDEX), {"q": one.reference}))
    assert one.title in html and two.title not in html


def test_export_csv_of_the_scope_only_and_formula_safe(client, town, town2, roads_staff):
    town.case(title="=HYPERLINK(\"http://evil\")")
    town2.case(title="Other town")
    client.force_login(roads_staff)
    response = client.get(reverse(INDEX), {"export": "csv"})
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()
    assert "'=HYPERLINK" in body
    assert "Other town" not in body


def test_moderator_of_another_town_works_on_that_town(client, town, town2, town2_staff):
    """The admin is served on the first town's host; a person working only on the second
    town sees the second town's records."""
    theirs = town2.case(title="Second town case")
    first = town.case(title="First town case")
    client.force_login(town2_staff)
    html = rows(client.get(reverse(INDEX)))
    assert theirs.title in html and first.title not in html


# --- the record's page --------------------------------------------------------------------


def test_detail_shows_fields_sections_assignment_and_actions(client, town, roads_staff):
    case = town.case(title="Pothole", note="Caller's phone: +380501234567")
    client.force_login(roads_staff)
    response = client.get(detail(case))
    assert response.status_code == 200
    html = rows(response)
    assert "+380501234567" in html
    assert html.index("case-summary") < html.index("case-note")  # ordered by `order`
    assert assignment(case, "take") in html
    assert action(case, "close") in html and action(case, "reply") in html


def test_detail_of_a_record_outside_scope_is_404(client, town, town2, parks_staff,
                                                 town2_staff):
    case = town.case(note="Confidential phone +380501234567")
    for user in (parks_staff, town2_staff):
        client.force_login(user)
        assert client.get(detail(case)).status_code == 404
        assert client.get(action(case, "reply")).status_code == 404
        response = client.post(action(case, "reply"), {"text": "x", "lock_version": 0})
        assert response.status_code == 404
    case.refresh_from_db()
    assert case.answer == ""


def test_unavailable_action_is_not_offered(client, town, roads_staff):
    case = town.case(status="closed")
    client.force_login(roads_staff)
    assert action(case, "close") not in rows(client.get(detail(case)))
    response = client.post(action(case, "close"), {"lock_version": case.lock_version})
    assert "not available" in rows(response)


# --- actions ------------------------------------------------------------------------------


def test_action_calls_the_service_and_raises_the_lock(client, town, roads_staff):
    case = town.case()
    client.force_login(roads_staff)
    response = client.get(action(case, "reply"))
    assert response.status_code == 200
    assert 'name="lock_version"' in rows(response)
    response = client.post(action(case, "reply"), {"text": "We fixed it.", "lock_version": 0},
                           follow=True)
    assert "Answer sent." in rows(response)
    case.refresh_from_db()
    assert case.answer == "We fixed it."
    assert case.lock_version == 1


def test_service_refusal_keeps_what_was_typed(client, town, roads_staff):
    case = town.case()
    client.force_login(roads_staff)
    response = client.post(action(case, "reply"),
                           {"text": "A forbidden answer typed carefully", "lock_version": 0})
    html = rows(response)
    assert "This answer cannot be sent." in html
    assert "A forbidden answer typed carefully" in html
    case.refresh_from_db()
    assert case.answer == "" and case.lock_version == 0


def test_two_staff_on_one_record_second_sees_who_changed_it(client, town, roads_staff,
                                                            roads_staff2):
    case = town.case()
    client.force_login(roads_staff)
    client.get(action(case, "reply"))  # the first person opens the form (version 0)
    from django.test import Client

    other = Client()
    other.cookies["civicdesk_language"] = "en"
    other.force_login(roads_staff2)
    response = other.post(action(case, "reply"), {"text": "First answer", "lock_version": 0})
    assert response.status_code == 302
    response = client.post(action(case, "reply"),
                           {"text": "My long answer, typed meanwhile", "lock_version": 0})
    html = rows(response)
    assert "Changed by Roads Petro at" in html
    assert "reload to see the change" in html
    assert "My long answer, typed meanwhile" in html
    case.refresh_from_db()
    assert case.answer == "First answer"


def test_action_without_lock_version_is_refused(client, town, roads_staff):
    case = town.case()
    client.force_login(roads_staff)
    response = client.post(action(case, "reply"), {"text": "Hello"})
    assert "reload to see the change" in rows(response)
    case.refresh_from_db()
    assert case.answer == ""


def test_unknown_action_is_404(client, town, roads_staff):
    case = town.case()
    client.force_login(roads_staff)
    assert client.get(action(case, "delete-everything")).status_code == 404


# --- assignment buttons -------------------------------------------------------------------


def test_take_assign_unassign_watch(client, town, roads_staff, roads_staff2, mailoutbox):
    case = town.case()
    client.force_login(roads_staff)
    response = client.post(assignment(case, "take"), {"lock_version": 0}, follow=True)
    assert "The record is yours now." in rows(response)
    case.refresh_from_db()
    assert case.assignee == roads_staff and case.lock_version == 1
    client.post(assignment(case, "assign"),
                {"assignee": roads_staff2.pk, "lock_version": case.lock_version})
    case.refresh_from_db()
    assert case.assignee == roads_staff2
    client.post(assignment(case, "watch"))
    assert list(case.watchers.all()) == [roads_staff]
    client.post(assignment(case, "unassign"), {"lock_version": case.lock_version})
    case.refresh_from_db()
    assert case.assignee is None
    from wagtail.models import ModelLogEntry

    actions = list(ModelLogEntry.objects.for_instance(case).order_by("timestamp", "pk")
                   .values_list("action", flat=True))
    assert actions == ["civicdesk.take", "civicdesk.assign", "civicdesk.watch",
                       "civicdesk.unassign"]


def test_assign_to_someone_outside_the_addressee_is_refused(client, town, roads_staff,
                                                            parks_staff):
    case = town.case()
    client.force_login(roads_staff)
    response = client.post(assignment(case, "assign"),
                           {"assignee": parks_staff.pk, "lock_version": 0}, follow=True)
    case.refresh_from_db()
    assert case.assignee is None
    assert "Select a valid choice" in rows(response) or "does not work on" in rows(response)


# --- bulk actions -------------------------------------------------------------------------


def test_bulk_close_skips_records_outside_scope(client, town, town2, roads_staff):
    mine = [town.case(), town.case(), town.case()]
    theirs = [town.case(addressee=town.parks), town2.case()]
    ids = [case.pk for case in mine + theirs]
    next_url = reverse(INDEX) + "?status=new&p=1"
    client.force_login(roads_staff)
    query = "&".join(f"id={pk}" for pk in ids) + "&next=" + next_url.replace("&", "%26")
    confirm = client.get(bulk("close") + "?" + query)
    assert confirm.status_code == 200
    html = rows(confirm)
    for case in theirs:
        assert case.title not in html and case.reference not in html
    assert "2 selected records are not yours" in html
    response = client.post(bulk("close") + "?" + query, {"reason": ""})
    assert response.status_code == 302
    assert response["Location"] == next_url
    page = client.get(response["Location"])
    assert "3 done, 2 skipped: not yours" in rows(page)
    assert Case.objects.filter(pk__in=[c.pk for c in mine], status="closed").count() == 3
    assert Case.objects.filter(pk__in=[c.pk for c in theirs], status="closed").count() == 0


def test_bulk_reports_the_service_refusals(client, town, roads_staff):
    cases = [town.case(), town.case(status="closed")]
    client.force_login(roads_staff)
    query = "&".join(f"id={case.pk}" for case in cases)
    client.post(bulk("close") + "?" + query, {})
    page = client.get(reverse(INDEX))
    assert "1 done, 1 skipped: not available for this record now" in rows(page)


def test_bulk_assign_and_take(client, town, roads_staff, roads_staff2):
    cases = [town.case(), town.case()]
    client.force_login(roads_staff)
    query = "&".join(f"id={case.pk}" for case in cases)
    client.post(bulk("assign") + "?" + query, {"assignee": roads_staff2.pk})
    assert set(Case.objects.values_list("assignee_id", flat=True)) == {roads_staff2.pk}
    client.post(bulk("unassign") + "?" + query, {})
    client.post(bulk("take") + "?" + query, {})
    assert set(Case.objects.values_list("assignee_id", flat=True)) == {roads_staff.pk}


def test_bulk_refused_to_people_without_scope(client, town, outsider):
    case = town.case()
    from django.contrib.auth.models import Permission

    outsider.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(outsider)
    response = client.post(bulk("close") + f"?id={case.pk}", {})
    assert response.status_code in (302, 403)
    case.refresh_from_db()
    assert case.status == "new"


# --- the add-on switched off; the user's language ------------------------------------------


def test_desk_of_a_disabled_addon_is_gone(client, town, roads_staff):
    from addons.core import activation

    case = town.case()
    activation.disable(town.site, "case_addon")
    client.force_login(roads_staff)
    assert client.get(reverse(INDEX)).status_code == 404
    assert client.get(detail(case)).status_code == 404
    assert reverse(INDEX) not in rows(client.get(reverse("wagtailadmin_home")))
    activation.enable(town.site, "case_addon")
    assert client.get(reverse(INDEX)).status_code == 200


def test_refusal_in_the_users_language(client, town, roads_staff, roads_staff2):
    case = town.case(assignee=roads_staff2)
    roads_staff.language = "uk"
    roads_staff.save()
    client.cookies["civicdesk_language"] = "uk"
    client.force_login(roads_staff)
    response = client.post(assignment(case, "take"), {"lock_version": 0}, follow=True)
    assert "Із цією справою вже працює Roads Petro" in rows(response)
    case.refresh_from_db()
    assert case.assignee == roads_staff2


def test_list_queries_do_not_grow_with_the_records(client, town, roads_staff,
                                                   django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):
        town.case(assignee=roads_staff)
    client.force_login(roads_staff)
    client.get(reverse(INDEX))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse(INDEX))
    for _ in range(30):
        town.case(assignee=roads_staff, category=town.lights)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse(INDEX))
    assert len(many.captured_queries) <= len(few.captured_queries) + 2


def test_dangerous_action_asks_to_confirm(client, town, roads_staff):
    case = town.case(note="Keep me")
    client.force_login(roads_staff)
    response = client.post(action(case, "archive"), {"lock_version": 0})
    assert response.status_code == 200
    assert "This field is required" in rows(response)
    case.refresh_from_db()
    assert case.note == "Keep me"
    response = client.post(action(case, "archive"), {"lock_version": 0, "confirm": "on"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "closed" and case.note == ""
