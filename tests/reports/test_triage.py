"""The report classifier: data sets, the command, suggestions, retraining, persistence."""

import io

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError

from addons.reports import triage
from addons.reports.triage import data
from addons.reports.triage.ngram import NgramClassifier, site_key

CODES = {
    "roads.pothole", "roads.sidewalk", "roads.traffic_signal", "lighting.street",
    "furniture.urban", "waste.uncollected", "waste.illegal_dumping", "green.neglected",
    "pest.control", "water.network_failure", "water.leak", "water.manhole", "water.supply",
    "order.illegal_parking", "animals.stray_dogs", "order.noise", "construction.illegal",
}
POSTERS = [
    "Оголошення наклеєні на всіх стовпах у центрі",
    "Незаконна реклама розклеєна на зупинці і стовпах",
    "Afișe lipite ilegal pe toți stâlpii din centru",
    "Reclame lipite pe stâlpi și pe stația de autobuz",
    "Обяви залепени по всички стълбове в центъра",
    "Posters glued to every lamp post in the centre",
]


@pytest.fixture(autouse=True)
def _triage(settings, tmp_path):
    """Each test: its own model directory, fresh back-end instances."""
    settings.CIVICDESK_REPORTS_TRIAGE_DIR = str(tmp_path / "triage")
    triage._classifiers.clear()
    yield
    triage._classifiers.clear()


# -- data sets -----------------------------------------------------------------------------


def test_seed_covers_every_contract_code_in_every_language():
    rows = data._load_seed(str(data.seed_path()))
    assert {code for _t, code, _l in rows} == CODES
    for code in CODES:
        languages = [lang for _t, c, lang in rows if c == code]
        assert {"uk", "ro", "bg", "en"} <= set(languages)
        assert len(languages) >= 15


def test_heldout_is_apart_from_the_seed_and_covers_the_categories():
    rows = data.load_heldout()
    seed = {data.normalize(text) for text, _code in data.seed_examples()}
    assert not [row["text"] for row in rows if data.normalize(row["text"]) in seed]
    for lang in ("uk", "ro", "bg"):
        mine = [row for row in rows if row["lang"] == lang]
        assert len(mine) >= 15
        assert {row["code"] for row in mine} == CODES
    assert {row["code"] for row in rows} <= CODES


def test_normalize_drops_case_diacritics_and_apostrophes():
    assert data.normalize("  Groapă  ŞI   groapa ") == "groapa si groapa"
    assert data.normalize("під’їзд") == data.normalize("під'їзд") == data.normalize("підїзд")


# -- the command ---------------------------------------------------------------------------


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("classify_report", *args, stdout=out, stderr=err)
    return out.getvalue().splitlines()


@pytest.mark.django_db
def test_command_prints_top_three_then_the_best_code_on_a_fresh_database():
    lines = run("E o groapă mare pe strada Florilor, lângă nr. 15")
    assert len(lines) == 4
    scores = [line.split("\t") for line in lines[:3]]
    codes = [code for code, _score in scores]
    values = [float(score) for _code, score in scores]
    assert codes[0] == "roads.pothole" and len(set(codes)) == 3 and set(codes) <= CODES
    assert values == sorted(values, reverse=True) and 0 < values[0] <= 1
    assert lines[-1] == "roads.pothole"


@pytest.mark.django_db
@pytest.mark.parametrize("text, code", [
    ("Не працює вуличне освітлення біля під'їзду", "lighting.street"),
    ("Няма вода в целия квартал от сутринта", "water.supply"),
    ("Câini fără stăpân latră toată noaptea lângă bloc", "animals.stray_dogs"),
])
def test_command_in_other_languages(text, code):
    assert run(text)[-1] == code


@pytest.mark.django_db
def test_command_limit_and_retrain():
    lines = run("Rats in the cellar", "--limit", "5", "--retrain")
    assert len(lines) == 6 and lines[-1] == "pest.control"


@pytest.mark.django_db
@pytest.mark.parametrize("args, message", [
    (("",), "The text is empty"),
    (("   ",), "The text is empty"),
    (("pothole", "--limit", "0"), "--limit must be at least 1"),
    (("pothole", "--site", "nowhere.example.org"), "No site"),
])
def test_command_errors(args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


@pytest.mark.django_db
def test_command_empty_text_exits_non_zero(capsys):
    from addons.reports.management.commands.classify_report import Command

    with pytest.raises(SystemExit) as exit_info:
        Command().run_from_argv(["manage.py", "classify_report", ""])
    assert exit_info.value.code != 0
    assert "The text is empty" in capsys.readouterr().err


# -- suggestions for a site ----------------------------------------------------------------


def test_suggest_empty_text_gives_nothing():
    assert triage.suggest("") == [] and triage.suggest("   ") == []
    assert triage.suggest(None) == []


@pytest.mark.django_db
def test_suggest_is_sorted_limited_and_capped(monkeypatch):
    seen = []
    classifier = triage.get_classifier()
    original = classifier.suggest

    def spy(text, **kwargs):
        seen.append(text)
        return original(text, **kwargs)

    monkeypatch.setattr(classifier, "suggest", spy)
    rows = triage.suggest("Overflowing bins " * 1000, limit=5)
    assert len(rows) == 5 and rows[0][0] == "waste.uncollected"
    assert [s for _c, s in rows] == sorted((s for _c, s in rows), reverse=True)
    assert len(seen[0]) == triage.MAX_TEXT_LENGTH


@pytest.mark.django_db
def test_suggestions_name_the_category_and_the_addressee(reports_site, addressee):
    from django.utils import translation

    with translation.override("en"):
        rows = triage.suggestions("Big pothole near house 15", site=reports_site)
    assert rows[0]["code"] == "roads.pothole"
    assert rows[0]["label"] == "Pothole"
    assert rows[0]["addressee"] == {"id": addressee.pk, "title": "Roads department",
                                    "url": addressee.url}
    assert set(rows[0]) == {"code", "label", "score", "addressee"}


@pytest.mark.django_db
def test_suggestions_without_categories_use_the_default_names(site):
    from django.utils import translation

    with translation.override("uk"):
        rows = triage.suggestions("Яма на дорозі", site=site)
    assert rows[0]["code"] == "roads.pothole"
    assert rows[0]["label"] == "Вибоїна на дорозі" and rows[0]["addressee"] is None


@pytest.mark.django_db
def test_inactive_categories_are_not_suggested(reports_site):
    from addons.reports.models import ReportCategory

    ReportCategory.objects.filter(site=reports_site, code="roads.pothole").update(is_active=False)
    codes = [code for code, _s in triage.suggest("Big pothole", site=reports_site, limit=17)]
    assert "roads.pothole" not in codes and codes


# -- learning from the city's reports ------------------------------------------------------


def _posters_category(site):
    from addons.reports.models import ReportCategory

    order = ReportCategory.objects.get(site=site, code="order")
    return ReportCategory.objects.create(site=site, parent=order, code="order.posters",
                                         name="Other")


def _file(make_report, category, texts, status="in_progress"):
    from addons.reports.models import Report
    from addons.reports.services import status as get_status

    reports = [make_report(description=text, category=category) for text in texts]
    Report.objects.filter(pk__in=[r.pk for r in reports]).update(status=get_status(status))
    return reports


@pytest.mark.django_db
def test_retraining_learns_from_routed_reports(reports_site, make_report):
    posters = _posters_category(reports_site)
    query = "Hтось обклеїв стовпи оголошеннями"
    assert triage.suggest(query, site=reports_site)[0][0] != "order.posters"
    _file(make_report, posters, POSTERS[:3], status="new")  # nobody looked at them yet
    assert triage.retrain(reports_site)["reports"] == 0
    _file(make_report, posters, POSTERS)
    figures = triage.retrain(reports_site)
    assert figures["reports"] == 6 and figures["seconds"] < 5
    assert triage.suggest(query, site=reports_site)[0][0] == "order.posters"


@pytest.mark.django_db
def test_a_correction_marks_the_model_stale_and_queues_retraining(
    reports_site, make_report, monkeypatch, django_capture_on_commit_callbacks
):
    from addons.reports.services import set_category

    posters = _posters_category(reports_site)
    reports = _file(make_report, posters, POSTERS[:5])
    classifier = triage.get_classifier()
    classifier.model(reports_site)
    queued = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda *a, **k: queued.append(a))
    with django_capture_on_commit_callbacks(execute=True):
        set_category(reports[0], posters.parent)  # the signal reaches the classifier
    assert classifier.is_stale(reports_site)
    assert queued == [("addons.reports.triage.tasks.retrain_site", reports_site.pk)]
    with django_capture_on_commit_callbacks(execute=True):
        triage.note_correction(reports[1])  # while one waits, more corrections queue nothing
    assert len(queued) == 1


@pytest.mark.django_db
def test_a_correction_retrains_through_the_task(
    reports_site, make_report, django_capture_on_commit_callbacks
):
    from addons.reports.services import set_category

    posters = _posters_category(reports_site)
    classifier = triage.get_classifier()
    assert classifier.model(reports_site)["reports"] == 0  # trained before the reports
    reports = _file(make_report, posters, POSTERS)
    with django_capture_on_commit_callbacks(execute=True):
        set_category(reports[0], posters)  # django-q2 runs the task at once in tests
    assert classifier.model(reports_site)["reports"] == 6
    assert not classifier.is_stale(reports_site)


@pytest.mark.django_db
def test_nightly_job_retrains_every_site(reports_site):
    from addons.core import registry
    from addons.reports.triage.tasks import retrain_all

    jobs = {job.name: job for job in registry.scheduled_jobs()}
    assert jobs["reports.triage.retrain"].func == "addons.reports.triage.tasks.retrain_all"
    figures = retrain_all()
    assert {"all", site_key(reports_site)} <= set(figures)


# -- persistence ---------------------------------------------------------------------------


def _no_training(monkeypatch):
    def fail(self, examples):
        raise AssertionError("trained again")

    monkeypatch.setattr(NgramClassifier, "fit", fail)


@pytest.mark.django_db
def test_a_trained_model_is_shared_through_the_cache_and_a_file(monkeypatch, tmp_path):
    first = NgramClassifier()
    first.retrain(None)
    expected = first.suggest("Semaforul nu merge", limit=3)
    assert list((tmp_path / "triage").glob("ngram-*-all.pickle"))

    _no_training(monkeypatch)
    other_host = NgramClassifier()
    assert other_host.suggest("Semaforul nu merge", limit=3) == expected
    cache.clear()  # the cache lost it (restart, eviction): the file still has it
    assert NgramClassifier().suggest("Semaforul nu merge", limit=3) == expected


@pytest.mark.django_db
def test_a_process_reloads_when_another_retrained(monkeypatch):
    mine, other = NgramClassifier(), NgramClassifier()
    mine.model(None)
    token = mine._loaded["all"][0]
    other.retrain(None)
    mine.model(None)
    assert mine._loaded["all"][0] != token
    assert mine._loaded["all"][0] == other._loaded["all"][0]


@pytest.mark.django_db
def test_an_unreadable_stored_model_is_trained_again(settings):
    classifier = NgramClassifier()
    key = classifier.store._cache_key("all", "model")
    cache.set(key, ("broken", b"not a model"), None)
    cache.set(classifier.store._cache_key("all", "token"), "broken", None)
    assert classifier.suggest("Pothole", limit=1)[0][0] == "roads.pothole"


@pytest.mark.django_db
def test_no_model_files_for_an_in_memory_database(settings):
    from addons.reports.triage.store import _in_memory_database

    if not _in_memory_database():
        pytest.skip("the suite runs on a database that outlives its process")
    del settings.CIVICDESK_REPORTS_TRIAGE_DIR
    assert NgramClassifier().store.directory() is None


# -- a pluggable back-end ------------------------------------------------------------------


class FixedClassifier:
    def suggest(self, text, *, site=None, limit=3):
        return [("order.noise", 0.9), ("roads.pothole", 0.1)][:limit]

    def retrain(self, site=None):
        return {"examples": 0, "reports": 0, "codes": 2, "seconds": 0}


@pytest.mark.django_db
def test_the_back_end_is_chosen_in_settings(settings):
    settings.CIVICDESK_REPORTS_CLASSIFIER = "tests.reports.test_triage.FixedClassifier"
    assert triage.suggest("Big pothole") == [("order.noise", 0.9), ("roads.pothole", 0.1)]
    assert isinstance(triage.get_classifier(), FixedClassifier)
