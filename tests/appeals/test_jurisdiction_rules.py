"""The law follows the site's country: privileged categories, anonymous appeals, what a
form requires, the kinds of appeals and the legal terms (UA 393/96, RO OG 27/2002,
BG APC chapter 8)."""

import uuid
from datetime import date

import pytest
from django.urls import reverse

from addons.appeals.models import Appeal, AppealsSettings

from .conftest import DATA
from .desk import export_bytes

pytestmark = pytest.mark.django_db


def new_url(form, addressee):
    return f"{reverse('appeals:new', args=[form.pk])}?addressee={addressee.pk}"


def post_data(**extra):
    return {**DATA, "submission_token": str(uuid.uuid4()), **extra}


# --- 1. privileged categories are Ukrainian law ------------------------------------------


def test_ukrainian_form_offers_the_privileged_categories(client, citizen, appeal_form,
                                                          addressee):
    client.force_login(citizen)
    form = client.get(new_url(appeal_form, addressee)).context["form"]
    keys = {key for key, _label in form.fields["priority"].choices}
    assert {"chernobyl", "displaced", "veteran"} <= keys


@pytest.mark.parametrize("code", ["ro", "bg"])
def test_romanian_and_bulgarian_forms_offer_no_privileged_category(client, citizen,
                                                                    make_town, code):
    town = make_town(code)
    client.force_login(citizen)
    response = client.get(new_url(town["form"], town["addressee"]), HTTP_HOST=town["host"])
    assert response.status_code == 200
    assert "priority" not in response.context["form"].fields
    assert "Chernobyl" not in response.content.decode()
    # a category posted anyway is not recorded
    response = client.post(new_url(town["form"], town["addressee"]),
                           post_data(priority="chernobyl", appeal_type="proposal"),
                           HTTP_HOST=town["host"])
    assert response.status_code == 302
    assert Appeal.objects.get().priority == ""


def test_a_romanian_site_may_define_its_own_categories(client, citizen, make_town):
    town = make_town("ro")
    options = AppealsSettings.for_site(town["site"])
    options.priority_categories = ["disability"]
    options.save()
    client.force_login(citizen)
    response = client.get(new_url(town["form"], town["addressee"]), HTTP_HOST=town["host"])
    keys = [key for key, _label in response.context["form"].fields["priority"].choices]
    assert keys == ["", "disability"]


def test_inbox_puts_privileged_appeals_first_among_the_same_due_date(client, file_one,
                                                                       moderator):
    plain = file_one(subject="plain")
    privileged = file_one(subject="privileged", priority="chernobyl")
    later = file_one(subject="later")
    Appeal.objects.filter(pk=later.pk).update(due_date=date(2099, 1, 1))
    Appeal.objects.update(assignee=moderator)
    client.force_login(moderator)
    # the former inbox: the user's open appeals on the desk, due soonest first, the
    # privileged ones marked
    response = client.get(reverse("appeals_admin:inbox"), follow=True)
    rows = list(response.context["object_list"])
    assert [appeal.pk for appeal in rows][-1] == later.pk
    assert {appeal.pk for appeal in rows[:2]} == {plain.pk, privileged.pk}
    html = response.content.decode()
    assert html.count("appeal-priority") == 1


# --- 2. anonymous appeals; each site cites its own law -----------------------------------


def _anonymous_form(form):
    form.allow_anonymous = True
    form.requires_login = False
    form.save()
    return form


@pytest.mark.parametrize("code", ["ua", "ro", "bg"])
def test_an_accepted_anonymous_appeal_gets_no_term_and_no_reminders(client, make_town, code):
    from addons.appeals.jobs import send_reminders
    from addons.appeals.models import AppealReminder

    town = make_town(code)
    _anonymous_form(town["form"])
    response = client.post(new_url(town["form"], town["addressee"]), post_data(
        applicant_name="", applicant_address="", applicant_email="", appeal_type="proposal"),
        HTTP_HOST=town["host"])
    assert response.status_code == 200  # the receipt page
    appeal = Appeal.objects.get()
    assert appeal.anonymous and appeal.due_date is None
    assert "not considered" in response.content.decode()
    for offset in range(0, 100, 7):
        send_reminders(today=date.today() + __import__("datetime").timedelta(days=offset))
    assert not AppealReminder.objects.exists()


def test_an_identified_appeal_on_an_anonymous_form_keeps_its_term(client, appeal_form,
                                                                    addressee):
    _anonymous_form(appeal_form)
    client.post(new_url(appeal_form, addressee), post_data(appeal_type="proposal"))
    appeal = Appeal.objects.get()
    assert not appeal.anonymous and appeal.due_date is not None


@pytest.mark.parametrize("code,cites,not_cited", [
    ("ua", "article 8 of the Law of Ukraine", "Ordinance"),
    ("ro", "article 7 of Government Ordinance no. 27/2002", "Ukraine"),
    ("bg", "article 111(4) of the Administrative Procedure Code", "Ukraine"),
])
def test_the_anonymous_option_cites_the_sites_own_law(make_town, code, cites, not_cited):
    from addons.appeals.forms_admin import AppealFormAdminForm
    from addons.appeals.models import AppealForm

    town = make_town(code)
    form_class = AppealForm.get_edit_handler().get_form_class()
    assert issubclass(form_class, AppealFormAdminForm)
    form = form_class(instance=town["form"], for_user=None)
    text = str(form.fields["allow_anonymous"].help_text)
    assert cites in text and "not considered" in text.replace("filed away without being "
                                                               "considered", "not considered")
    assert not_cited not in text


@pytest.mark.parametrize("code", ["ro", "bg"])
def test_no_foreign_law_on_the_filing_page(client, citizen, make_town, code):
    town = make_town(code)
    client.force_login(citizen)
    page = client.get(new_url(town["form"], town["addressee"]),
                      HTTP_HOST=town["host"]).content.decode()
    assert "Ukraine" not in page
    assert "art. 10" not in page


def test_romanian_texts_cite_only_article_7():
    from django.utils import translation

    from addons.appeals import jurisdictions

    with translation.override("en"):
        text = str(jurisdictions.identification_reason("ro"))
    assert "article 7 of Government Ordinance no. 27/2002" in text
    assert "8" not in text
    assert "or other means of contact" in str(jurisdictions.identification_reason("ua"))
    assert "not for an account" in str(jurisdictions.LOGIN_REASON)


# --- 3. what the form requires follows the law, not the profile --------------------------


def test_empty_profile_citizen_files_with_a_typed_address_and_saves_it(client, make_user,
                                                                        appeal_form, addressee):
    user = make_user("vasyl", complete=False, full_name="")
    client.force_login(user)
    url = new_url(appeal_form, addressee)
    page = client.get(url)
    assert page.status_code == 200 and page.context["barrier"] is None
    assert "save_address" in page.context["form"].fields
    # an error keeps everything typed
    response = client.post(url, post_data(applicant_name="", applicant_address="5 Oak Lane",
                                          save_address="on", appeal_type="complaint"))
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) == {"applicant_name"}
    assert form["applicant_address"].value() == "5 Oak Lane"
    assert form["save_address"].value() is True
    response = client.post(url, post_data(applicant_name="Vasyl Petrenko",
                                          applicant_address="5 Oak Lane", save_address="on",
                                          appeal_type="complaint"))
    assert response.status_code == 302
    assert Appeal.objects.get().applicant_address == "5 Oak Lane"
    user.refresh_from_db()
    assert user.postal_address == "5 Oak Lane"


def test_the_address_is_saved_only_when_asked(client, make_user, appeal_form, addressee):
    user = make_user("ivan", complete=False, full_name="Ivan")
    client.force_login(user)
    client.post(new_url(appeal_form, addressee), post_data(applicant_address="7 Elm Road",
                                                           appeal_type="complaint"))
    assert Appeal.objects.count() == 1
    user.refresh_from_db()
    assert user.postal_address == ""


def test_romanian_citizen_files_with_only_an_email(client, make_user, make_town):
    town = make_town("ro")
    user = make_user("ioana", complete=False, full_name="Ioana Popescu")
    client.force_login(user)
    url = new_url(town["form"], town["addressee"])
    response = client.post(url, post_data(applicant_name="Ioana Popescu", applicant_address="",
                                          applicant_email=""), HTTP_HOST=town["host"])
    assert response.status_code == 400
    assert response.context["form"]["applicant_name"].value() == "Ioana Popescu"
    response = client.post(url, post_data(applicant_name="Ioana Popescu", applicant_address="",
                                          applicant_email="ioana@example.ro"),
                           HTTP_HOST=town["host"])
    assert response.status_code == 302
    appeal = Appeal.objects.get()
    assert appeal.applicant_address == "" and appeal.due_date is not None


# --- 4. the kind of appeal is recorded and counted ---------------------------------------


@pytest.mark.parametrize("code,offered,required", [
    ("ua", ["proposal", "statement", "complaint"], True),
    ("ro", ["request", "complaint", "notification", "proposal"], False),
    ("bg", ["signal", "proposal"], True),
])
def test_the_kinds_of_appeals_follow_the_law(client, citizen, make_town, code, offered,
                                             required):
    town = make_town(code)
    client.force_login(citizen)
    url = new_url(town["form"], town["addressee"])
    field = client.get(url, HTTP_HOST=town["host"]).context["form"].fields["appeal_type"]
    assert [key for key, _label in field.choices][1:] == offered
    response = client.post(url, post_data(appeal_type="", subject="Kind kept"),
                           HTTP_HOST=town["host"])
    assert response.status_code == (400 if required else 302)
    if required:
        assert "appeal_type" in response.context["form"].errors
        assert response.context["form"]["subject"].value() == "Kind kept"
    # a kind of another country's law is refused
    foreign = "signal" if code != "bg" else "complaint"
    response = client.post(url, post_data(appeal_type=foreign), HTTP_HOST=town["host"])
    assert response.status_code == 400
    response = client.post(url, post_data(appeal_type=offered[-1]), HTTP_HOST=town["host"])
    assert response.status_code == 302
    assert Appeal.objects.order_by("-pk").first().appeal_type == offered[-1]


def test_the_kind_is_shown_filtered_exported_and_counted(client, file_one, moderator,
                                                          addressee):
    from addons.appeals.statistics import addressee_figures

    proposal = file_one(appeal_type="proposal")
    complaint = file_one(appeal_type="complaint")
    old = file_one(appeal_type="")
    client.force_login(moderator)
    page = client.get(reverse("casework_appeals:inspect", args=[proposal.pk])).content.decode()
    assert "Type of appeal" in page and "Proposal" in page
    listing = client.get(reverse("casework_appeals:index"), {"appeal_type": "complaint"})
    assert [appeal.pk for appeal in listing.context["object_list"]] == [complaint.pk]
    # "not recorded": the API's filter
    listed = client.get("/api/v1/appeals/", {"appeal_type": "unknown"}).json()["results"]
    assert [row["id"] for row in listed] == [old.pk]
    export = export_bytes(client.get(reverse("casework_appeals:index"), {"export": "csv"}))
    assert "Type of appeal" in export.decode() and "Proposal" in export.decode()
    figures = addressee_figures(addressee)
    assert dict(figures["by_type"]) == {"Proposal": 1, "Complaint": 1}


def test_the_typed_address_is_kept_through_the_accounts_service(client, make_user, appeal_form,
                                                               addressee, monkeypatch):
    from addons.appeals import views

    calls = []
    monkeypatch.setattr(views, "save_address", lambda user, address: calls.append(
        (user.pk, address)))
    user = make_user("petro", complete=False, full_name="Petro")
    client.force_login(user)
    response = client.post(new_url(appeal_form, addressee), post_data(
        applicant_name="Petro", applicant_address=" 7 Elm Street ", save_address="on",
        appeal_type="complaint"))
    assert response.status_code == 302
    assert calls == [(user.pk, "7 Elm Street")]
