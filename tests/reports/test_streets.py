import pytest

from addons.reports.geocoding import geocode, normalise

pytestmark = pytest.mark.django_db


def test_normalise():
    assert normalise("вул. Садова, 15") == "садова"
    assert normalise("Strada Florilor nr. 15") == "florilor nr"


def test_longest_name_and_alias(reports_site):
    from addons.reports.models import Street

    Street.objects.create(site=reports_site, name="Садова", lat=1, lng=1)
    Street.objects.create(site=reports_site, name="Нова Садова", lat=2, lng=2)
    Street.objects.create(site=reports_site, name="Соборна", aliases="Леніна\nSoborna",
                          lat=3, lng=3)
    assert geocode("Нова Садова 3", reports_site).lat == 2
    assert geocode("садова", reports_site).lat == 1
    assert geocode("Soborna street 1", reports_site).lat == 3
    assert geocode("Леніна, 5", reports_site).address.endswith(", 5")
    assert geocode("Main street", reports_site) is None


def test_pluggable_geocoder(reports_site, settings):
    settings.CIVICDESK_REPORTS_GEOCODER = "tests.reports.test_streets.FixedGeocoder"
    assert geocode("anything", reports_site).lat == 10


class FixedGeocoder:
    def geocode(self, text, site):
        from addons.reports.geocoding import GeocodeResult

        return GeocodeResult(lat=10, lng=20, address=text)


def test_demo_register_loads(reports_site):
    from addons.reports.demo import load_streets
    from addons.reports.models import Street

    assert load_streets(reports_site) >= 40
    assert load_streets(reports_site) == 0
    assert Street.objects.filter(site=reports_site).count() >= 40
    assert geocode("вулиця Соборна 1", reports_site) is not None
