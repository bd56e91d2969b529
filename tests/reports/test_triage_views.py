"""GET /reports/suggest/: suggestions for the report form's script."""

import pytest
from django.urls import reverse

from addons.reports import triage


@pytest.fixture(autouse=True)
def _triage(settings, tmp_path):
    settings.CIVICDESK_REPORTS_TRIAGE_DIR = str(tmp_path / "triage")
    triage._classifiers.clear()


@pytest.fixture
def url():
    return reverse("reports:suggest")


@pytest.mark.django_db
def test_suggestions_as_json_and_html(client, reports_site, addressee, url):
    response = client.get(url, {"text": "Deep pothole on Florilor street"})
    assert response.status_code == 200
    rows = response.json()["suggestions"]
    assert len(rows) == 3
    assert rows[0] == {"code": "roads.pothole", "label": "Pothole", "score": rows[0]["score"],
                       "addressee": {"id": addressee.pk, "title": "Roads department",
                                     "url": addressee.url}}
    html = response.json()["html"]
    assert 'data-code="roads.pothole"' in html and "Roads department" in html


@pytest.mark.django_db
def test_html_in_the_text_is_never_echoed(client, reports_site, url):
    response = client.get(url, {"text": "<script>alert(1)</script> pothole"})
    assert "<script>" not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("params", [{}, {"text": ""}, {"text": "  a "}])
def test_no_or_too_short_text_gives_nothing(client, reports_site, url, params):
    response = client.get(url, params)
    assert response.status_code == 200
    assert response.json() == {"suggestions": [], "html": ""}


@pytest.mark.django_db
def test_long_text_is_capped(client, reports_site, url, monkeypatch):
    seen = []
    original = triage.suggest
    monkeypatch.setattr(triage, "suggest", lambda text, **kw: seen.append(text) or original(
        text, **kw))
    response = client.get(url, {"text": "Rubbish not collected for a week. " * 200})
    assert response.status_code == 200
    assert response.json()["suggestions"][0]["code"] == "waste.uncollected"
    assert len(seen[0]) == triage.MAX_TEXT_LENGTH


@pytest.mark.django_db
def test_a_point_routes_by_district(client, reports_site, url, water):
    from addons.reports.models import District

    District.objects.create(site=reports_site, name="North", addressee=water, polygon=[
        [49.0, 31.0], [49.5, 31.0], [49.5, 32.0], [49.0, 32.0]])
    response = client.get(url, {"text": "Loud music every night", "lat": "49.2",
                                "lng": "31.5"})
    assert response.json()["suggestions"][0]["addressee"]["title"] == "Water company"
    bad = client.get(url, {"text": "Loud music every night", "lat": "x", "lng": "999"})
    assert bad.status_code == 200


@pytest.mark.django_db
def test_rate_limited(client, reports_site, url, settings):
    settings.CIVICDESK_REPORTS_SUGGEST_RATE = "2/m"
    for _ in range(2):
        assert client.get(url, {"text": "pothole"}).status_code == 200
    response = client.get(url, {"text": "pothole"})
    assert response.status_code == 429
    assert response.json()["suggestions"] == [] and response.json()["error"]


@pytest.mark.django_db
def test_only_get(client, reports_site, url):
    assert client.post(url, {"text": "pothole"}).status_code == 405
