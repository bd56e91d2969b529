"""The demo surveys load on a site, twice without doubling anything."""

import pytest

from addons.surveys import demo
from addons.surveys.models import (
    OpinionCenterPage,
    Response,
    Survey,
    SurveyCategory,
    SurveyPlacement,
)

pytestmark = pytest.mark.django_db


def test_demo_loads_once(site, addressee, other_addressee, client):
    assert demo.load_demo(site) == 2
    counts = (Survey.objects.count(), Response.objects.count(),
              SurveyPlacement.objects.count(), SurveyCategory.objects.count())
    assert counts[0] == 5 and counts[1] > 12 and counts[3] == 3
    assert demo.load_demo(site) == 0
    assert counts == (Survey.objects.count(), Response.objects.count(),
                      SurveyPlacement.objects.count(), SurveyCategory.objects.count())
    assert Survey.objects.archived().count() == 1
    center = OpinionCenterPage.objects.get()
    assert client.get(center.url).status_code == 200
    assert client.get(center.url + "?archive=1").status_code == 200
    page = client.get(addressee.url).content.decode()
    assert "Quality of service" in page or "Якість обслуговування" in page
