"""The addressee page: everything on the model, hours, absences, specialists, map."""

from datetime import date, time, timedelta

import pytest
from django.utils import timezone

from addons.addressees.models import Absence, AddresseeGroup, OfficeHours, Specialist

from .helpers import add_addressee, bulk_addressees

pytestmark = pytest.mark.django_db


def get(client, url, **params):
    return client.get(url, params, HTTP_HOST="localhost")


@pytest.fixture
def department(catalog):
    page = add_addressee(
        catalog, "Education department", kind="department", position="Head of department",
        head_name="Iryna Bondar", summary="Schools and kindergartens",
        description="<p>We run <b>schools</b>.</p>", duties="Enrolment in schools",
        phone="+380 44 200 00 00", extra_phones="+380 44 200 00 01\n\n+380 44 200 00 02",
        email="edu@city.example", extra_emails="schools@city.example",
        website="https://edu.city.example", postal_address="1 Main square, 01001",
        office_address="1 Main square, 2nd floor, room 210",
        location="SRID=4326;POINT(30.523400 50.450100)",
    )
    group = AddresseeGroup.objects.create(name="Executive bodies", slug="executive")
    page.groups.add(group)
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def test_everything_on_the_model_is_shown(client, department):
    html = get(client, department.url).content.decode()
    for text in ("<h1", "Education department", "Head of department", "Iryna Bondar",
                 "Schools and kindergartens", "<b>schools</b>", "Enrolment in schools",
                 "Executive bodies", "https://edu.city.example", "1 Main square, 01001",
                 "1 Main square, 2nd floor, room 210"):
        assert text in html, text
    # phones and emails split per line, blank lines dropped
    for phone in ("+380442000000", "+380442000001", "+380442000002"):
        assert f'href="tel:{phone}"' in html
    assert html.count('href="tel:') == 3
    assert 'href="mailto:edu@city.example"' in html
    assert 'href="mailto:schools@city.example"' in html


def test_map_uses_local_leaflet_and_keeps_the_address_text(client, department, settings):
    html = get(client, department.url).content.decode()
    assert 'src="/static/leaflet/leaflet.js"' in html
    assert 'href="/static/leaflet/leaflet.css"' in html
    assert 'src="/static/core/js/map.js"' in html
    assert 'data-lat="50.4501"' in html and 'data-lng="30.5234"' in html
    assert 'data-tile-url=""' in html
    assert "http://" not in html.split("<main")[1].split("</main>")[0].replace(
        "https://edu.city.example", "")
    assert 'class="office-address">1 Main square, 2nd floor, room 210<' in html
    assert "style=" not in html
    assert "<script>" not in html


def test_map_data_in_a_comma_decimal_language(client, department):
    client.cookies["civicdesk_language"] = "uk"
    response = client.get(department.url, HTTP_HOST="localhost")
    assert b'data-lat="50.4501"' in response.content


def test_map_tile_url_from_settings(client, department, settings):
    settings.CIVICDESK_MAP_TILE_URL = "/tiles/{z}/{x}/{y}.png"
    html = get(client, department.url).content.decode()
    assert 'data-tile-url="/tiles/{z}/{x}/{y}.png"' in html


def test_no_map_without_a_location(client, catalog):
    page = add_addressee(catalog, "Nowhere", office_address="Somewhere 1")
    html = get(client, page.url).content.decode()
    assert "leaflet.js" not in html and "Somewhere 1" in html


def test_named_schedules_and_breaks(client, department):
    OfficeHours.objects.bulk_create([
        OfficeHours(page=department, weekday=0, opens=time(9), closes=time(18),
                    break_start=time(13), break_end=time(14)),
        OfficeHours(page=department, schedule="Reception of citizens", weekday=2,
                    opens=time(10), closes=time(12), sort_order=1),
    ])
    html = get(client, department.url).content.decode()
    assert "<caption>Office hours</caption>" in html
    assert "<caption>Reception of citizens</caption>" in html
    assert html.index("<caption>Office hours") < html.index("<caption>Reception")
    assert "09:00–18:00" in html and "13:00–14:00" in html and "10:00–12:00" in html
    assert html.count('<table class="schedule">') == 2
    assert html.count('aria-current="date"') == 2  # today's row in each table


def test_open_now_marker(client, department):
    now = timezone.localtime()
    OfficeHours.objects.create(page=department, weekday=now.weekday(), opens=time(0, 0),
                               closes=time(23, 59, 59))
    html = get(client, department.url).content.decode()
    assert 'class="badge badge-open"' in html


def test_closed_with_next_opening(client, department):
    today = timezone.localdate()
    Absence.objects.create(page=department, start=today, end=today, kind="closed")
    OfficeHours.objects.bulk_create([
        OfficeHours(page=department, weekday=day, opens=time(9), closes=time(10))
        for day in range(7)
    ])
    html = get(client, department.url).content.decode()
    assert 'class="badge badge-closed">Closed, opens tomorrow at 09:00<' in html


def test_current_and_upcoming_absences(client, department):
    today = date.today()
    Absence.objects.bulk_create([
        Absence(page=department, kind="vacation", start=today - timedelta(20),
                end=today - timedelta(10), note="long gone"),
        Absence(page=department, kind="sick", start=today - timedelta(1),
                end=today + timedelta(1), note="Deputy head stands in"),
        Absence(page=department, kind="trip", start=today + timedelta(10),
                end=today + timedelta(12), note="in the capital"),
    ])
    html = get(client, department.url).content.decode()
    assert "long gone" not in html
    assert "Deputy head stands in" in html and "in the capital" in html
    assert html.index("Deputy head stands in") < html.index("in the capital")
    assert "absence absence-current" in html
    assert "Sick leave" in html and "Business trip" in html


def test_specialists(client, department):
    Specialist.objects.create(page=department, name="Oksana Melnyk", position="Inspector",
                              competences="School enrolment, transfers", phone="+380 44 1",
                              email="melnyk@city.example", room="210")
    html = get(client, department.url).content.decode()
    for text in ("Oksana Melnyk", "Inspector", "School enrolment, transfers",
                 'href="mailto:melnyk@city.example"', "210"):
        assert text in html


def test_children_are_listed_and_paginated(client, department):
    bulk_addressees(department, 35, prefix="School")
    first = get(client, department.url)
    html = first.content.decode()
    assert 'id="children"' in html
    assert "Sub-addressees (35)" in html
    assert html.count('class="card addressee-card"') == 30
    second = get(client, department.url, page=2)
    assert second.content.decode().count('class="card addressee-card"') == 5
    bad = get(client, department.url, page="zzz")
    assert b"There is no page" in bad.content


def test_addon_statistics_are_rendered(client, department, monkeypatch):
    from addons.core import registry
    from addons.core.addon import StatisticsBlock

    block = StatisticsBlock(key="test", title="Test", template="addressees/includes/notices.html",
                            get_context=lambda page, request: {"notices": [f"STAT {page.title}"]})
    addon = registry.get_addon("addressees")
    monkeypatch.setattr(registry, "statistics_blocks", lambda: [(addon, block)])
    html = get(client, department.url).content.decode()
    assert "STAT Education department" in html


def test_draft_addressee_is_404(client, department):
    department.unpublish()
    assert get(client, department.url).status_code == 404
