"""The e-digest finds the forms of a word ("сніг" finds "снігу") in Ukrainian, Romanian,
Bulgarian and English, on SQLite as on PostgreSQL (the suite runs on both): the bulletin's
``search_stems`` is written on save and filled by a data migration for older bulletins."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from addons.bulletins import services, stemming
from addons.bulletins.models import Bulletin

from .conftest import make_bulletin, make_subscription

pytestmark = pytest.mark.django_db

DIGEST = reverse("bulletins:digest")


def titles(response):
    return [bulletin.title for bulletin in response.context["bulletins"]]


@pytest.fixture
def forms(roads):
    now = timezone.now()
    return [
        make_bulletin(roads, "Через сильний снігоопад дороги розчищають",
                      body="<p>Комунальники вивезли 300 тонн снігу з вулиць міста.</p>",
                      published=now - timedelta(hours=1)),
        make_bulletin(roads, "Lucrările de reparație a drumurilor continuă",
                      body="<p>Iluminatul public de pe străzile centrale este înlocuit.</p>",
                      published=now - timedelta(hours=2)),
        make_bulletin(roads, "Почистване на снега по улиците",
                      body="<p>Снегорините работят денонощно.</p>",
                      published=now - timedelta(hours=3)),
        make_bulletin(roads, "Ремонт під’їздів у будинках на вулиці Шевченка",
                      published=now - timedelta(hours=4), tags=["ремонти"]),
        make_bulletin(roads, "Parks reopened after the storms",
                      published=now - timedelta(hours=5)),
    ]


@pytest.mark.parametrize("query, expected", [
    ("сніг", 0), ("снігу", 0), ("Снігом", 0), ("вулиці", 0),
    ("drum", 1), ("drumul", 1), ("lucrare", 1), ("iluminatului", 1),
    ("strazile", 1), ("reparatie", 1),
    ("сняг", 2), ("снегът", 2), ("улица", 2), ("улицата", 2),
    ("під’їзд", 3), ("підʼїзди", 3), ("ремонт", 3),
    ("storm", 4), ("park", 4), ("reopen", 4),
])
def test_a_word_finds_its_forms(client, forms, query, expected):
    found = titles(client.get(DIGEST, {"q": query}))
    assert forms[expected].title in found, (query, found)


def test_every_word_must_be_found(client, forms):
    assert titles(client.get(DIGEST, {"q": "снігу вулицях"})) == [forms[0].title]
    assert titles(client.get(DIGEST, {"q": "снігу drumurilor"})) == []


def test_unrelated_words_find_nothing(client, forms):
    for query in ("вода", "apă", "школа", "water"):
        assert titles(client.get(DIGEST, {"q": query})) == [], query


def test_search_stems_follow_edits(forms):
    bulletin = forms[4]
    assert " storm" in bulletin.search_stems
    bulletin.title = "Граблі й лопати для толоки"
    bulletin.save()
    bulletin.refresh_from_db()
    assert " лопат" in bulletin.search_stems and " storm" not in bulletin.search_stems
    assert services.digest(bulletin.site, services.DigestFilter(query="лопата")).count() == 1
    bulletin.summary = "Толока в парку"
    bulletin.save(update_fields=["summary"])
    bulletin.refresh_from_db()
    assert " толок" in bulletin.search_stems


def test_tags_are_searched_in_their_forms(client, forms):
    assert forms[3].title in titles(client.get(DIGEST, {"q": "ремонтів"}))


def test_the_data_migration_fills_older_bulletins(forms):
    from importlib import import_module

    from django.apps import apps

    Bulletin.objects.update(search_stems="")
    migration = import_module("addons.bulletins.migrations.0003_search_stems")
    migration.fill_search_stems(apps, None)
    for bulletin in forms:
        bulletin.refresh_from_db()
        assert bulletin.search_stems == bulletin.stems()
    assert " ремонт" in forms[3].search_stems  # the tag "ремонти" too


def test_subscriptions_match_word_forms(site, forms):
    subscription = make_subscription(site, query="сніг")
    facts = services.BulletinFacts.of(forms[0])
    assert services.matches(subscription, facts)
    subscription.query = "снігопаду"
    assert not services.matches(subscription, facts)  # "снігоопад" is another word
    subscription.query = "вулицях"
    assert services.matches(subscription, facts)


def test_stemmer_keeps_short_words_and_numbers():
    assert stemming.stem("вул") == "вул"
    assert stemming.stem("2026") == "2026"
    assert stemming.query_stems("Ştefan Ștefan") == ["stefan"]  # both Romanian s-forms
    assert stemming.index_text("") == ""


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
def test_postgresql_uses_the_full_text_index_too(client, forms):
    from django.db import connection as conn

    with conn.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = "
                       "'bulletins_bulletin' AND indexname = 'bulletins_search_stems_gin'")
        assert cursor.fetchone() is not None
        # the digest's expression is the indexed one
        site = forms[0].site
        with CaptureQueriesContext(conn) as captured:
            services.digest(site, services.DigestFilter(query="снігу"))
        # the matching ids are read from the indexes (the page then reads those rows)
        ids_sql = captured.captured_queries[-1]["sql"]
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {ids_sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "bulletins_search_stems_gin" in plan, plan
        assert "wagtailsear" in plan, plan
    # Wagtail's full-text entries still answer a word the stems would not give
    assert forms[4].title in titles(client.get(DIGEST, {"q": "reopened"}))
