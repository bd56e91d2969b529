"""Staff side of problem reports on the casework desk: scope, filters, map, actions, audit."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from wagtail.models import ModelLogEntry

from addons.reports.models import (
    Report,
    ReportCategory,
    ReportReplyTemplate,
    ReportStatus,
    ReportUpdate,
)

from .conftest import CENTRE, photo_upload

pytestmark = pytest.mark.django_db

LIST = "/admin/casework/reports/"
OLD = "/admin/problem-reports/"
MAP = "/admin/problem-reports/map.json"


@pytest.fixture
def road_report(make_report):
    return make_report(description="Pothole on Florilor 15", address="Florilor 15")


@pytest.fixture
def water_report(make_report, leak):
    return make_report(category=leak, description="Pipe leaking on Shevchenko")


def _login(client, user):
    client.force_login(user)
    return client


def _action(client, report, action, data):
    """Post one desk action with the report's current lock version."""
    report.refresh_from_db()
    return client.post(f"{LIST}{report.pk}/action/{action}/",
                       {"lock_version": report.lock_version, "confirm": "on", **data})


def _failed(response):
    """The desk shows a refused action's form again (200) with its errors."""
    assert response.status_code == 200
    return response.content.decode()


def _refused(response):
    """Wagtail answers a PermissionDenied in its admin with a redirect to the dashboard; the
    desk answers a record outside the user's scope with 404."""
    assert response.status_code in (302, 403, 404)
    if response.status_code == 302:
        assert response.url == "/admin/"


def _logged(report, action):
    return ModelLogEntry.objects.filter(action=action, object_id=str(report.pk))


# --- scope --------------------------------------------------------------------------------


def test_menu_and_list_for_a_moderator(client, moderator, road_report, water_report):
    response = _login(client, moderator).get(LIST)
    assert response.status_code == 200
    body = response.content.decode()
    assert road_report.tracking_number in body
    assert water_report.tracking_number not in body
    assert "Problem reports" in client.get("/admin/").content.decode()


def test_superuser_sees_every_report(client, superuser, road_report, water_report):
    body = _login(client, superuser).get(LIST).content.decode()
    assert road_report.tracking_number in body and water_report.tracking_number in body


def test_staff_without_addressees_is_refused(client, make_user, road_report):
    from django.contrib.auth.models import Permission

    clerk = make_user("clerk", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="access_admin"))
    _login(client, clerk)
    for url in (LIST, f"{LIST}{road_report.pk}/", f"{LIST}?export=csv", MAP,
                f"{OLD}map/", f"{OLD}dashboard/"):
        _refused(client.get(url))
    assert "Problem reports" not in client.get("/admin/").content.decode()


def test_citizen_cannot_enter(client, citizen, road_report):
    response = _login(client, citizen).get(f"{LIST}{road_report.pk}/")
    assert response.status_code in (302, 403)
    assert road_report.tracking_number not in response.content.decode()


def test_other_addressees_report_is_404(client, water_moderator, road_report):
    _login(client, water_moderator)
    assert client.get(f"{LIST}{road_report.pk}/").status_code == 404
    response = _action(client, road_report, "status", {"status": "in_progress"})
    assert response.status_code == 404
    road_report.refresh_from_db()
    assert road_report.status.code == "new"
    data = json.loads(client.get(MAP).content)
    assert data["features"] == []


def test_old_addresses_lead_to_the_desk(client, moderator, road_report):
    _login(client, moderator)
    response = client.get(OLD, {"q": "Florilor"})
    assert response.status_code == 302 and response.url == f"{LIST}?q=Florilor"
    response = client.get(f"{OLD}{road_report.pk}/")
    assert response.status_code == 302 and response.url == f"{LIST}{road_report.pk}/"


# --- filters and map ----------------------------------------------------------------------


def test_filters(client, superuser, make_report, leak, addressee, water):
    from addons.reports import services

    pothole = make_report(description="Pothole A")
    private = make_report(description="Private B", is_public=False)
    water_one = make_report(category=leak, description="Leak C")
    old = make_report(description="Old D")
    Report.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(days=40),
        due_at=timezone.now() - timedelta(days=1),
    )
    services.change_status(water_one, "resolved")
    hidden = make_report(description="Hidden E")
    Report.objects.filter(pk=hidden.pk).update(is_hidden=True)
    _login(client, superuser)

    def numbers(**params):
        response = client.get(LIST, params)
        assert response.status_code == 200
        return {r.tracking_number for r in response.context["object_list"]}

    every = {r.tracking_number for r in (pothole, private, water_one, old, hidden)}
    assert numbers() == every
    assert numbers(category=leak.pk) == {water_one.tracking_number}
    resolved = ReportStatus.objects.get(code="resolved")
    assert numbers(status=resolved.pk) == {water_one.tracking_number}
    assert water_one.tracking_number not in numbers(work="unassigned")
    assert numbers(addressee=water.pk) == {water_one.tracking_number}
    today = timezone.localdate()
    assert numbers(created_at_to=(today - timedelta(days=30)).isoformat()) == {
        old.tracking_number}
    assert old.tracking_number not in numbers(created_at_from=today.isoformat())
    assert numbers(work="overdue") == {old.tracking_number}
    assert numbers(is_public="false") == {private.tracking_number}
    assert numbers(is_hidden="true") == {hidden.tracking_number}
    assert numbers(q="leak") == {water_one.tracking_number}
    assert numbers(q=pothole.tracking_number) == {pothole.tracking_number}
    # a date that is not one: the form's message, what was typed kept, nothing filtered
    response = client.get(LIST, {"created_at_from": "2026-13-45"})
    assert response.status_code == 200
    assert "2026-13-45" in response.content.decode()


def test_map_data_follows_the_desk_filters(client, moderator, make_report):
    first = make_report(description="One")
    second = make_report(description="Two", is_public=False)
    _login(client, moderator)
    data = json.loads(client.get(MAP).content)
    assert {f["properties"]["number"] for f in data["features"]} == {
        first.tracking_number, second.tracking_number}
    feature = data["features"][0]
    assert feature["geometry"]["coordinates"] == [pytest.approx(CENTRE.lng),
                                                  pytest.approx(CENTRE.lat)]
    assert feature["properties"]["url"].startswith(LIST)
    data = json.loads(client.get(MAP, {"is_public": "false"}).content)
    assert [f["properties"]["number"] for f in data["features"]] == [second.tracking_number]
    page = client.get(f"{OLD}map/", {"is_public": "false"}).content.decode()
    assert 'id="reports-admin-map"' in page and "leaflet/leaflet.js" in page
    assert "map.json?is_public=false" in page
    assert "unpkg" not in page and "cdn" not in page.lower()


# --- actions ------------------------------------------------------------------------------


def test_change_status_with_a_reply_template(client, moderator, road_report, mailoutbox):
    template = ReportReplyTemplate.objects.create(
        title="Repair planned", text="The repair is planned for next week.",
        status=ReportStatus.objects.get(code="planned"),
    )
    _login(client, moderator)
    # the form offers the site's templates; an empty public note takes the template's text
    page = client.get(f"{LIST}{road_report.pk}/action/status/")
    assert "Repair planned" in page.content.decode()

    response = _action(client, road_report, "status", {
        "status": template.status_id, "template": template.pk, "public_note": "",
        "internal_note": "Crew 3",
    })
    assert response.status_code == 302
    road_report.refresh_from_db()
    assert road_report.status.code == "planned"
    update = ReportUpdate.objects.filter(report=road_report, kind="status").get()
    assert update.public_note == "The repair is planned for next week."
    assert update.internal_note == "Crew 3"
    assert update.author == moderator
    entry = _logged(road_report, "reports.status").get()
    assert entry.user_id == moderator.pk
    assert entry.data["status_to"] == "planned"


def test_same_status_is_refused_and_typed_text_kept(client, moderator, road_report):
    _login(client, moderator)
    response = _action(client, road_report, "status", {
        "status": road_report.status_id, "public_note": "My carefully typed note",
    })
    body = _failed(response)
    assert "The report already has this status." in body
    assert "My carefully typed note" in body
    assert not _logged(road_report, "reports.status").exists()


def test_forward_hands_the_report_over(client, moderator, road_report, water):
    _login(client, moderator)
    response = _action(client, road_report, "forward", {"addressee": water.pk,
                                                        "public_note": "Water pipe"})
    # the moderator no longer handles it: the report's page is no longer theirs
    assert response.status_code == 302
    road_report.refresh_from_db()
    assert road_report.addressee_id == water.pk
    assert _logged(road_report, "reports.forward").get().data["to"] == "Water company"
    assert client.get(f"{LIST}{road_report.pk}/").status_code == 404


def test_correct_the_category(client, moderator, road_report, reports_site):
    sidewalk = ReportCategory.objects.get(site=reports_site, code="roads.sidewalk")
    _login(client, moderator)
    response = _action(client, road_report, "category", {"category": sidewalk.pk})
    assert response.status_code == 302
    road_report.refresh_from_db()
    assert road_report.category == sidewalk
    assert _logged(road_report, "reports.category").exists()


def test_merge_a_duplicate(client, moderator, make_report, other_citizen):
    original = make_report(description="Original pothole")
    duplicate = make_report(description="Same pothole", reporter=other_citizen)
    _login(client, moderator)
    page = client.get(f"{LIST}{duplicate.pk}/").content.decode()
    assert original.tracking_number in page  # offered as a nearby candidate
    response = _action(client, duplicate, "merge", {"original": original.tracking_number.lower()})
    assert response.status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.merged_into == original
    assert duplicate.status.code == "duplicate"
    assert original.subscriptions.filter(user=other_citizen).exists()
    assert _logged(duplicate, "reports.merge").get().data["original"] == \
        original.tracking_number


@pytest.mark.parametrize("number, message", [
    ("PR-1999-999999", "No report of this site that you handle has this tracking number."),
    ("self", "cannot be merged into itself"),
])
def test_merge_refused_keeps_what_was_typed(client, moderator, road_report, number, message):
    if number == "self":
        number = road_report.tracking_number
    _login(client, moderator)
    response = _action(client, road_report, "merge", {"original": number,
                                                      "public_note": "Typed merge note"})
    body = _failed(response)
    assert message in body
    assert "Typed merge note" in body and number in body
    road_report.refresh_from_db()
    assert road_report.merged_into is None
    assert not _logged(road_report, "reports.merge").exists()


def test_merge_asks_to_confirm(client, moderator, make_report):
    original = make_report(description="Original pothole")
    duplicate = make_report(description="Same pothole")
    _login(client, moderator)
    response = client.post(f"{LIST}{duplicate.pk}/action/merge/", {
        "lock_version": duplicate.lock_version, "original": original.tracking_number,
        "public_note": "Typed before confirming"})
    assert "Typed before confirming" in _failed(response)
    duplicate.refresh_from_db()
    assert duplicate.merged_into is None


def test_make_private(client, moderator, road_report):
    _login(client, moderator)
    response = _action(client, road_report, "private", {"internal_note": "Personal data"})
    assert response.status_code == 302
    road_report.refresh_from_db()
    assert not road_report.is_public
    assert _logged(road_report, "reports.private").exists()
    # no longer offered
    actions = client.get(f"{LIST}{road_report.pk}/").context["actions"]
    assert "private" not in [item["action"].key for item in actions]
    assert "status" in [item["action"].key for item in actions]


def test_moderate_text_name_and_photo(client, moderator, make_report, reports_site):
    from addons.reports import services
    from addons.reports.photos import process_photo

    report = make_report(description="Idiots left a pothole", reporter_name="Olena",
                         hide_reporter_name=False)
    first = services.add_photo(report, process_photo(photo_upload(), max_bytes=10**7), 0)
    second = services.add_photo(report, process_photo(photo_upload(), max_bytes=10**7), 1)
    _login(client, moderator)
    response = _action(client, report, "moderate", {
        "description": "Someone left a pothole", "hide_reporter_name": "on",
        "internal_note": "Insult removed",
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    response = _action(client, report, "photos", {"hidden_photos": [second.pk]})
    assert response.status_code == 302, response.content.decode()[:3000]
    report.refresh_from_db()
    assert report.description == "Someone left a pothole"
    assert report.hide_reporter_name
    assert not report.is_hidden
    first.refresh_from_db()
    second.refresh_from_db()
    assert not first.is_hidden and second.is_hidden
    entry = _logged(report, "reports.moderate").get()
    assert entry.data["description_changed"] is True
    assert _logged(report, "reports.photos").get().data["hidden_photos"] == [second.pk]
    # the hidden photo is no longer served to the public
    client.logout()
    assert client.get(second.get_absolute_url()).status_code in (403, 404)
    assert client.get(first.get_absolute_url()).status_code == 200


def test_moderate_too_long_text_is_refused(client, moderator, road_report):
    _login(client, moderator)
    response = _action(client, road_report, "moderate", {"description": "y" * 4001})
    assert "y" * 4001 in _failed(response)
    road_report.refresh_from_db()
    assert road_report.description == "Pothole on Florilor 15"


def test_unknown_action_and_get(client, moderator, road_report):
    _login(client, moderator)
    assert client.post(f"{LIST}{road_report.pk}/action/explode/").status_code == 404
    # an action not offered now (a private report cannot be made private again)
    road_report.is_public = False
    road_report.save()
    response = _action(client, road_report, "private", {})
    road_report.refresh_from_db()
    assert response.status_code == 200 and "not available" in response.content.decode()


def test_read_only_coordinator_cannot_act(client, make_user, road_report):
    from django.contrib.auth.models import Permission

    reader = make_user("reader", is_staff=True)
    reader.user_permissions.add(Permission.objects.get(codename="access_admin"),
                                Permission.objects.get(codename="view_report"))
    _login(client, reader)
    page = client.get(f"{LIST}{road_report.pk}/")
    assert page.status_code == 200 and page.context["actions"] == []
    response = _action(client, road_report, "private", {})
    assert response.status_code == 200 and "not available" in response.content.decode()
    road_report.refresh_from_db()
    assert road_report.is_public


def test_detail_lists_the_timeline(client, moderator, road_report):
    from addons.reports import services

    services.change_status(road_report, "in_progress", moderator, public_note="Crew sent",
                           internal_note="Team B")
    body = _login(client, moderator).get(f"{LIST}{road_report.pk}/").content.decode()
    assert "Crew sent" in body and "Team B" in body
    assert road_report.reporter_email() in body


def test_api_keys_in_settings_for_superusers(client, superuser, moderator, reports_site):
    from addons.reports.models import Open311ApiKey

    _login(client, superuser)
    response = client.post("/admin/open311_keys/new/", {"name": "Mobile app",
                                                         "contact": "dev@example.org",
                                                         "is_active": "on",
                                                         "site": reports_site.pk})
    assert response.status_code == 302
    key = Open311ApiKey.objects.get(name="Mobile app")
    assert len(key.key) >= 40
    assert key.key in client.get("/admin/open311_keys/").content.decode()
    client.logout()
    _login(client, moderator)
    assert client.get("/admin/open311_keys/").status_code in (302, 403)


def test_list_query_count_does_not_grow(client, superuser, make_report,
                                        django_assert_max_num_queries):
    make_report()
    client.force_login(superuser)
    with django_assert_max_num_queries(60) as few:
        client.get(LIST)
    for _ in range(8):
        make_report()
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(LIST)
    assert len(response.context["object_list"]) == 9


def test_actions_show_in_the_site_history(client, superuser, road_report):
    from django.utils import translation
    from wagtail.log_actions import registry

    with translation.override("en"):
        assert registry.get_action_label("reports.moderate") == "Moderate problem report"
    with translation.override("ro"):
        assert registry.get_action_label("reports.moderate") == "Moderarea sesizării"
    _login(client, superuser)
    _action(client, road_report, "private", {"internal_note": ""})
    _action(client, road_report, "reply", {"public_note": "Thanks"})
    body = client.get("/admin/reports/site-history/").content.decode()
    assert "Make problem report private" in body
    assert "Answer a problem report" in body
