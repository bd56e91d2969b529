"""Appeals on the casework desk: the declaration, its scope with two towns, the standard work
filters, the actions as service functions fed by their forms, and the desk's indexes."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone, translation
from django.utils.module_loading import import_string

from addons.addressees.models import AddresseeCatalogPage, AddresseePage
from addons.appeals import casework, services
from addons.appeals.models import Appeal, AppealForm, AppealFormPlacement, AppealReminder, Status
from addons.core import registry
from addons.core.casework import queries
from tests.conftest import add_town

from .conftest import DATA

pytestmark = pytest.mark.django_db


def declaration():
    _addon, item = registry.casework_for("appeals")
    return item


@pytest.fixture
def town2(site, make_user):
    """A second town with its own appeals department and a moderator of it."""
    site2 = add_town("town2.example", jurisdiction="ua")
    catalog = site2.root_page.add_child(
        instance=AddresseeCatalogPage(title="Addressees", slug="a2"))
    hall = catalog.add_child(instance=AddresseePage(title="Town 2 hall", slug="t2-hall"))
    office = catalog.add_child(instance=AddresseePage(title="Town 2 appeals", slug="t2-dep"))
    from addons.appeals.models import AppealsSettings

    options = AppealsSettings.for_site(site2)
    options.department = office
    options.save()
    form = AppealForm.objects.create(site=site2, title="Appeal to town 2")
    AppealFormPlacement.objects.create(page=hall, form=form)
    return {"site": site2, "hall": hall, "office": office, "form": form,
            "department_moderator": make_user("t2dept", moderates=[office], is_staff=True)}


def file_in(town, subject="Town 2 appeal"):
    appeal, _created = services.file_appeal(
        site=town["site"], form=town["form"], addressee=town["hall"],
        data={**DATA, "subject": subject},
    )
    return appeal


# --- the declaration ----------------------------------------------------------------------


def test_the_declaration_is_registered_and_every_path_imports():
    item = declaration()
    assert item.model == "appeals.Appeal" and item.due_field == "due_date"
    for action in item.actions:
        assert callable(import_string(action.service))
        assert callable(import_string(action.available))
        if action.form:
            import_string(action.form)
    for section in item.detail_sections:
        if section.get_context:
            assert callable(import_string(section.get_context))
    model = Appeal
    for name in (*item.list_filter, *item.search_fields, item.due_field,
                 item.reference_field, item.created_field):
        model._meta.get_field(name)
    assert [action.key for action in item.actions if action.bulk] == ["forward"]


def test_open_and_escalated_follow_the_status_and_the_leadership_alert(file_one):
    appeal = file_one()
    done = file_one(subject="Answered")
    done.status = Status.ANSWERED
    done.save()
    opened = Appeal.objects.filter(casework.open_q())
    assert appeal in opened and done not in opened
    assert not Appeal.objects.filter(casework.escalated_q()).exists()
    AppealReminder.objects.create(appeal=appeal, point="overdue-head", due_date=appeal.due_date)
    assert not Appeal.objects.filter(casework.escalated_q()).exists()
    AppealReminder.objects.create(appeal=appeal, point=casework.LEADERSHIP_POINT,
                                  due_date=appeal.due_date)
    assert list(Appeal.objects.filter(casework.escalated_q())) == [appeal]
    # an extension is a new term: the alert of the old one no longer counts
    Appeal.objects.filter(pk=appeal.pk).update(due_date=appeal.due_date + timedelta(days=10))
    assert not Appeal.objects.filter(casework.escalated_q()).exists()


# --- the scope, with two towns ------------------------------------------------------------


def test_scope_keeps_each_town_to_its_own_staff(file_one, site, moderator, other_moderator,
                                                department_moderator, superuser, town2):
    here = file_one()
    there = file_in(town2)
    item = declaration()
    assert list(queries.scope(item, moderator, site)) == [here]
    assert not queries.scope(item, moderator, town2["site"]).exists()
    assert not queries.scope(item, other_moderator, site).exists()
    # the appeals department of a town sees every appeal of its town, none of the other
    assert list(queries.scope(item, department_moderator, site)) == [here]
    assert not queries.scope(item, department_moderator, town2["site"]).exists()
    assert list(queries.scope(item, town2["department_moderator"], town2["site"])) == [there]
    assert not queries.scope(item, town2["department_moderator"], site).exists()
    assert list(queries.scope(item, superuser, town2["site"])) == [there]


def test_a_model_wide_permission_opens_no_appeal(file_one, site, make_user):
    from django.contrib.auth.models import Permission

    file_one()
    clerk = make_user("clerk", is_staff=True)
    clerk.user_permissions.add(*Permission.objects.filter(
        content_type__app_label="appeals", codename__in=["view_appeal", "change_appeal"]))
    clerk = type(clerk).objects.get(pk=clerk.pk)
    assert not queries.scope(declaration(), clerk, site).exists()


def test_work_filters(file_one, site, moderator, department_moderator):
    item = declaration()
    mine = file_one(subject="Mine")
    file_one(subject="Nobody's")
    late = file_one(subject="Late")
    Appeal.objects.filter(pk=mine.pk).update(assignee=moderator)
    Appeal.objects.filter(pk=late.pk).update(
        due_date=timezone.localdate() - timedelta(days=4))
    AppealReminder.objects.create(appeal=late, point=casework.LEADERSHIP_POINT,
                                  due_date=timezone.localdate() - timedelta(days=4))

    def keys(user, key):
        return {appeal.subject for appeal in queries.work_queryset(item, user, site, key)}

    assert keys(moderator, "mine") == {"Mine"}
    assert keys(department_moderator, "mine") == set()
    assert keys(department_moderator, "unassigned") == {"Nobody's", "Late"}
    assert keys(moderator, "overdue") == {"Late"}
    assert keys(moderator, "escalated") == {"Late"}
    Appeal.objects.filter(pk=late.pk).update(status=Status.ANSWERED)
    assert keys(moderator, "overdue") == set() and keys(moderator, "escalated") == set()


# --- actions: the form's cleaned data are the service's arguments ---------------------------


def _run(action_key, appeal, user, data=None, files=None):
    action = next(item for item in declaration().actions if item.key == action_key)
    cleaned = {}
    if action.form:
        form = import_string(action.form)(data or {}, files, record=appeal, user=user)
        assert form.is_valid(), form.errors
        cleaned = form.cleaned_data
    return import_string(action.service)(appeal, user, **cleaned)


def test_every_action_runs_through_its_form_and_service(file_one, moderator, other_addressee):
    appeal = file_one()
    _run("start", appeal, moderator)
    assert appeal.status == Status.IN_PROGRESS
    _run("note", appeal, moderator, {"text": "call them"})
    until = appeal.due_date + timedelta(days=3)
    _run("extend", appeal, moderator, {"until": until.isoformat(), "reason": "Survey"})
    assert Appeal.objects.get(pk=appeal.pk).due_date == until
    _run("reply", appeal, moderator, {"text": "Repaired."})
    assert Appeal.objects.get(pk=appeal.pk).status == Status.ANSWERED
    _run("close", appeal, moderator)
    assert Appeal.objects.get(pk=appeal.pk).status == Status.CLOSED
    other = file_one(subject="Bench")
    _run("forward", other, moderator, {"to_addressee": other_addressee.pk, "reason": "Parks"})
    assert Appeal.objects.get(pk=other.pk).addressee_id == other_addressee.pk
    third = file_one(subject="Incomplete")
    _run("return", third, moderator, {"reason": "No address"})
    assert Appeal.objects.get(pk=third.pk).status == Status.RETURNED


def test_a_refusal_is_a_translated_validation_error(file_one, moderator):
    appeal = file_one()
    services.close(appeal, moderator)
    with translation.override("en"):
        with pytest.raises(ValidationError) as caught:
            _run("reply", appeal, moderator, {"text": "Too late"})
        assert "This appeal is closed" in str(caught.value.message)
    assert not appeal.messages.filter(text="Too late").exists()


def test_forward_form_offers_only_the_appeals_own_town(file_one, moderator, town2,
                                                       other_addressee):
    from addons.appeals.staff_forms import ForwardForm

    appeal = file_one()
    form = ForwardForm({"to_addressee": town2["hall"].pk}, record=appeal, user=moderator)
    with translation.override("en"):
        assert not form.is_valid()
        assert "never forwarded to another municipality" in str(form.errors["to_addressee"])
    choices = {pk for pk, _label in form.fields["to_addressee"].choices if pk}
    assert other_addressee.pk in {int(str(pk)) for pk in choices}
    assert town2["hall"].pk not in {int(str(pk)) for pk in choices}


def test_availability(file_one, moderator):
    appeal = file_one()
    assert casework.can_start(appeal, moderator) and not casework.can_register(appeal)
    assert casework.can_return(appeal) and not casework.can_refuse(appeal)
    services.close(appeal, moderator)
    appeal.refresh_from_db()
    assert not casework.can_forward(appeal) and casework.can_note(appeal)


# --- the desk's counts are cheap at a million appeals ---------------------------------------


@pytest.fixture
def many_appeals(file_one, site, moderator, addressee):
    """20,000 appeals of one town, most of them answered long ago, as a town has after
    some years; a few open ones are the moderator's."""
    model = file_one()
    fields = {field.attname: getattr(model, field.attname)
              for field in Appeal._meta.concrete_fields if field.attname != "id"}
    today = timezone.localdate()
    rows = []
    for number in range(20000):
        row = Appeal(**{**fields, "reference": f"AP-BULK-{number}", "submission_token": None})
        row.status = Status.REGISTERED if number % 20 == 0 else Status.ANSWERED
        row.due_date = today + timedelta(days=number % 60 - 30)
        row.assignee_id = moderator.pk if number % 200 == 0 else None
        rows.append(row)
    Appeal.objects.bulk_create(rows, batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE appeals_appeal")


DUE_INDEXES = ("appeal_open_due", "appeal_open_assignee", "appeal_open_unassigned",
               "appeal_inbox")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plans of PostgreSQL")
@pytest.mark.parametrize("who, key, indexes", [
    ("moderator", "mine", ("appeal_open_assignee",)),
    ("moderator", "unassigned", ("appeal_open_unassigned", "appeal_open_assignee")),
    # the appeals department works on the whole town
    ("department_moderator", "unassigned", ("appeal_open_unassigned", "appeal_open_assignee")),
    # any index of the appeals by due date serves
    ("moderator", "overdue", DUE_INDEXES),
    ("moderator", "due_soon", DUE_INDEXES),
    ("department_moderator", "overdue", DUE_INDEXES),
])
def test_work_counts_use_the_indexes(request, many_appeals, site, who, key, indexes):
    """The staff home's figures and the desk's counts read an index of the open appeals,
    never the whole table."""
    user = request.getfixturevalue(who)
    queryset = queries.work_queryset(declaration(), user, site, key).order_by()
    plan = queryset.values("pk").explain()
    assert any(index in plan for index in indexes), plan
    assert "Seq Scan" not in plan, plan
