"""The hot-spot dashboard: recurring problems per area and month, overdue per addressee."""

from datetime import timedelta

import pytest
from django.utils import timezone

from addons.core.geo import Point
from addons.reports import dashboard
from addons.reports.models import District, Report, ReportCategory

from .conftest import CENTRE

pytestmark = pytest.mark.django_db

URL = "/admin/problem-reports/dashboard/"
NEAR = Point(CENTRE.lat + 0.0004, CENTRE.lng + 0.0004)  # ~50 m from CENTRE
FAR = Point(CENTRE.lat + 0.05, CENTRE.lng + 0.05)  # kilometres away


@pytest.fixture
def leak(reports_site):
    return ReportCategory.objects.get(site=reports_site, code="water.leak")


@pytest.fixture
def scene(make_report, leak):
    """Three potholes in one spot (one two months ago), one far away, two leaks together,
    one pothole overdue."""
    now = timezone.now()
    spot = [make_report(point=CENTRE), make_report(point=NEAR), make_report(point=CENTRE)]
    Report.objects.filter(pk=spot[2].pk).update(created_at=now - timedelta(days=62))
    lone = make_report(point=FAR)
    Report.objects.filter(pk=lone.pk).update(due_at=now - timedelta(hours=1))
    leaks = [make_report(category=leak, point=FAR), make_report(category=leak, point=FAR)]
    return {"spot": spot, "lone": lone, "leaks": leaks}


def _all():
    return Report.objects.all()


def test_hot_spots_group_by_cell_and_category(scene):
    figures = dashboard.compute(_all(), days=90, cell=500)
    spots = figures["spots"]
    assert [(s["category"].code, s["total"]) for s in spots] == [
        ("roads.pothole", 3), ("water.leak", 2)]
    pothole = spots[0]
    assert pothole["open"] == 3
    assert abs(pothole["lat"] - CENTRE.lat) < 0.005
    # per month: the total spread over the months of the period, two of them this month
    assert sum(pothole["by_month"]) == 3
    assert pothole["by_month"][-1] == 2
    assert len(pothole["by_month"]) == len(figures["months"]) >= 3
    # the lone pothole far away is not a recurring problem
    assert all(s["total"] >= 2 for s in spots)


def test_period_and_cell_size(scene):
    spots = dashboard.compute(_all(), days=30, cell=500)["spots"]
    assert [(s["category"].code, s["total"]) for s in spots] == [
        ("roads.pothole", 2), ("water.leak", 2)]
    # with a tiny area NEAR (50 m off) falls into another cell than CENTRE
    spots = dashboard.hot_spots(_all(), since=timezone.now() - timedelta(days=90), cell=10)
    assert ("roads.pothole", 2) in [(s["category"].code, s["total"]) for s in spots["spots"]]


def test_by_district(scene, reports_site):
    district = District.objects.create(site=reports_site, name="Centre")
    Report.objects.filter(pk__in=[r.pk for r in scene["spot"]]).update(district=district)
    rows = dashboard.by_district(_all(), since=timezone.now() - timedelta(days=90))
    assert [(r["district"], r["category"].code, r["total"]) for r in rows] == [
        ("Centre", "roads.pothole", 3)]


def test_overdue_per_addressee(scene):
    from addons.reports import services

    services.change_status(scene["leaks"][0], "resolved")
    rows = {row["addressee__title"]: row for row in dashboard.by_addressee(_all())}
    assert rows["Roads department"]["open"] == 4
    assert rows["Roads department"]["overdue"] == 1
    assert rows["Water company"]["open"] == 1
    assert rows["Water company"]["overdue"] == 0


def test_counted_in_the_database(make_report, django_assert_max_num_queries):
    for _ in range(2):
        make_report(point=CENTRE)
    with django_assert_max_num_queries(10) as few:
        dashboard.compute(_all())
    for _ in range(15):
        make_report(point=NEAR)
    with django_assert_max_num_queries(len(few.captured_queries)):
        dashboard.compute(_all())


def test_page_for_a_moderator_shows_only_their_addressee(client, moderator, scene):
    client.force_login(moderator)
    response = client.get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Pothole" in body and "Roads department" in body
    assert "Water company" not in body
    assert [s["category"].code for s in response.context["spots"]] == ["roads.pothole"]


def test_page_options_and_bad_values(client, superuser, scene):
    client.force_login(superuser)
    response = client.get(URL, {"days": "30", "cell": "250"})
    assert response.context["days"] == 30 and response.context["cell"] == 250
    response = client.get(URL, {"days": "9999", "cell": "x"})
    assert response.status_code == 200
    assert response.context["days"] == 90 and response.context["cell"] == 500
    assert "Select a valid choice" in response.content.decode()


def test_page_refused_to_citizens(client, citizen):
    client.force_login(citizen)
    response = client.get(URL)
    assert response.status_code in (302, 403)


def test_a_hot_spot_links_to_its_reports(client, superuser, scene):
    client.force_login(superuser)
    response = client.get(URL, {"days": "90", "cell": "500"})
    spot = response.context["spots"][0]
    assert spot["bbox"] in response.content.decode()
    # the link opens the staff map on that area with the desk's category filter
    assert "/admin/problem-reports/map/?category=" in response.content.decode()

    def numbers(**params):
        data = client.get("/admin/problem-reports/map.json", params).json()
        return {f["properties"]["number"] for f in data["features"]}

    assert numbers(category=spot["category"].pk, bbox=spot["bbox"]) == {
        r.tracking_number for r in scene["spot"]}
    # a malformed area: the message on the map's page, and the other filters still work
    page = client.get("/admin/problem-reports/map/", {"bbox": "1,2,x", "work": "overdue"})
    assert page.status_code == 200 and "The area is not valid." in page.content.decode()
    assert numbers(bbox="1,2,x", work="overdue") == {scene["lone"].tracking_number}
    assert len(numbers(bbox="50,30,49,31")) == Report.objects.count()


def test_dashboard_counts_with_the_desk_filters(client, superuser, scene, leak):
    client.force_login(superuser)
    response = client.get(URL, {"category": leak.pk})
    assert [s["category"].code for s in response.context["spots"]] == ["water.leak"]
    # the same filter form as the desk's list
    assert "work" in response.context["filters"].fields
