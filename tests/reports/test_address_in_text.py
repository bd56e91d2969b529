"""An address anywhere in a citizen's sentence (``geocoding.find_address``): inflected
forms, the usual street-kind words, another alphabet, missing diacritics, one-letter typos;
each town finds its own register's streets only."""

import pytest

from addons.reports.geocoding import find_address
from addons.reports.models import Street
from tests.conftest import add_town

pytestmark = pytest.mark.django_db


@pytest.fixture
def towns(site):
    """A Ukrainian, a Romanian and a Bulgarian town, each with its own streets."""
    ro = add_town("ro.example.org", "Valea", slug="valea", jurisdiction="ro", language="ro")
    bg = add_town("bg.example.org", "Бяла", slug="byala", jurisdiction="bg", language="bg")
    rows = {
        site: [("Городоцька", "вул.", "Horodotska"), ("Садова", "вул.", "Sadova"),
               ("Івана Франка", "вул.", "Ivana Franka"), ("Світла", "вул.", "Svitla"),
               ("Героїв Майдану", "вул.", "Heroiv Maidanu")],
        ro: [("Florilor", "Strada", ""), ("Libertății", "Strada", "Libertatii"),
             ("Mihai Eminescu", "Strada", "Eminescu")],
        bg: [("„Раковски“", "ул.", "Раковски\nRakovski"), ("Витоша", "бул.", "Vitosha"),
             ("Цар Симеон", "ул.", "Tsar Simeon")],
    }
    for town, streets in rows.items():
        for number, (name, kind, aliases) in enumerate(streets):
            Street.objects.create(site=town, name=name, kind=kind, aliases=aliases,
                                  lat=45 + number / 100, lng=25 + number / 100)
    return {"uk": site, "ro": ro, "bg": bg}


def _found(text, site):
    result = find_address(text, site)
    return None if result is None else result.address


@pytest.mark.parametrize(("lang", "text", "address"), [
    ("uk", "Велика яма на Городоцькій біля 15", "вул. Городоцька, 15"),
    ("uk", "вул. Городоцька, 15 - розбитий асфальт", "вул. Городоцька, 15"),
    ("uk", "яма на вулиці Городоцькій", "вул. Городоцька"),
    ("uk", "на Городоцкой 7 не горит фонарь", "вул. Городоцька, 7"),  # surzhyk
    ("uk", "yama na vul. Horodotskii 12", "вул. Городоцька, 12"),  # Latin letters
    ("uk", "смітник переповнений на Гродоцькій 3", "вул. Городоцька, 3"),  # typo
    ("uk", "на Садовій, будинок 4а прорвало трубу", "вул. Садова, 4а"),
    ("uk", "ліхтар не світить на Франка 3", "вул. Івана Франка, 3"),
    ("uk", "Героїв Майдану 10 гілка впала", "вул. Героїв Майдану, 10"),
    ("ro", "groapă mare pe strada Florilor nr. 15", "Strada Florilor, 15"),
    ("ro", "str. Florilor 15, canal infundat", "Strada Florilor, 15"),
    ("ro", "gunoi lângă Florilor 15", "Strada Florilor, 15"),
    ("ro", "groapa pe strada Libertatii", "Strada Libertății"),  # no diacritics
    ("ro", "bec ars pe Libertăţii 8", "Strada Libertății, 8"),  # cedilla
    ("ro", "pe Eminesku 4 e un stalp cazut", "Strada Mihai Eminescu, 4"),  # typo
    ("bg", "дупка на ул. Раковски 15", "ул. „Раковски“, 15"),
    ("bg", "бул. Витоша, не свети лампата", "бул. Витоша"),
    ("bg", "dupka na ul. Rakovski 15", "ул. „Раковски“, 15"),  # Latin letters
    ("bg", "na bul. Vitosha 3 ne sveti", "бул. Витоша, 3"),
    ("bg", "боклук на Цар Симеон", "ул. Цар Симеон"),
])
def test_street_in_a_sentence(towns, lang, text, address):
    assert _found(text, towns[lang]) == address


@pytest.mark.parametrize(("lang", "text"), [
    ("uk", "не горить світло біля під'їзду"),  # "світло" is not Світла street without a sign
    ("uk", "яма біля школи, глибока"),
    ("ro", "groapă mare lângă școală"),
    ("bg", "дупка пред училището"),
    ("uk", ""),
])
def test_no_street_is_none(towns, lang, text):
    assert find_address(text, towns[lang]) is None


def test_another_towns_street_is_not_found(towns):
    assert find_address("groapă pe strada Florilor nr. 15", towns["uk"]) is None
    assert find_address("на Городоцькій біля 15", towns["bg"]) is None
    assert find_address("дупка на ул. Раковски 15", towns["ro"]) is None


def test_the_point_is_the_streets_and_a_number_is_not_a_duration(towns):
    street = Street.objects.get(site=towns["uk"], name="Садова")
    result = find_address("на Садовій 2 тижні не вивозять сміття", towns["uk"])
    assert (result.lat, result.lng, result.address, result.street) == (
        street.lat, street.lng, "вул. Садова", street.pk)


def test_a_new_street_is_found_at_once(towns):
    assert find_address("яма на Вишневій 5", towns["uk"]) is None
    Street.objects.create(site=towns["uk"], name="Вишнева", kind="вул.", lat=45.5, lng=25.5)
    assert find_address("яма на Вишневій 5", towns["uk"]).address == "вул. Вишнева, 5"


def test_the_index_is_kept_between_messages(towns, django_assert_num_queries):
    find_address("на Садовій 4", towns["uk"])
    with django_assert_num_queries(0):
        assert find_address("на Садовій 5", towns["uk"]).address == "вул. Садова, 5"
