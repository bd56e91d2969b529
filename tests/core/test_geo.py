"""The map helpers and wagtailgeowidget's admin widget on local Leaflet (no CDN)."""

import pytest
from django.core.exceptions import ValidationError

from addons.core.geo import (
    LeafletBlock,
    LeafletField,
    Point,
    bbox_around,
    distance_m,
    format_point,
    parse_point,
)


def test_parse_and_format_round_trip():
    point = parse_point("SRID=4326;POINT(30.523400 50.450100)")
    assert point == Point(lat=50.4501, lng=30.5234)
    assert parse_point(format_point(point.lat, point.lng)) == point
    assert parse_point("POINT(26.1 44.43)") == Point(lat=44.43, lng=26.1)


@pytest.mark.parametrize(
    "value",
    ["", None, "POINT()", "SRID=4326;POINT(30.5)", "garbage", "POINT(200 10)", "POINT(10 95)"],
)
def test_parse_rejects_malformed(value):
    assert parse_point(value) is None


def test_distance_and_bbox():
    a = Point(lat=50.4501, lng=30.5234)
    b = Point(lat=50.4501 + 250 / 111320, lng=30.5234)
    assert distance_m(a, b) == pytest.approx(250, rel=0.01)
    min_lat, min_lng, max_lat, max_lng = bbox_around(a, 250)
    assert min_lat < b.lat <= max_lat + 1e-9 and min_lng < a.lng < max_lng


def test_widget_media_is_local():
    media = str(LeafletField(srid=4326, id_prefix="id_").media)
    assert "leaflet/leaflet.js" in media and "leaflet/leaflet.css" in media
    assert "http" not in media


def test_block_optional_accepts_empty():
    block = LeafletBlock(required=False)
    assert block.required is False
    assert block.to_python("") is None
    assert block.to_python("not a point") is None
    assert block.clean("") in ("", None)
    assert block.get_prep_value(None) == ""


def test_block_required_refuses_empty():
    block = LeafletBlock()
    with pytest.raises(ValidationError):
        block.clean("")
    value = block.to_python("SRID=4326;POINT(30.5 50.4)")
    assert float(value["lat"]) == pytest.approx(50.4)
    assert float(value["lng"]) == pytest.approx(30.5)


def test_addressee_edit_form_uses_local_leaflet(client, home, django_user_model):
    from addons.addressees.models import AddresseeCatalogPage, AddresseePage

    catalog = home.add_child(instance=AddresseeCatalogPage(title="Catalog", slug="catalog"))
    page = catalog.add_child(
        instance=AddresseePage(title="Water", slug="water", location="SRID=4326;POINT(30.5 50.4)")
    )
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "pw")
    client.force_login(admin)
    response = client.get(f"/admin/pages/{page.pk}/edit/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/leaflet/leaflet.js" in html
    assert "unpkg.com" not in html
    assert 'data-controller="leaflet-field"' in html
