"""What the classifier learns from: the seed set, the city's routed reports and its
categories' own names and keywords; and the held-out set it is measured on."""

from __future__ import annotations

import logging
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import yaml
from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldError
from django.db import DatabaseError
from django.db.models import Q

from addons.reports.spelling import skeleton

logger = logging.getLogger(__name__)

#: statuses of reports nobody on the staff has looked at yet, or that were thrown out
UNCONFIRMED_STATUSES = ("new", "rejected")
#: the most recent routed reports a model learns from (keeps nightly training bounded)
DEFAULT_MAX_REPORTS = 20_000


def fixtures_dir() -> Path:
    root = Path(getattr(settings, "ROOT_DIR", Path(__file__).resolve().parents[3]))
    return root / "fixtures" / "reports" / "triage"


def seed_path() -> Path:
    return Path(getattr(settings, "CIVICDESK_REPORTS_TRIAGE_SEED", fixtures_dir() / "seed.yaml"))


def normalize(text: str) -> str:
    """Lower case, diacritics and apostrophes dropped, spaces collapsed: "ş", "ș" and "s"
    count as one letter, as do the typed and untyped forms of a word."""
    text = unicodedata.normalize("NFKD", str(text).lower())
    text = "".join(char for char in text if not unicodedata.combining(char))
    text = re.sub(r"[’'ʼ`´]", "", text)
    return re.sub(r"\s+", " ", text).strip()


#: Russian words (and the surzhyk forms) citizens use for what the seed set says in
#: Ukrainian: both are read, so a report in either is understood alike
RUSSIAN_WORDS = {
    "мусор": "сміття", "мусора": "сміття", "мусорка": "смітник", "мусорный": "сміттєвий",
    "свалка": "звалище", "свалку": "звалище", "мешки": "мішки", "вывозят": "вивозять",
    "вывезли": "вивезли", "воняет": "смердить", "крысы": "щури", "крыса": "щур",
    "мыши": "миші", "тараканы": "таргани", "клещи": "кліщі", "клещ": "кліщ",
    "насекомые": "комахи", "грызуны": "гризуни", "подвал": "підвал", "подвале": "підвалі",
    "фонарь": "ліхтар", "фонари": "ліхтарі", "фонаря": "ліхтаря", "свет": "світло",
    "горит": "горить", "горят": "горять", "светит": "світить", "темно": "темно",
    "светофор": "світлофор", "перекресток": "перехрестя", "перекрестке": "перехресті",
    "переходе": "переході", "улица": "вулиця", "улице": "вулиці", "дороге": "дорозі",
    "ямы": "ями", "яму": "яму", "колесо": "колесо", "подвеску": "підвіску",
    "тротуаре": "тротуарі", "плитка": "плитка", "колодец": "колодязь", "крышки": "кришки",
    "крышка": "кришка", "открытый": "відкритий", "воды": "води", "нет": "немає",
    "течет": "тече", "кран": "кран", "кране": "крані", "трубу": "трубу", "трубы": "труби",
    "порыв": "прорив", "прорвало": "прорвало", "лужа": "калюжа", "затопило": "затопило",
    "давление": "тиск", "собаки": "собаки", "псы": "пси", "бродячие": "безпритульні",
    "бездомные": "безпритульні", "стая": "зграя", "стаей": "зграєю", "покусали": "покусали",
    "укусила": "вкусила", "шум": "шум", "шумят": "шумлять", "громкая": "гучна",
    "музыка": "музика", "ночью": "вночі", "ночам": "ночах", "спать": "спати",
    "машина": "машина", "машины": "машини", "паркуются": "паркуються",
    "припарковали": "припаркували", "парковка": "паркування", "газоне": "газоні",
    "стройка": "будівництво", "строят": "будують", "построили": "побудували",
    "разрешения": "дозволу", "документов": "документів", "забор": "паркан",
    "гараж": "гараж", "ветка": "гілка", "ветки": "гілки", "дерево": "дерево",
    "кусты": "кущі", "траву": "траву", "косят": "косять", "скамейка": "лавка",
    "скамейку": "лавку", "качели": "гойдалка", "горка": "гірка", "площадка": "майданчик",
    "площадке": "майданчику", "остановка": "зупинка", "остановке": "зупинці",
    "стекло": "скло", "сломали": "зламали", "сломан": "зламаний", "разбит": "розбитий",
    "лесополосе": "посадці", "уже": "вже", "когда": "коли", "опять": "знову",
}


_WORDS = re.compile(r"[^\W_]+")


def features(text: str) -> str:
    """What the classifier reads of a text: its normalised words, then each word's Latin
    skeleton (``addons.reports.spelling``: the same for "ліхтар", "lihtar", "likhtar"),
    then the Ukrainian word for a Russian one. Character n-grams of all three."""
    words = _WORDS.findall(normalize(text))
    extra = [RUSSIAN_WORDS[word] for word in words if word in RUSSIAN_WORDS]
    latin = [skeleton(word) for word in words + extra]
    return " ".join([*words, *extra, *(word for word in latin if word)])


@lru_cache(maxsize=4)
def _load_seed(path: str) -> tuple[tuple[str, str, str], ...]:
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    rows = []
    for code, languages in data.items():
        for lang, texts in (languages or {}).items():
            rows.extend((str(text), str(code), str(lang)) for text in texts or ())
    return tuple(rows)


def seed_paths() -> list[Path]:
    """The seed set, and its chat-style companion (``seed_chat.yaml`` beside it) if any."""
    main = seed_path()
    chat = main.with_name("seed_chat.yaml")
    return [main, chat] if chat.exists() and chat != main else [main]


def _seed_rows() -> list[tuple[str, str, str]]:
    return [row for path in seed_paths() for row in _load_seed(str(path))]


def seed_examples() -> list[tuple[str, str]]:
    """``[(text, code)]`` of the seed set."""
    return [(text, code) for text, code, _lang in _seed_rows()]


def seed_codes() -> list[str]:
    return sorted({code for _text, code, _lang in _seed_rows()})


def chat_heldout_path() -> Path:
    """The held-out chat messages (slang, surzhyk, Latin letters, no diacritics, typos)."""
    return fixtures_dir() / "heldout_chat.yaml"


def load_heldout(path: Path | None = None) -> list[dict]:
    """``[{"lang", "code", "text"}]`` of the held-out set (never trained on)."""
    with open(path or fixtures_dir() / "heldout.yaml", encoding="utf-8") as handle:
        return [dict(row) for row in yaml.safe_load(handle) or []]


def _model(name: str):
    try:
        return apps.get_model("reports", name)
    except LookupError:
        return None


def report_examples(site=None, limit: int | None = None) -> list[tuple[str, str]]:
    """``[(description, category code)]`` of reports staff have routed or corrected, most
    recent first. Reports still new (nobody looked at them) and rejected ones are left out,
    unless their category was corrected."""
    Report, ReportUpdate = _model("Report"), _model("ReportUpdate")
    if Report is None:
        return []
    limit = limit or getattr(settings, "CIVICDESK_REPORTS_TRIAGE_MAX_REPORTS", DEFAULT_MAX_REPORTS)
    try:
        reviewed = ~Q(status__code__in=UNCONFIRMED_STATUSES)
        if ReportUpdate is not None:
            corrected = ReportUpdate.objects.filter(kind="category").values("report_id")
            reviewed |= Q(pk__in=corrected)
        rows = Report.objects.filter(reviewed, category__isnull=False).exclude(description="")
        if site is not None:
            rows = rows.filter(site=site)
        rows = rows.order_by("-created_at", "-pk").values_list("description", "category__code")
        return [(text, code) for text, code in rows[:limit] if text and code]
    except (DatabaseError, FieldError) as error:  # tables not migrated yet, or a schema change
        logger.warning("Triage: reports not read (%s); learning from the seed set only.", error)
        return []


def category_examples(site=None) -> list[tuple[str, str]]:
    """The active categories' names (every language) and keywords, one example each: how a
    city's own new category gets suggested before any report of it was routed."""
    ReportCategory = _model("ReportCategory")
    if ReportCategory is None:
        return []
    try:
        rows = ReportCategory.objects.filter(is_active=True)
        if site is not None:
            rows = rows.filter(site=site)
        examples = []
        for category in rows.only("code", "name", "names", "keywords"):
            if "." not in category.code:  # a group, not something to report
                continue
            names = [category.name, *(category.names or {}).values(), category.keywords]
            examples.extend((str(name), category.code) for name in names if name)
        return examples
    except (DatabaseError, FieldError) as error:
        logger.warning("Triage: categories not read (%s).", error)
        return []


def active_codes(site) -> set[str] | None:
    """The codes a site can receive reports in; None when the site has no categories yet
    (a fresh database: every seed code is offered)."""
    ReportCategory = _model("ReportCategory")
    if ReportCategory is None or site is None:
        return None
    try:
        rows = list(ReportCategory.objects.filter(site=site).values_list("code", "is_active"))
    except DatabaseError:
        return None
    if not rows:
        return None
    return {code for code, is_active in rows if is_active and "." in code}
