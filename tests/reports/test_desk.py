"""Problem reports on the casework desk: the declaration, the staff actions as services,
the filter choices of one town, routing to the team's desk."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from addons.addressees.models import AddresseePage
from addons.core.casework import queries
from addons.core.models import Notification
from addons.core.registry import casework_for
from addons.reports import casework, services
from addons.reports.models import (
    District,
    Report,
    ReportCategory,
    ReportReplyTemplate,
    ReportsSettings,
    ReportStatus,
)
from tests.conftest import add_town

from .conftest import CENTRE, photo_upload

pytestmark = pytest.mark.django_db

LIST = "/admin/casework/reports/"
DASHBOARD = "/admin/problem-reports/dashboard/"
MAP_PAGE = "/admin/problem-reports/map/"
MAP_JSON = "/admin/problem-reports/map.json"
TOWN2 = "town2.example"


@pytest.fixture
def town2(reports_site):
    """A second town with the default categories, its own addressee, district and report."""
    site2 = add_town(TOWN2)
    roads2 = site2.root_page.add_child(
        instance=AddresseePage(title="Town 2 roads", slug="t2-roads"))
    options = ReportsSettings.for_site(site2)
    options.min_lat, options.max_lat = CENTRE.lat - 0.1, CENTRE.lat + 0.1
    options.min_lng, options.max_lng = CENTRE.lng - 0.15, CENTRE.lng + 0.15
    options.default_addressee = roads2
    options.save()
    services.create_defaults(site2)
    District.objects.create(site=site2, name="Town 2 riverside")
    District.objects.create(site=reports_site, name="Old town")
    category2 = ReportCategory.objects.get(site=site2, code="roads.pothole")
    report2 = services.submit_report(site=site2, category=category2, point=CENTRE,
                                     description="Town 2 pothole", contact_email="t2@x.org")
    return {"site": site2, "addressee": roads2, "category": category2, "report": report2}


def _declaration():
    return casework_for("reports")[1]


def _choices(field):
    return [str(label) for _value, label in field.choices if _value != ""]


# --- the declaration ----------------------------------------------------------------------


def test_the_declaration_names_real_fields_services_and_forms(reports_site):
    from django.utils.module_loading import import_string

    declaration = _declaration()
    assert declaration.model == "reports.Report"
    fields = {field.name for field in Report._meta.get_fields()}
    for name in (*declaration.list_display, *declaration.list_filter,
                 *declaration.search_fields, *declaration.list_export,
                 declaration.due_field, declaration.category_field,
                 declaration.district_field, declaration.reference_field):
        assert name in fields, name
    assert {"assignee", "watchers", "lock_version", "waiting_since"} <= fields
    keys = [action.key for action in declaration.actions]
    assert keys == ["status", "reply", "forward", "category", "merge", "photos", "moderate",
                    "private"]
    assert {a.key for a in declaration.actions if a.bulk} == {"status", "forward"}
    for action in declaration.actions:
        assert callable(import_string(action.service))
        assert import_string(action.form)
    for section in declaration.detail_sections:
        assert callable(import_string(section.get_context))


def test_open_and_escalated_through_the_core_work_filters(make_report, moderator, superuser,
                                                          reports_site, town2):
    declaration = _declaration()
    fresh, late, done = make_report(), make_report(), make_report()
    Report.objects.filter(pk=late.pk).update(due_at=timezone.now() - timezone.timedelta(hours=1),
                                             next_escalation_at=timezone.now())
    services.change_status(done, "resolved", moderator)
    assert services.escalate_overdue() == 1
    overdue = queries.work_queryset(declaration, moderator, reports_site, "overdue")
    assert list(overdue) == [late]
    escalated = queries.work_queryset(declaration, moderator, reports_site, "escalated")
    assert list(escalated) == [late]
    unassigned = set(queries.work_queryset(declaration, moderator, reports_site,
                                           "unassigned"))
    assert unassigned == {fresh, late}
    # the other town's report is never in this town's lists, even for a superuser
    everything = set(queries.scope(declaration, superuser, reports_site))
    assert town2["report"] not in everything and fresh in everything
    # a duplicate is not open, whatever its status says
    services.merge(fresh, late, moderator)
    assert not Report.objects.filter(casework.open_q(), pk=fresh.pk).exists()


# --- filter choices of one town -----------------------------------------------------------


def _labels(form, name):
    return [str(label) for value, label in form.fields[name].choices if value != ""]


def test_desk_filters_offer_only_the_towns_own_choices(client, superuser, reports_site, town2,
                                                       make_report):
    mine = make_report()
    district = District.objects.get(site=reports_site)
    Report.objects.filter(pk=mine.pk).update(district=district)
    Report.objects.filter(pk=town2["report"].pk).update(
        district=District.objects.get(site=town2["site"]))
    client.force_login(superuser)
    for host, own, other, addressee, foreign in (
            ("localhost", "Old town", "Town 2 riverside", "Roads department", "Town 2 roads"),
            (TOWN2, "Town 2 riverside", "Old town", "Town 2 roads", "Roads department")):
        response = client.get(LIST, HTTP_HOST=host)
        assert response.status_code == 200
        form = response.context["filters"].form
        site = reports_site if host == "localhost" else town2["site"]
        # the town's own category, once: no twin "Pothole" from the other town
        categories = _labels(form, "category")
        assert categories == ["Pothole"]
        assert {c.pk for c in form.fields["category"].queryset} == set(
            ReportCategory.objects.filter(site=site, reports__isnull=False)
            .values_list("pk", flat=True))
        assert _labels(form, "district") == [own] and other not in _labels(form, "district")
        assert _labels(form, "addressee") == [addressee]
        assert foreign not in _labels(form, "addressee")
        numbers = {r.pk for r in response.context["object_list"]}
        assert numbers == ({mine.pk} if host == "localhost" else {town2["report"].pk})
        # the staff map and the hot spots filter with the same form, the same choices
        for url in (MAP_PAGE, DASHBOARD):
            other_form = client.get(url, HTTP_HOST=host).context["filters"]
            for name in ("category", "district", "addressee", "status"):
                assert _labels(other_form, name) == _labels(form, name), (url, name)
        features = client.get(MAP_JSON, HTTP_HOST=host).json()["features"]
        assert [f["properties"]["number"] for f in features] == [
            (mine if host == "localhost" else town2["report"]).tracking_number]
        export = client.get(LIST, {"export": "csv"}, HTTP_HOST=host)
        body = b"".join(export.streaming_content) if export.streaming else export.content
        assert ("Town 2 pothole" in body.decode()) == (host == TOWN2)
    # the other town's category named in the address is not a choice here
    response = client.get(LIST, {"category": town2["category"].pk})
    assert "Select a valid choice" in response.content.decode()
    assert not response.context["object_list"] or all(
        r.site_id == reports_site.pk for r in response.context["object_list"])


def test_dashboard_figures_are_the_towns_own(client, superuser, moderator, reports_site,
                                             town2, make_report):
    make_report()
    client.force_login(superuser)
    rows = client.get(DASHBOARD).context["addressees"]
    assert "Town 2 roads" not in [row["addressee__title"] for row in rows]
    rows = client.get(DASHBOARD, HTTP_HOST=TOWN2).context["addressees"]
    assert [row["addressee__title"] for row in rows] == ["Town 2 roads"]
    client.force_login(moderator)
    form = client.get(DASHBOARD).context["filters"]
    assert _labels(form, "addressee") == ["Roads department"]


# --- actions through the desk -------------------------------------------------------------


def _post_action(client, report, key, data, lock=None):
    report.refresh_from_db()
    return client.post(f"{LIST}{report.pk}/action/{key}/", {
        "lock_version": report.lock_version if lock is None else lock, **data})


def test_status_change_through_the_desk(client, moderator, make_report, other_citizen):
    report = make_report()
    services.subscribe(report, user=other_citizen)
    client.force_login(moderator)
    page = client.get(f"{LIST}{report.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    for title in ("Description and photos", "Place", "Timeline",
                  "Co-signatures and followers", "Escalations"):
        assert title in html
    assert "Change the status" in html and "Forward to another addressee" in html
    # the reporter's link key and the Open311 token never show on the staff page
    assert str(report.access_key) not in html and str(report.token) not in html
    form = client.get(f"{LIST}{report.pk}/action/status/")
    assert 'name="lock_version"' in form.content.decode()
    planned = ReportStatus.objects.get(code="planned")
    response = _post_action(client, report, "status", {
        "status": planned.pk, "public_note": "Patching next week.", "internal_note": "Crew 3"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == planned and report.lock_version == 1
    update = report.updates.get(kind="status")
    assert update.public_note == "Patching next week." and update.author == moderator
    assert Notification.objects.filter(event="reports.status",
                                       recipient=other_citizen).exists()
    assert "is now: Planned" in client.get(response.url).content.decode()


def test_status_change_on_a_stale_form_is_refused_and_the_reply_kept(client, moderator,
                                                                    head, make_report,
                                                                    make_user, addressee):
    report = make_report()
    colleague = make_user("colleague", moderates=[addressee], is_staff=True, language="en")
    client.force_login(moderator)
    opened = client.get(f"{LIST}{report.pk}/action/status/")
    assert f'name="lock_version" value="{report.lock_version}"' in opened.content.decode()
    stale = report.lock_version
    # meanwhile a colleague answers
    from django.test import Client

    other = Client()
    other.cookies["civicdesk_language"] = "en"
    other.force_login(colleague)
    assert _post_action(other, report, "reply", {"public_note": "On it."}).status_code == 302
    planned = ReportStatus.objects.get(code="planned")
    response = _post_action(client, report, "status", {
        "status": planned.pk, "public_note": "My long reply typed while the form was open"},
        lock=stale)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Changed by Colleague Citizen" in html
    assert "My long reply typed while the form was open" in html
    report.refresh_from_db()
    assert report.status.code == "new"
    assert not report.updates.filter(kind="status").exists()


def test_bulk_status_change_with_a_selection_partly_out_of_scope(client, moderator,
                                                                 make_report, leak, town2):
    mine = [make_report(), make_report()]
    already = make_report()
    planned = ReportStatus.objects.get(code="planned")
    services.change_status(already, planned)
    theirs = make_report(category=leak)  # the water company's
    ids = [r.pk for r in (*mine, already, theirs, town2["report"])]
    url = reverse("wagtail_bulk_action", args=["reports", "report", "casework-status"])
    query = "&".join(f"id={pk}" for pk in ids) + "&next=" + LIST
    client.force_login(moderator)
    confirm = client.get(f"{url}?{query}")
    assert confirm.status_code == 200
    html = confirm.content.decode()
    assert theirs.tracking_number not in html
    response = client.post(f"{url}?{query}", {"status": planned.pk,
                                              "public_note": "Planned for spring"})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "2 done" in page and "2 skipped: not yours" in page
    assert "already has this status" in page
    assert set(Report.objects.filter(status=planned).values_list("pk", flat=True)) == {
        *(r.pk for r in mine), already.pk}
    theirs.refresh_from_db()
    town2["report"].refresh_from_db()
    assert theirs.status.code == "new" and town2["report"].status.code == "new"


# --- the services of the staff actions ----------------------------------------------------


def test_status_change_refusals(make_report, moderator, town2):
    report = make_report()
    with pytest.raises(ValidationError) as error:
        services.staff_change_status(report, moderator, report.status, public_note="x")
    assert "already has this status" in str(error.value)
    foreign = ReportReplyTemplate.objects.create(title="T2", text="Town 2 text",
                                                 site=town2["site"])
    planned = ReportStatus.objects.get(code="planned")
    with pytest.raises(ValidationError):
        services.staff_change_status(report, moderator, planned, template=foreign)
    with pytest.raises(PermissionDenied):
        services.staff_change_status(town2["report"], moderator, planned)
    report.refresh_from_db()
    assert report.status.code == "new"


def test_reply_tells_the_followers_and_refuses_an_empty_answer(client, moderator, make_report,
                                                              other_citizen):
    report = make_report()
    services.subscribe(report, user=other_citizen)
    client.force_login(moderator)
    response = _post_action(client, report, "reply", {"public_note": "   ",
                                                      "internal_note": "Kept note"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Write the answer." in body and "Kept note" in body
    response = _post_action(client, report, "reply",
                            {"public_note": "The crew comes on Monday."})
    assert response.status_code == 302
    update = report.updates.get(kind="note")
    assert update.public_note == "The crew comes on Monday." and update.is_public
    told = Notification.objects.filter(event="reports.reply")
    assert {n.recipient_id for n in told} == {report.reporter_id, other_citizen.pk}
    assert moderator.pk not in {n.recipient_id for n in told}
    report.refresh_from_db()
    assert report.status.code == "new"
    # the answer is on the public page
    client.logout()
    assert "The crew comes on Monday." in client.get(report.get_absolute_url()).content.decode()


def test_photos_action_refuses_nothing_to_change_and_foreign_photos(make_report, moderator):
    from addons.reports.photos import process_photo

    report = make_report()
    other = make_report()
    photo = services.add_photo(report, process_photo(photo_upload(), max_bytes=10**7), 0)
    foreign = services.add_photo(other, process_photo(photo_upload(), max_bytes=10**7), 0)
    with pytest.raises(ValidationError) as error:
        services.staff_photos(report, moderator, hidden_photos=[])
    assert "Nothing changes" in str(error.value)
    with pytest.raises(ValidationError):
        services.staff_photos(report, moderator, hidden_photos=[foreign])
    services.staff_photos(report, moderator, hidden_photos=[photo])
    photo.refresh_from_db()
    assert photo.is_hidden
    services.staff_photos(report, moderator, hidden_photos=[])
    photo.refresh_from_db()
    assert not photo.is_hidden


def test_forward_refuses_the_same_and_another_towns_addressee(make_report, moderator, town2,
                                                              water):
    report = make_report()
    with pytest.raises(ValidationError):
        services.staff_forward(report, moderator, report.addressee)
    with pytest.raises(ValidationError):
        services.staff_forward(report, moderator, town2["addressee"])
    services.staff_forward(report, moderator, water)
    report.refresh_from_db()
    assert report.addressee_id == water.pk


def test_a_selection_partly_out_of_scope_changes_only_what_the_user_handles(
        make_report, moderator, leak, town2):
    """What a bulk action does per report: the reports the user handles change, the others
    are refused one by one and stay as they were."""
    mine = [make_report(), make_report()]
    theirs = make_report(category=leak)
    planned = ReportStatus.objects.get(code="planned")
    refused = []
    for report in (*mine, theirs, town2["report"]):
        try:
            services.staff_change_status(report, moderator, planned, public_note="Planned")
        except (PermissionDenied, ValidationError):
            refused.append(report.pk)
    assert refused == [theirs.pk, town2["report"].pk]
    assert set(Report.objects.filter(status=planned).values_list("pk", flat=True)) == {
        r.pk for r in mine}


def test_forms_offer_only_the_reports_own_town(make_report, moderator, town2):
    from addons.reports import forms

    report = make_report()
    form = forms.ForwardForm(record=report, user=moderator)
    titles = {page.title for page in form.fields["addressee"].queryset}
    assert "Town 2 roads" not in titles and "Water company" in titles
    assert "Roads department" not in titles  # where it is already
    form = forms.StaffCategoryForm(record=report, user=moderator)
    assert {c.site_id for c in form.fields["category"].queryset} == {report.site_id}
    form = forms.StaffCategoryForm({"category": town2["category"].pk}, record=report,
                                   user=moderator)
    assert not form.is_valid() and "category" in form.errors
    # a number only town 2 has (each town counts from 000001)
    second = services.submit_report(site=town2["site"], category=town2["category"],
                                    point=CENTRE, description="Again", contact_email="a@x.org")
    assert not Report.objects.filter(site=report.site,
                                     tracking_number=second.tracking_number).exists()
    form = forms.MergeForm({"original": second.tracking_number}, record=report, user=moderator)
    assert not form.is_valid() and "original" in form.errors


# --- routing to the team's desk -----------------------------------------------------------


class FakeAssignment:
    def __init__(self):
        self.calls = []

    def auto_assign(self, record):
        self.calls.append(("auto_assign", record.pk, record.addressee_id))

    def record_closed(self, record):
        self.calls.append(("record_closed", record.pk, record.status.code))


def test_routing_and_closing_reach_the_desks_assignment(monkeypatch, make_report, moderator,
                                                        water):
    fake = FakeAssignment()
    monkeypatch.setattr(services, "_assignment", lambda: fake)
    report = make_report()
    assert fake.calls == [("auto_assign", report.pk, report.addressee_id)]
    report.assignee = moderator
    report.save()
    services.staff_forward(report, moderator, water)
    report.refresh_from_db()
    assert fake.calls[-1] == ("auto_assign", report.pk, water.pk)
    assert report.assignee is None  # the other team's member no longer has it
    services.change_status(report, "in_progress")
    assert fake.calls[-1][0] == "auto_assign"  # moving between open statuses: nothing
    services.change_status(report, "resolved")
    assert fake.calls[-1] == ("record_closed", report.pk, "resolved")
    services.change_status(report, "closed")  # closed to closed: counted once
    assert [c[0] for c in fake.calls].count("record_closed") == 1


def test_cosigns_section_keeps_email_addresses_private(make_report, other_citizen):
    from django.template.loader import render_to_string

    report = make_report()
    services.cosign(report, user=other_citizen)
    services.cosign(report, email="secret-neighbour@example.org", confirmed=True)
    report.refresh_from_db()
    html = render_to_string("reports/desk/cosigns.html",
                            {"record": report, **casework.cosigns_context(report, None)})
    assert "secret-neighbour" not in html
    assert other_citizen.full_name in html and "2 co-signatures" in html
