"""The person's timeline merged from every add-on enabled on the person's town: newest
first, filtered by source, period and open records, in pages of 50, in a constant number
of queries whatever the entries."""

import ast
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from addons.accounts.models import Person
from addons.contacts.models import Interaction
from addons.contacts.timeline import PAGE_SIZE, available_sources, timeline
from addons.core.activation import apply_states
from addons.reports.models import CoSign
from tests.conftest import add_town

# shared fixtures: the entries' words in English, a Ukrainian town
from tests.contacts.test_timeline_data import (  # noqa: F401  (fixtures)
    SUBJECT,
    _in_english,  # noqa: F401  (fixtures)
    citizen_fixture,
    count_queries,
    make_addressee,
    make_answer,
    make_appeal,
    make_delivery,
    make_notification,
    make_operator,
    make_person,
    make_queue,
    make_report,
    make_subscription,
    make_ticket,
    person_fixture,
    town_fixture,
)

pytestmark = pytest.mark.django_db



@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("root", "root@city.example", "x")


def fill(town, citizen, count=1):
    """``count`` records of every source for Olena (her account, e-mail or phone)."""
    housing = make_addressee(town)
    office = make_queue(town)
    for _ in range(count):
        make_appeal(town, housing, author=citizen)
        make_report(town, contact_phone="044 123 45 67")
        make_ticket(office, contact_email="olena.k@example.org")
        make_answer(town, citizen)
        make_subscription(town, "olena.k@example.org")
        make_delivery(town, "olena.k@example.org", name=f"Campaign {timezone.now()}")
        make_notification(town, recipient=citizen)


def test_every_source_newest_first(town, citizen, person, superuser):
    fill(town, citizen)
    Interaction.objects.create(site=town, person=person, summary="Asked about heating")
    page = timeline(person, superuser)
    sources = {entry.source for entry in page.entries}
    assert sources == {"appeals", "reports", "tickets", "surveys", "bulletins", "mailings",
                       "notifications", "interactions"}
    moments = [entry.at for entry in page.entries]
    assert moments == sorted(moments, reverse=True)
    assert not page.has_next and not page.has_previous


def test_filters(town, citizen, person, superuser):
    housing = make_addressee(town)
    now = timezone.now()
    old = make_appeal(town, housing, author=citizen, at=now - timedelta(days=60))
    make_appeal(town, housing, author=citizen, status="answered")
    make_report(town, contact_email="olena.k@example.org", is_open=False)
    make_report(town, contact_email="olena.k@example.org")
    only_reports = timeline(person, superuser, sources=["reports"])
    assert {entry.source for entry in only_reports.entries} == {"reports"}
    assert len(only_reports.entries) == 2
    earlier = timeline(person, superuser, until=now - timedelta(days=30))
    assert [entry.reference for entry in earlier.entries] == [old.reference]
    recent = timeline(person, superuser, since=now - timedelta(days=30))
    assert old.reference not in [entry.reference for entry in recent.entries]
    waiting = timeline(person, superuser, open_only=True)
    assert len(waiting.entries) == 2
    assert all(entry.open for entry in waiting.entries)
    assert {entry.source for entry in waiting.entries} == {"appeals", "reports"}


def test_pages_of_fifty(town, citizen, person, superuser):
    for _ in range(PAGE_SIZE + 7):
        make_notification(town, recipient=citizen)
    first = timeline(person, superuser)
    assert len(first.entries) == PAGE_SIZE and first.has_next
    second = timeline(person, superuser, page=2)
    assert len(second.entries) == 7 and not second.has_next and second.has_previous
    assert not {id(entry) for entry in first.entries} & {id(entry) for entry in second.entries}


def test_only_addons_enabled_on_the_town(town, citizen, person, superuser):
    make_report(town, reporter=citizen)
    make_notification(town, recipient=citizen)
    apply_states(town, {"reports": False})
    keys = [key for key, _title, _path in available_sources(town)]
    assert "reports" not in keys and "notifications" in keys
    assert {entry.source for entry in timeline(person, superuser).entries} == {
        "notifications"}


def test_nothing_of_another_town(town, citizen, person, superuser):
    other = add_town("town2.example")
    make_appeal(other, make_addressee(other), author=citizen,
                applicant_email="olena.k@example.org")
    make_report(other, reporter=citizen, contact_phone="0441234567")
    CoSign.objects.create(report=make_report(other), user=citizen)
    make_ticket(make_queue(other), citizen=citizen)
    make_answer(other, citizen)
    make_subscription(other, "olena.k@example.org")
    make_delivery(other, "olena.k@example.org")
    make_notification(other, recipient=citizen)
    twin = Person.objects.create(site=other, full_name="Olena in town 2")
    Interaction.objects.create(site=other, person=twin)
    assert timeline(person, superuser).entries == []


def test_appeals_hidden_from_an_operator_without_rights(town, citizen, person,
                                                        django_user_model):
    make_appeal(town, make_addressee(town), author=citizen)
    operator = make_operator(django_user_model)
    [entry] = timeline(person, operator).entries
    assert entry.source == "appeals" and not entry.readable and entry.title == ""


def test_queries_constant_whatever_the_entries(town, citizen, person, superuser):
    fill(town, citizen, 2)
    timeline(person, superuser)
    few = count_queries(timeline, person, superuser)
    fill(town, citizen, 38)
    many = count_queries(timeline, person, superuser)
    assert len(timeline(person, superuser).entries) == PAGE_SIZE
    assert few == many


def test_merged_persons_interactions_follow_the_survivor(town, person, superuser):
    merged = Person.objects.create(site=town, full_name="Olena", merged_into=person)
    Interaction.objects.create(site=town, person=merged, summary="First call")
    [entry] = timeline(person, superuser).entries
    assert "First call" in entry.summary


def test_the_contact_center_imports_no_other_addon():
    folder = Path(__file__).resolve().parents[2] / "addons" / "contacts"
    allowed = {"core", "accounts", "contacts"}
    for name in ("timeline.py", "person_views.py", "person_urls.py"):
        tree = ast.parse((folder / name).read_text())
        for node in ast.walk(tree):
            modules = []
            if isinstance(node, ast.ImportFrom) and node.module:
                modules = [node.module]
            elif isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            for module in modules:
                if module.startswith("addons."):
                    assert module.split(".")[1] in allowed, (name, module)


def broken_source(site, identities, user, **kwargs):
    raise RuntimeError("the add-on's database table is locked")


def test_a_failing_source_leaves_the_others_readable(town, citizen, person, superuser,
                                                     monkeypatch):
    from addons.contacts import timeline as module

    make_notification(town, recipient=citizen)
    offered = module.available_sources(town)
    monkeypatch.setattr(module, "available_sources", lambda site: [
        *offered, ("broken", "Broken records", f"{__name__}.broken_source")])
    page = timeline(person, superuser)
    assert page.failed == ["Broken records"]
    assert [entry.source for entry in page.entries] == ["notifications"]
