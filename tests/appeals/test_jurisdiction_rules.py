"""The law follows the site's country: privileged categories, anonymous appeals, what a
form requires, the kinds of appeals and the legal terms (UA 393/96, RO OG 27/2002,
BG APC chapter 8)."""

import uuid
from datetime import date

import pytest
from django.urls import reverse

from addons.appeals.models import Appeal, AppealsSettings
from addons.appeals.services import file_appeal

from .conftest import DATA

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
                           post_data(priority="chernobyl", appeal_type="request"),
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
    client.force_login(moderator)
    rows = list(client.get(reverse("appeals_admin:inbox")).context["appeals"])
    assert [appeal.pk for appeal in rows] == [privileged.pk, plain.pk, later.pk]
