"""A ticket says where to come in full (place, street, floor, room) and which city issues
it (name and coat of arms from the site profile): on its page, PDF, e-mail and .ics."""

import io

import pytest
from django.core import mail
from django.urls import reverse

from addons.addressees.models import AddresseeCatalogPage, AddresseePage
from addons.core.calendars import ics_unfold
from addons.core.models import SiteProfile
from addons.queues import services
from addons.queues.emails import send_ticket_email

from .conftest import at

pytestmark = pytest.mark.django_db

CITY = "Municipiul Valea Verde"


@pytest.fixture
def office(home):
    catalog = home.add_child(instance=AddresseeCatalogPage(title="Addressees",
                                                           slug="addressees"))
    return catalog.add_child(instance=AddresseePage(
        title="Starea civilă", slug="registry", office_address="Bd. Unirii 7, Valea Verde"))


@pytest.fixture
def placed(queue, site):
    queue.place = "Sala ghișeelor"
    queue.street_address = "Str. Ștefan cel Mare 1"
    queue.floor = "2"
    queue.room = "205"
    queue.save()
    profile = SiteProfile.for_site(site)
    profile.municipality_name = CITY
    profile.save()
    return queue


@pytest.fixture
def arms(site):
    from wagtail.images import get_image_model
    from wagtail.images.tests.utils import get_test_image_file

    image = get_image_model().objects.create(title="Stema", file=get_test_image_file())
    profile = SiteProfile.for_site(site)
    profile.coat_of_arms = image
    profile.save()
    return image


@pytest.fixture
def booked(placed, service, citizen, day):
    return services.book(placed, service, citizen, at(day, 9))


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _pdf_images(data: bytes) -> int:
    from pypdf import PdfReader

    return sum(len(page.images) for page in PdfReader(io.BytesIO(data)).pages)


PARTS = ("Sala ghișeelor", "Str. Ștefan cel Mare 1", "floor 2", "room 205", CITY)


def test_full_address_and_city_on_every_form_of_the_ticket(client, booked, citizen):
    client.force_login(citizen)
    page = client.get(reverse("queues:ticket", args=[booked.code])).content.decode()
    pdf = _pdf_text(client.get(reverse("queues:ticket_pdf", args=[booked.code])).content)
    ics = "\n".join(ics_unfold(
        client.get(reverse("queues:ticket_ics", args=[booked.code])).content.decode()))
    assert send_ticket_email(booked.pk)
    body = mail.outbox[-1].body
    assert body.startswith(f"{CITY}\n")  # the city issuing the ticket heads the e-mail
    for part in PARTS:
        assert part in page, part
        assert part in pdf, part
        assert part in ics, part
    # the e-mail speaks the citizen's language: the same address, its words translated
    from django.utils import translation

    from addons.core.notifications import recipient_language
    from addons.queues.documents import ticket_address

    with translation.override(recipient_language(citizen, booked.queue.site)):
        address = ticket_address(booked)
    assert address in body and all(part in address for part in PARTS[:2] + PARTS[4:])
    location = next(line for line in ics.splitlines() if line.startswith("LOCATION:"))
    assert location == ("LOCATION:Sala ghișeelor\\, Str. Ștefan cel Mare 1\\, floor 2\\, "
                        f"room 205\\, {CITY}")


def test_street_defaults_to_the_addressees_office(queue, service, citizen, day, office):
    queue.addressee = office
    queue.place = ""
    queue.room = "12"
    queue.save()
    ticket = services.book(queue, service, citizen, at(day, 9))
    from addons.queues.documents import ticket_address

    assert ticket_address(ticket).startswith("Bd. Unirii 7, Valea Verde, room 12")
    queue.street_address = "Piața Mare 3"
    queue.save()
    ticket.refresh_from_db()
    assert "Piața Mare 3" in ticket_address(ticket)
    assert "Bd. Unirii" not in ticket_address(ticket)


def test_coat_of_arms_on_the_page_and_in_the_pdf(client, booked, citizen, arms):
    client.force_login(citizen)
    page = client.get(reverse("queues:ticket", args=[booked.code])).content.decode()
    assert 'class="queue-ticket-arms"' in page
    pdf = client.get(reverse("queues:ticket_pdf", args=[booked.code])).content
    assert _pdf_images(pdf) == 1


def test_no_coat_of_arms_no_image(client, booked, citizen):
    client.force_login(citizen)
    page = client.get(reverse("queues:ticket", args=[booked.code])).content.decode()
    assert "queue-ticket-arms" not in page and CITY in page
    pdf = client.get(reverse("queues:ticket_pdf", args=[booked.code])).content
    assert _pdf_images(pdf) == 0


def test_an_unreadable_coat_of_arms_does_not_cost_the_ticket(client, booked, citizen, arms):
    arms.file.storage.delete(arms.file.name)
    arms.renditions.all().delete()
    client.force_login(citizen)
    response = client.get(reverse("queues:ticket_pdf", args=[booked.code]))
    assert response.status_code == 200 and CITY in _pdf_text(response.content)


def test_the_city_of_the_tickets_own_town(client, booked, citizen):
    from tests.conftest import add_town

    other = add_town("town2.example.org", "Town 2")
    profile = SiteProfile.for_site(other)
    profile.municipality_name = "Другий град"
    profile.save()
    client.force_login(citizen)
    page = client.get(reverse("queues:ticket", args=[booked.code])).content.decode()
    assert CITY in page and "Другий град" not in page
