"""The "Appeals" block of figures on the addressee page."""

from datetime import timedelta

import pytest
from django.utils import timezone

from addons.appeals import services, statistics
from addons.appeals.models import Appeal

pytestmark = pytest.mark.django_db


def test_figures_in_one_query(file_one, moderator, addressee, django_assert_num_queries):
    first, second, _third = file_one(), file_one(), file_one()
    services.reply(first, moderator, "Done")
    services.reply(second, moderator, "Done late")
    Appeal.objects.filter(pk=second.pk).update(due_date=timezone.localdate() - timedelta(days=3))
    with django_assert_num_queries(1):
        figures = statistics.addressee_figures(addressee)
    assert {key: figures[key] for key in ("handled", "on_time", "share")} == {
        "handled": 2, "on_time": 1, "share": 0.5}
    assert figures["by_type"] == [("Complaint", 3)]


def test_block_on_the_addressee_page(client, file_one, moderator, addressee):
    appeal = file_one(applicant_name="Secret Name")
    services.reply(appeal, moderator, "Done")
    response = client.get(addressee.url)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Appeals answered in the last 12 months" in content
    assert "100 %" in content
    assert "Secret Name" not in content and appeal.reference not in content


def test_no_block_before_the_first_answer(client, file_one, addressee):
    file_one()
    assert statistics.statistics_context(addressee, None) is None
    content = client.get(addressee.url).content.decode()
    assert "Appeals answered in the last 12 months" not in content


def test_other_addressees_do_not_count(file_one, moderator, other_addressee):
    services.reply(file_one(), moderator, "Done")
    assert statistics.addressee_figures(other_addressee)["handled"] == 0
