"""Bulgaria: no proceedings on a signal about a violation committed more than two years
before (APC art. 113). The Bulgarian form asks when it happened (optional); staff see a
warning and the law's closing reason."""

import uuid
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from addons.appeals import services
from addons.appeals.models import Appeal

from .conftest import DATA

pytestmark = pytest.mark.django_db


def new_url(form, addressee):
    return f"{reverse('appeals:new', args=[form.pk])}?addressee={addressee.pk}"


def post(client, town, **data):
    return client.post(new_url(town["form"], town["addressee"]), {
        **DATA, "appeal_type": "signal", "submission_token": str(uuid.uuid4()), **data,
    }, HTTP_HOST=town["host"])


def test_the_bulgarian_form_asks_when_it_happened(client, make_town, citizen):
    bg, ua = make_town("bg"), make_town("ua")
    client.force_login(citizen)
    page = client.get(new_url(bg["form"], bg["addressee"]), HTTP_HOST=bg["host"])
    assert "occurred_on" in page.context["form"].fields
    assert not page.context["form"].fields["occurred_on"].required
    other = client.get(new_url(ua["form"], ua["addressee"]), HTTP_HOST=ua["host"])
    assert "occurred_on" not in other.context["form"].fields
    # optional: a signal without the date is filed
    assert post(client, bg).status_code == 302
    assert Appeal.objects.get().occurred_on is None


def test_a_future_day_is_refused_with_the_text_kept(client, make_town, citizen):
    bg = make_town("bg")
    client.force_login(citizen)
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = post(client, bg, occurred_on=tomorrow.isoformat())
    assert response.status_code == 400
    assert "still to come" in " ".join(response.context["form"].errors["occurred_on"])
    assert DATA["text"] in response.content.decode()
    response = post(client, bg, occurred_on="32.13.2020")
    assert response.status_code == 400 and "occurred_on" in response.context["form"].errors


def test_staff_are_warned_of_an_old_violation(client, make_town, citizen, make_user):
    bg = make_town("bg")
    mod = make_user("bgmod", moderates=[bg["addressee"]], is_staff=True)
    old = date(2020, 5, 1)
    appeal, _created = services.file_appeal(
        site=bg["site"], form=bg["form"], addressee=bg["addressee"], author=citizen,
        data={**DATA, "appeal_type": "signal", "occurred_on": old})
    assert appeal.occurred_on == old and appeal.is_time_barred()
    client.force_login(mod)
    page = client.get(reverse("casework_appeals:inspect", args=[appeal.pk]))
    html = page.content.decode()
    assert "appeal-time-barred-warning" in html and "article 113" in html
    leave = client.get(reverse("casework_appeals:action", args=[appeal.pk, "leave"]))
    assert "article 113" in leave.context["form"].initial["reason"]
    assert "article 113" in leave.content.decode()
    recent, _created = services.file_appeal(
        site=bg["site"], form=bg["form"], addressee=bg["addressee"], author=citizen,
        data={**DATA, "appeal_type": "signal", "subject": "Recent",
              "occurred_on": timezone.localdate() - timedelta(days=30)})
    assert not recent.is_time_barred()
    assert "appeal-time-barred-warning" not in client.get(
        reverse("casework_appeals:inspect", args=[recent.pk])).content.decode()


def test_the_age_limit_is_bulgarian_law_only(make_town, citizen):
    ua = make_town("ua")
    appeal, _created = services.file_appeal(
        site=ua["site"], form=ua["form"], addressee=ua["addressee"], author=citizen,
        data={**DATA, "occurred_on": date(2015, 1, 1)})
    assert not appeal.is_time_barred()
