"""Problem reports on the casework desk: the declaration, the staff actions as services,
the filter choices of one town, routing to the team's desk."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
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

LIST = "/admin/problem-reports/"
DASHBOARD = "/admin/problem-reports/dashboard/"
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


def test_list_filters_offer_only_the_towns_own_choices(client, superuser, reports_site, town2,
                                                       make_report):
    mine = make_report()
    client.force_login(superuser)
    for host, own, other, addressee, foreign in (
            ("localhost", "Old town", "Town 2 riverside", "Roads department", "Town 2 roads"),
            (TOWN2, "Town 2 riverside", "Old town", "Town 2 roads", "Roads department")):
        response = client.get(LIST, HTTP_HOST=host)
        assert response.status_code == 200
        form = response.context["filter_form"]
        categories = _choices(form.fields["category"])
        # one entry per category of this town: no twin from the other town
        assert len(categories) == len(set(categories))
        assert categories.count("Roads · Pothole") == 1
        site = reports_site if host == "localhost" else town2["site"]
        assert {value for value, _l in form.fields["category"].choices if value} == set(
            ReportCategory.objects.filter(site=site).values_list("pk", flat=True))
        assert own in _choices(form.fields["district"])
        assert other not in _choices(form.fields["district"])
        assert addressee in _choices(form.fields["addressee"])
        assert foreign not in _choices(form.fields["addressee"])
        numbers = {r.pk for r in response.context["reports"]}
        assert numbers == ({mine.pk} if host == "localhost" else {town2["report"].pk})
        # the staff map and the export show the same town's reports
        features = client.get(f"{LIST}map.json", HTTP_HOST=host).json()["features"]
        assert len(features) == 1
        export = b"".join(client.get(f"{LIST}export.csv", HTTP_HOST=host).streaming_content)
        assert ("Town 2 pothole" in export.decode()) == (host == TOWN2)
    # the other town's category named in the address gets the form's error, no reports
    response = client.get(LIST, {"category": town2["category"].pk})
    assert "Select a valid choice" in response.content.decode()


def test_dashboard_uses_the_same_scoped_choices(client, superuser, moderator, reports_site,
                                                town2, make_report):
    make_report()
    client.force_login(superuser)
    form = client.get(DASHBOARD).context["form"]
    list_form = client.get(LIST).context["filter_form"]
    for name in ("category", "district", "addressee"):
        assert form.fields[name].choices == list_form.fields[name].choices, name
    assert "Town 2 roads" not in _choices(form.fields["addressee"])
    on_town2 = client.get(DASHBOARD, HTTP_HOST=TOWN2).context["form"]
    assert _choices(on_town2.fields["district"]) == ["Town 2 riverside"]
    # the figures are the town's own: town 2's open report is not counted on town 1
    rows = client.get(DASHBOARD).context["addressees"]
    assert "Town 2 roads" not in [row["addressee__title"] for row in rows]
    rows = client.get(DASHBOARD, HTTP_HOST=TOWN2).context["addressees"]
    assert [row["addressee__title"] for row in rows] == ["Town 2 roads"]
    # a moderator is offered only the addressees they handle
    client.force_login(moderator)
    form = client.get(DASHBOARD).context["form"]
    assert _choices(form.fields["addressee"]) == ["Roads department"]


def test_dashboard_filters_narrow_the_figures(client, superuser, make_report, leak):
    for _ in range(2):
        make_report()
        make_report(category=leak)
    client.force_login(superuser)
    spots = client.get(DASHBOARD, {"category": leak.pk}).context["spots"]
    assert [spot["category"].code for spot in spots] == ["water.leak"]
    spots = client.get(DASHBOARD, {"category": leak.parent_id}).context["spots"]
    assert [spot["category"].code for spot in spots] == ["water.leak"]
    spots = client.get(DASHBOARD).context["spots"]
    assert {spot["category"].code for spot in spots} == {"water.leak", "roads.pothole"}


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
    response = client.post(f"{LIST}{report.pk}/reply/", {"reply-public_note": "   ",
                                                        "reply-internal_note": "Kept note"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Write the answer." in body and "Kept note" in body
    response = client.post(f"{LIST}{report.pk}/reply/",
                           {"reply-public_note": "The crew comes on Monday."})
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
