"""Staff configure categories, statuses, reply templates, streets, districts and the
report-a-problem boxes in the admin."""

import pytest
from django.urls import reverse

from addons.reports.models import (
    District,
    ReportButton,
    ReportCategory,
    ReportReplyTemplate,
    ReportStatus,
    Street,
)

MODELS = [ReportCategory, ReportStatus, ReportReplyTemplate, Street, District, ReportButton]


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("chief", "chief@example.org", "x")


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_list_and_add_screens_render(client, superuser, reports_site, model):
    client.force_login(superuser)
    opts = model._meta
    listing = client.get(reverse(f"wagtailsnippets_{opts.app_label}_{opts.model_name}:list"))
    assert listing.status_code == 200
    add = client.get(reverse(f"wagtailsnippets_{opts.app_label}_{opts.model_name}:add"))
    assert add.status_code == 200


def test_category_is_editable(client, superuser, category):
    client.force_login(superuser)
    url = reverse("wagtailsnippets_reports_reportcategory:edit", args=[category.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert category.code in page.content.decode()


def test_categories_list_shows_the_default_tree(client, superuser, reports_site):
    client.force_login(superuser)
    listing = client.get(reverse("wagtailsnippets_reports_reportcategory:list"))
    assert "roads.pothole" in listing.content.decode()


def test_citizen_cannot_open_the_setup(client, citizen, reports_site):
    client.force_login(citizen)
    response = client.get(reverse("wagtailsnippets_reports_reportcategory:list"))
    assert response.status_code in (302, 403)
