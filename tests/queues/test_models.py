import pytest
from django.apps import apps
from django.db import IntegrityError, transaction

from addons.queues import services
from addons.queues.models import DayCounter, QueuePlacement, Slot, Ticket

from .conftest import at


def test_addon_contract():
    config = apps.get_app_config("queues")
    assert config.label == "queues" and config.default_enabled
    assert config.placements == ("queues.QueuePlacement",)
    assert [s.key for s in config.cabinet_sections] == ["queues"]
    assert [j.name for j in config.scheduled_jobs] == ["queues.remind",
                                                      "queues.prolong_receptions"]


def test_slot_counter_cannot_go_negative(queue, day):
    slot = Slot.objects.create(queue=queue, start=at(day, 9))
    with pytest.raises(IntegrityError), transaction.atomic():
        Slot.objects.filter(pk=slot.pk).update(taken=-1)


def test_slot_and_number_unique(queue, service, citizen, day):
    Slot.objects.create(queue=queue, start=at(day, 9))
    with pytest.raises(IntegrityError), transaction.atomic():
        Slot.objects.create(queue=queue, start=at(day, 9))
    ticket = services.book(queue, service, citizen, at(day, 10))
    with pytest.raises(IntegrityError), transaction.atomic():
        Ticket.objects.create(queue=queue, service=service, service_name="x", start=ticket.start,
                              end=ticket.end, day=ticket.day, seq=ticket.seq, number="dup")
    assert DayCounter.objects.get(queue=queue, day=day).last == 1


def test_setup_creates_nothing(site):
    from addons.queues.models import Queue

    apps.get_app_config("queues").setup(site)
    apps.get_app_config("queues").setup(site)
    assert not Queue.objects.exists()


def test_demo_is_idempotent(site, home):
    from addons.addressees.models import AddresseePage
    from addons.queues.demo import load_demo
    from addons.queues.models import Queue

    page = home.add_child(instance=AddresseePage(title="ЦНАП", slug="cnap"))
    assert load_demo(site) == 1
    assert load_demo(site) == 0
    queue = Queue.objects.get()
    assert queue.addressee_id == page.pk and queue.services.count() == 3
    assert QueuePlacement.objects.filter(page=page, queue=queue).count() == 1


def test_section_renders_on_addressee_page(client, site, home):
    from addons.addressees.models import AddresseePage
    from addons.queues.demo import load_demo

    page = home.add_child(instance=AddresseePage(title="ЦНАП", slug="cnap"))
    load_demo(site)
    html = client.get(page.url).content.decode()
    assert "Book a visit" in html and "Прийом у ЦНАП" in html


def test_personal_data_and_anonymise(queue, service, citizen, day):
    ticket = services.book(queue, service, citizen, at(day, 9), {"Reason": "x"})
    data = apps.get_app_config("queues").personal_data(citizen)
    assert data["tickets"][0]["number"] == ticket.number
    apps.get_app_config("queues").anonymise(citizen)
    ticket.refresh_from_db()
    assert ticket.citizen is None and ticket.answers == {} and ticket.status == "cancelled"
    assert Slot.objects.get(queue=queue, start=at(day, 9)).taken == 0


def test_queue_admin_forms_load(client, queue, django_user_model):
    admin = django_user_model.objects.create_superuser("boss", "boss@example.org", "pw-123456")
    client.force_login(admin)
    assert client.get("/admin/snippets/queues/queue/add/").status_code == 200
    response = client.get(f"/admin/snippets/queues/queue/edit/{queue.pk}/")
    assert response.status_code == 200 and "Civil registry" in response.content.decode()
