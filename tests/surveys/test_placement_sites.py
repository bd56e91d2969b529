"""One town's survey never hangs on another town's page."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from addons.surveys.models import SurveyPlacement
from tests.conftest import add_town

from .conftest import make_survey

pytestmark = pytest.mark.django_db


def test_a_survey_of_another_town_is_refused_on_this_towns_page(site, addressee):
    town2 = add_town("town2.example")
    foreign = make_survey(town2)
    placement = SurveyPlacement(page=addressee, survey=foreign)
    with pytest.raises(ValidationError) as refused:
        placement.full_clean()
    assert "survey" in refused.value.message_dict
    assert "another municipality" in refused.value.message_dict["survey"][0]


def test_the_towns_own_survey_is_accepted(site, addressee):
    own = make_survey(site)
    SurveyPlacement(page=addressee, survey=own, sort_order=0).full_clean()


def test_links_to_the_addressee_stay_on_the_visitors_town(client, placed, addressee, site,
                                                          citizen):
    """With several towns on the installation a page's own URL would be absolute (and name
    the host the site was saved with); the survey's breadcrumb stays a path on this host."""
    add_town("town2.example")
    client.force_login(citizen)
    response = client.get(reverse("surveys:survey", args=[placed.pk]),
                          {"addressee": addressee.pk})
    assert response.status_code == 200
    path = addressee.get_url_parts()[2]
    assert f'href="{path}"'.encode() in response.content
