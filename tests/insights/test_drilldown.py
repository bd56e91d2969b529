"""The list of the records behind a number: facts only, each reference a link to the
record's own admin page, the count in its header, all pages; values of another town or an
unknown figure refused with a translated 400 page; only those who may look get it."""

import pytest

from addons.insights import views

from .screens import (
    RECORDS,
    intake,
    list_count,
    list_references,
    populate,
)

pytestmark = pytest.mark.django_db

def test_the_list_shows_facts_and_links_to_the_records(english, places, manager):
    populate(places)
    english.force_login(manager)
    response = english.get(RECORDS, intake())
    assert response.status_code == 200
    html = response.content.decode()
    assert list_count(html) == 5
    assert "5 records" in html
    for heading in ("reference", "service", "addressee", "category", "district", "channel",
                    "received", "due", "first resolved", "state", "overdue"):
        assert f"<th scope=\"col\">{heading}</th>" in html
    assert 'href="/admin/test-records/' in html
    # the add-on's labels, the addressee's title
    assert "Potholes" in html and "North end" in html and "Telephone" in html
    assert "North roads" in html
    # facts only: the list's columns are those above, nothing of a record's content
    assert "subject" not in html.lower()
    # a bar's list says what it is narrowed to
    html = english.get(RECORDS, intake(channel="phone")).content.decode()
    assert list_count(html) == 2 and "channel: Telephone" in html


def test_every_page_of_a_long_list(english, places, manager, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    populate(places)
    english.force_login(manager)
    seen = []
    for number in (1, 2, 3):
        html = english.get(RECORDS, intake(p=str(number))).content.decode()
        assert list_count(html) == 5
        seen += list_references(html)
    assert len(seen) == len(set(seen)) == 5


@pytest.mark.parametrize("bad, message", [
    ({"figure": "no_such_figure"}, "There is no such figure."),
    ({"figure": ""}, "There is no such figure."),
    ({"within": "999999"}, "There is no such addressee in this municipality."),
    ({"within": "abc"}, "There is no such addressee in this municipality."),
    ({"addressee": "abc"}, "This addressee is not one of this municipality"),
    ({"week": "2001-01-01"}, "This week is not in the period."),
    ({"channel": "pigeon"}, "This channel is not one of this municipality"),
    ({"end": "2020-01-01"}, ""),
    ({"start": "yesterday"}, "Enter a valid date."),
])
def test_bad_drill_values_get_a_clear_400(english, places, manager, bad, message):
    english.force_login(manager)
    response = english.get(RECORDS, intake(**bad))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html
    assert message in html


def test_another_towns_addressee_is_refused(english, places, manager):
    populate(places)
    english.force_login(manager)
    for bad in ({"addressee": str(places.parks.pk)}, {"within": str(places.parks.pk)}):
        response = english.get(RECORDS, intake(**bad))
        assert response.status_code == 400, bad
        assert 'role="alert"' in response.content.decode()


def test_only_those_who_may_look_get_the_list(english, places, manager, roads_clerk, nobody):
    populate(places)
    english.force_login(nobody)
    assert english.get(RECORDS, intake()).status_code == 403
    english.force_login(roads_clerk)
    assert english.get(RECORDS, intake()).status_code == 403  # the whole town: management
    assert english.get(RECORDS, intake(within=str(places.water.pk))).status_code == 403
    response = english.get(RECORDS, intake(within=str(places.roads.pk)))
    assert response.status_code == 200
    assert list_count(response.content.decode()) == 4
