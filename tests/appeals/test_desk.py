"""Appeals through the casework desk's screens: filters scoped to the town, an action with
its lock, bulk forwarding over a selection partly out of scope, the applicant's data only
for those who may see it, and routing that assigns and frees the teams' work."""

import pytest
from django.urls import reverse

from addons.addressees.models import AddresseeCatalogPage, AddresseePage
from addons.appeals import services
from addons.appeals.models import AppealForm, AppealFormPlacement, AppealMessage, Status
from addons.core.casework.models import AssignmentPolicy
from tests.conftest import add_town

from .conftest import DATA
from .desk import LIST, action, bulk_forward, detail, export, export_bytes, locked, post

pytestmark = pytest.mark.django_db


@pytest.fixture
def town2(site, make_user):
    """A second town with an addressee titled like one of the first town's."""
    site2 = add_town("town2.example", jurisdiction="ua")
    catalog = site2.root_page.add_child(
        instance=AddresseeCatalogPage(title="Addressees", slug="a2"))
    roads2 = catalog.add_child(instance=AddresseePage(title="Roads department", slug="r2"))
    form = AppealForm.objects.create(site=site2, title="Appeal to town 2")
    AppealFormPlacement.objects.create(page=roads2, form=form)
    moderator2 = make_user("roads2mod", moderates=[roads2], is_staff=True)
    return {"site": site2, "roads": roads2, "form": form, "moderator": moderator2}


def file_in(town, subject="Town 2 pothole", **data):
    appeal, _created = services.file_appeal(
        site=town["site"], form=town["form"], addressee=town["roads"],
        data={**DATA, "subject": subject, **data},
    )
    return appeal


# --- the list's filters: this town's choices, each once -----------------------------------


def test_filters_offer_only_this_towns_addressees_once(client, file_one, superuser,
                                                       department_moderator, addressee,
                                                       other_addressee, appeal_form, town2):
    AppealFormPlacement.objects.create(page=other_addressee, form=appeal_form)
    for number in range(3):
        file_one(subject=f"Roads {number}")
    file_one(to=other_addressee, subject="Parks")
    there = file_in(town2)
    for user in (department_moderator, superuser):
        client.force_login(user)
        response = client.get(LIST)
        field = response.context["filters"].form.fields["addressee"]
        pages = [page.pk for page in field.queryset]
        assert sorted(pages) == sorted({addressee.pk, other_addressee.pk})
        assert town2["roads"].pk not in pages
        html = response.content.decode()
        assert there.subject not in html
        # the other town's addressee asked for by filter reveals nothing
        response = client.get(LIST, {"addressee": town2["roads"].pk})
        assert there.subject not in response.content.decode()
    # the other town's moderator, on the other town, sees its own addressee only
    client.force_login(town2["moderator"])
    response = client.get(LIST, HTTP_HOST="town2.example")
    pages = [page.pk for page in response.context["filters"].form.fields["addressee"].queryset]
    assert pages == [town2["roads"].pk]
    assert there.subject in response.content.decode()


# --- an action through the desk, and the lock ----------------------------------------------


def test_answer_through_the_desk(client, file_one, moderator, citizen):
    appeal = file_one()
    client.force_login(moderator)
    page = client.get(detail(appeal)).content.decode()
    assert action(appeal, "reply") in page
    form = client.get(action(appeal, "reply"))
    assert 'name="lock_version"' in form.content.decode()
    response = post(client, appeal, "reply", {"text": "The pothole is repaired."})
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == Status.ANSWERED and appeal.lock_version == 1
    shown = [str(message) for message in response.wsgi_request._messages]
    assert any(appeal.reference in text and "done" in text for text in shown)
    # the reply is the applicant's to read
    client.force_login(citizen)
    assert "The pothole is repaired." in client.get(
        reverse("appeals:detail", args=[appeal.pk])).content.decode()


def test_an_answer_typed_on_a_stale_copy_is_refused_and_kept(client, file_one, moderator,
                                                             department_moderator):
    appeal = file_one()
    typed_on = locked(appeal)["lock_version"]
    # meanwhile the appeals department extends the term on the desk
    client.force_login(department_moderator)
    until = services.extension_limit(appeal)
    assert post(client, appeal, "extend", {"until": until.isoformat(),
                                           "reason": "Expert opinion"}).status_code == 302
    client.force_login(moderator)
    response = client.post(action(appeal, "reply"), {
        "text": "My long answer, typed meanwhile", "lock_version": typed_on})
    assert response.status_code == 200
    html = response.content.decode()
    assert "reload to see the change" in html
    assert "Deptmod Citizen" in html  # who changed it
    assert "My long answer, typed meanwhile" in html
    assert not appeal.messages.filter(kind=AppealMessage.Kind.REPLY).exists()
    appeal.refresh_from_db()
    assert appeal.status == Status.EXTENDED
    # sent again on the fresh copy, it is done
    response = post(client, appeal, "reply", {"text": "My long answer, typed meanwhile"})
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == Status.ANSWERED


def test_an_answer_without_a_lock_version_is_refused(client, file_one, moderator):
    appeal = file_one()
    client.force_login(moderator)
    response = client.post(action(appeal, "reply"), {"text": "No lock sent"})
    assert response.status_code == 200
    assert "No lock sent" in response.content.decode()
    assert not appeal.messages.exists()


# --- bulk forwarding over a selection partly out of scope ----------------------------------


def test_bulk_forward_skips_what_is_not_yours(client, file_one, moderator, other_addressee,
                                              appeal_form, department, town2):
    AppealFormPlacement.objects.create(page=other_addressee, form=appeal_form)
    mine = file_one(subject="Mine")
    also_mine = file_one(subject="Also mine")
    parks = file_one(to=other_addressee, subject="Parks bench")
    theirs = file_in(town2)
    client.force_login(moderator)
    response = bulk_forward(client, [mine, parks, also_mine, theirs],
                            {"to_addressee": department.pk, "reason": "Department"},
                            follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert "2 done" in html and "2 skipped" in html
    # the appeals outside the scope are not named
    assert parks.subject not in html and theirs.subject not in html
    for item in (mine, also_mine):
        item.refresh_from_db()
        assert item.addressee_id == department.pk and item.status == Status.FORWARDED
    for item in (parks, theirs):
        before = item.addressee_id
        item.refresh_from_db()
        assert item.addressee_id == before and item.status == Status.REGISTERED


# --- the applicant's data ------------------------------------------------------------------


def test_applicant_data_only_for_those_who_may_see_it(client, file_one, moderator,
                                                      other_moderator, department_moderator,
                                                      town2):
    secret = file_one(subject="Confidential matter", do_not_disclose=True,
                      applicant_name="Hidden Person",
                      applicant_address="7 Quiet Lane", applicant_email="hidden@example.org")
    # the staff who handle it see the applicant, with the warning not to pass it on
    for user in (moderator, department_moderator):
        client.force_login(user)
        html = client.get(detail(secret)).content.decode()
        assert "Hidden Person" in html and "7 Quiet Lane" in html
        assert "asked not to disclose their personal data" in html
        # an export file travels beyond the system: the name stays out
        data = export_bytes(export(client, "csv")).decode("utf-8-sig")
        assert secret.reference in data and "Hidden Person" not in data
        assert "hidden@example.org" not in data and "7 Quiet Lane" not in data
    # nobody else: another addressee's moderator, the other town's staff
    for user in (other_moderator, town2["moderator"]):
        client.force_login(user)
        assert client.get(detail(secret)).status_code == 404
        assert client.get(action(secret, "reply")).status_code == 404
        listing = client.get(LIST, {"q": "Hidden"}).content.decode()
        assert secret.reference not in listing and "Hidden Person" not in listing
        data = export_bytes(export(client, "csv")).decode("utf-8-sig")
        assert secret.reference not in data
    # the list shows no applicant's data at all
    client.force_login(moderator)
    listing = client.get(LIST).content.decode()
    assert secret.reference in listing and "Hidden Person" not in listing
    # searching by the applicant's name finds the appeal for its staff
    assert secret.reference in client.get(LIST, {"q": "Hidden"}).content.decode()


def test_viewing_on_the_desk_is_audited_for_staff_only(client, file_one, moderator):
    from addons.appeals.models import AppealEvent

    appeal = file_one()
    client.force_login(moderator)
    client.get(detail(appeal))
    assert appeal.events.filter(action=AppealEvent.Action.VIEWED, actor=moderator).count() == 1
    # a refused action does not count as a view
    post(client, appeal, "return", {"reason": " "})
    assert appeal.events.filter(action=AppealEvent.Action.VIEWED).count() == 1


# --- routing: the team's policy gives it out, closing frees the place ----------------------


def test_filing_and_forwarding_assign_by_the_teams_policy(file_one, moderator, make_user,
                                                          other_addressee, other_moderator,
                                                          addressee, appeal_form):
    AssignmentPolicy.objects.create(addressee=addressee, mode="round_robin", capacity=1)
    AssignmentPolicy.objects.create(addressee=other_addressee, mode="round_robin")
    first = file_one(subject="First")
    assert first.assignee == moderator
    # the only person is full: the next one waits in the team's queue
    second = file_one(subject="Second")
    second.refresh_from_db()
    assert second.assignee is None and second.waiting_since is not None
    # answering the first frees the place: the waiting one is given out
    services.reply(first, moderator, "Done.")
    second.refresh_from_db()
    assert second.assignee == moderator and second.waiting_since is None
    # forwarding hands it to the new addressee's team
    services.forward(second, moderator, other_addressee, "Parks")
    second.refresh_from_db()
    assert second.assignee == other_moderator


def test_closing_leaves_the_queue(file_one, moderator, addressee):
    AssignmentPolicy.objects.create(addressee=addressee, mode="round_robin", capacity=1)
    file_one(subject="Holds the place")
    waiting = file_one(subject="Waits")
    waiting.refresh_from_db()
    assert waiting.waiting_since is not None
    services.close(waiting, moderator)
    waiting.refresh_from_db()
    assert waiting.waiting_since is None and waiting.status == Status.CLOSED


def test_closing_on_the_desk_asks_to_confirm(client, file_one, moderator):
    appeal = file_one()
    client.force_login(moderator)
    response = client.post(action(appeal, "close"), {"lock_version": appeal.lock_version})
    assert response.status_code == 200
    appeal.refresh_from_db()
    assert appeal.status == Status.REGISTERED
    assert post(client, appeal, "close").status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == Status.CLOSED
