import pytest
from django.urls import reverse

from addons.contacts.models import ReplyTemplate
from tests.conftest import add_town

from .conftest import make_staff
from .helpers import add_identity, person_with_phone, refused

CONSOLE = "/admin/contacts/"


@pytest.mark.django_db
def test_console_finds_a_person_by_phone_typed_in_the_local_form(operator_client, site):
    olena = person_with_phone(site, "Olena Kovalenko", "+380441234567")
    html = operator_client.get(CONSOLE, {"q": "044 123 45 67"}).content.decode()
    assert "Olena Kovalenko" in html
    assert f"/admin/contacts/persons/{olena.pk}/" in html


@pytest.mark.django_db
def test_console_finds_by_email_and_by_name(operator_client, site):
    person = person_with_phone(site, "Ivan Shevchenko", "+380501112233")
    add_identity(person, "email", "ivan@example.org")
    person_with_phone(site, "Someone Else", "+380501112244")
    html = operator_client.get(CONSOLE, {"q": " IVAN@Example.org "}).content.decode()
    assert "Ivan Shevchenko" in html and "Someone Else" not in html
    html = operator_client.get(CONSOLE, {"q": "shevch"}).content.decode()
    assert "Ivan Shevchenko" in html and "Someone Else" not in html


@pytest.mark.django_db
def test_console_finds_cyrillic_names(operator_client, site):
    person_with_phone(site, "Олена Коваленко", "+380441234567")
    html = operator_client.get(CONSOLE, {"q": "коваленко"}).content.decode()
    assert "Олена Коваленко" in html


@pytest.mark.django_db
def test_reference_with_cyrillic_look_alikes_and_no_dashes(operator_client, site, fake_records):
    owner = person_with_phone(site, "Petro Bondar", "+380441112233")
    fake_records["AP-2026-000123"] = (site.pk, "+380441112233")
    html = operator_client.get(CONSOLE, {"q": "ар 2026000123"}).content.decode()
    assert "/admin/fake/AP-2026-000123/" in html
    assert "In progress" in html
    assert f"/admin/contacts/persons/{owner.pk}/" in html


@pytest.mark.django_db
def test_unreadable_phone_is_shown_as_typed_with_a_notice(operator_client, site):
    html = operator_client.get(CONSOLE, {"q": "12345"}).content.decode()
    assert "is not a phone number that can be read" in html
    assert "12345" in html


@pytest.mark.django_db
def test_other_towns_persons_are_not_found(operator_client, site):
    town = add_town("town2.example")
    person_with_phone(town, "Far Away", "+380441234567")
    html = operator_client.get(CONSOLE, {"q": "+380441234567"}).content.decode()
    assert "Far Away" not in html
    html = operator_client.get(CONSOLE, {"q": "Far Away"}).content.decode()
    assert "Nobody found." in html


@pytest.mark.django_db
def test_reply_templates_of_the_site_and_language_are_listed_as_selectable_text(
        operator_client, site):
    ReplyTemplate.objects.create(site=site, title="Opening hours", body="We open at 8.",
                                 language="en")
    ReplyTemplate.objects.create(site=site, title="Години", body="Відкрито з 8.",
                                 language="uk")
    town = add_town("town2.example")
    ReplyTemplate.objects.create(site=town, title="Other town", body="Not here.")
    html = operator_client.get(CONSOLE).content.decode()
    assert "We open at 8." in html and "readonly" in html
    assert "Відкрито з 8." not in html
    assert "Not here." not in html


@pytest.mark.django_db
def test_catalog_lookup_shows_hours_absences_and_handlers(operator_client, site, home):
    import datetime

    from django.contrib.auth.models import Group
    from django.utils import timezone

    from addons.addressees.models import (
        Absence,
        AddresseeCatalogPage,
        AddresseePage,
        OfficeHours,
    )

    catalog = home.add_child(instance=AddresseeCatalogPage(title="Who is who", slug="who"))
    department = catalog.add_child(instance=AddresseePage(
        title="Housing department", slug="housing", duties="Heating, roofs, elevators"))
    department.refresh_from_db()
    OfficeHours.objects.create(page=department, weekday=0, opens=datetime.time(8),
                               closes=datetime.time(17))
    today = timezone.localdate()
    Absence.objects.create(page=department, kind="vacation", start=today,
                           end=today + datetime.timedelta(days=3), note="Ask room 5")
    handler = make_staff("marta", console=False, full_name="Marta Handler")
    group = Group.objects.create(name="Housing staff")
    handler.groups.add(group)
    department.moderators = group
    department.save_revision().publish()
    html = operator_client.get(CONSOLE, {"topic": "elevators"}).content.decode()
    assert "Housing department" in html
    assert "08:00" in html and "17:00" in html
    assert "Ask room 5" in html
    assert "Marta Handler" in html
    html = operator_client.get(CONSOLE, {"topic": "bakery"}).content.decode()
    assert "No addressee matches." in html


@pytest.mark.django_db
def test_console_is_for_console_staff_only(client, site):
    other = make_staff("editor", console=False)
    client.force_login(other)
    assert refused(client.get(CONSOLE))
    assert refused(client.get(reverse("contacts-admin:interactions")))
    assert refused(client.get(reverse("contacts-admin:callbacks")))
    assert refused(client.get("/admin/contacts/call/?from=%2B380441234567"))
    assert refused(client.get("/admin/contacts/current-calls/"))
    html = client.get("/admin/").content.decode()
    assert "Contact center" not in html


@pytest.mark.django_db
def test_menu_shows_the_contact_center_to_its_staff(operator_client, client, site):
    html = operator_client.get("/admin/").content.decode()
    assert "Contact center" in html
    assert "/admin/contacts/callbacks/" in html


@pytest.mark.django_db
def test_another_towns_reference_is_not_found(operator_client, site, fake_records):
    town = add_town("town2.example")
    person_with_phone(town, "Far Owner", "+380441112233")
    fake_records["AP-2026-000555"] = (town.pk, "+380441112233")
    html = operator_client.get(CONSOLE, {"q": "AP-2026-000555"}).content.decode()
    assert "/admin/fake/AP-2026-000555/" not in html and "Far Owner" not in html
    html = operator_client.get(CONSOLE, {"q": "AP-2026-000555"},
                               HTTP_HOST="town2.example").content.decode()
    assert "/admin/fake/AP-2026-000555/" in html
