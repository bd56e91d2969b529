"""What the classifier reads of a chat message (``triage.data.features``, ``spelling``) and
the chat-style data it learns from and is measured on. Accuracy itself is a benchmark
figure (``tests/perf/triage_bench.py``), not asserted here."""

from collections import Counter

import pytest

from addons.reports.spelling import skeleton
from addons.reports.triage import data


@pytest.mark.parametrize(("typed", "same_as"), [
    ("ліхтар", "lihtar"),  # Ukrainian in Latin letters, х as h
    ("ліхтар", "likhtar"),  # х as kh
    ("ЛІХТАР", "ліхтар"),
    ("щури", "shchury"),
    ("Київська", "Kyivska"),
    ("може", "moje"),  # Bulgarian chat Latin: j for ж
    ("пътя", "patya"),  # ъ as a
    ("тарифа", "tarifa"),
    ("șobolani", "sobolani"),  # Romanian without diacritics
    ("şobolani", "sobolani"),  # the cedilla form
    ("Грушевського", "Hrushevskoho"),
])
def test_one_skeleton_whatever_the_alphabet(typed, same_as):
    assert skeleton(typed) == skeleton(same_as)


def test_skeleton_keeps_different_words_apart():
    assert skeleton("сміття") != skeleton("світло")
    assert skeleton("gunoi") == "gunoi"
    assert skeleton("") == ""


def test_features_add_the_skeleton_and_the_ukrainian_word():
    words = data.features("Мусор не вывозят!").split()
    assert words[:3] == ["мусор", "не", "вывозят"]
    assert "сміття" in words and "вивозять" in words  # the Ukrainian words
    assert skeleton("сміття") in words and skeleton("мусор") in words
    assert data.features("musor").split() == ["musor", "musor"]


def test_seed_includes_the_chat_style_examples():
    paths = data.seed_paths()
    assert [path.name for path in paths] == ["seed.yaml", "seed_chat.yaml"]
    texts = {text for text, _code in data.seed_examples()}
    assert "yama na dorozi, ne proyikhaty, vsi kolesa pobyly" in texts
    assert set(data.seed_codes()) == {code for _text, code in data.seed_examples()}


def test_chat_heldout_is_never_trained_on():
    rows = data.load_heldout(data.chat_heldout_path())
    per_language = Counter(row["lang"] for row in rows)
    assert all(per_language[lang] >= 60 for lang in ("uk", "ro", "bg"))
    assert {row["code"] for row in rows} <= set(data.seed_codes())
    seed = {data.normalize(text) for text, _code in data.seed_examples()}
    assert not [row["text"] for row in rows if data.normalize(row["text"]) in seed]
