"""Demo surveys: the default ones hung on addressee pages with ratings already given, a
consultation open to anyone, a closed one in the archive, and the opinion center page.
Idempotent: surveys are found again by site and key or title, answers seeded only once."""

from __future__ import annotations

import random
from datetime import timedelta
from types import SimpleNamespace

from django.utils import timezone

from . import services
from .models import (
    Audience,
    OpinionCenterPage,
    Question,
    QuestionKind,
    Response,
    Survey,
    SurveyCategory,
    SurveyPlacement,
)

TEXTS = {
    "uk": {
        "center": "Громадська думка",
        "categories": [("improvement", "Благоустрій міста"),
                       ("consultations", "Громадські обговорення"),
                       ("strategy", "Стратегія розвитку")],
        "park": ("Який сквер оновити першим?", "Центральний сквер\nСквер біля річки\n"
                 "Сквер Шевченка", "Що там має з’явитися?"),
        "strategy": ("Пріоритети стратегії розвитку до 2030 року",
                     "Дороги\nШколи та садочки\nГромадський транспорт\nЕнергоефективність"),
    },
    "ro": {
        "center": "Opinia publică",
        "categories": [("improvement", "Îmbunătățirea orașului"),
                       ("consultations", "Consultări publice"),
                       ("strategy", "Strategia de dezvoltare")],
        "park": ("Ce parc să fie renovat primul?", "Parcul Central\nParcul de lângă râu\n"
                 "Parcul Eminescu", "Ce ar trebui să apară acolo?"),
        "strategy": ("Prioritățile strategiei de dezvoltare până în 2030",
                     "Drumuri\nȘcoli și grădinițe\nTransport public\nEficiență energetică"),
    },
    "bg": {
        "center": "Обществено мнение",
        "categories": [("improvement", "Благоустройство на града"),
                       ("consultations", "Обществени консултации"),
                       ("strategy", "Стратегия за развитие")],
        "park": ("Кой парк да бъде обновен първи?", "Градската градина\nПаркът край реката\n"
                 "Паркът „Христо Ботев“", "Какво трябва да има там?"),
        "strategy": ("Приоритети на плана за развитие до 2030 г.",
                     "Улици и тротоари\nУчилища и детски градини\nОбществен транспорт\n"
                     "Енергийна ефективност"),
    },
}
#: addressee pages that get the default surveys (the first ones of the catalog)
RATED_PAGES = 8


def _texts(site):
    from addons.core.models import SiteProfile

    return TEXTS.get(SiteProfile.for_site(site).default_language, TEXTS["uk"])


def _person(n: int):
    """A stand-in citizen for seeded anonymous answers: only its id is digested."""
    return SimpleNamespace(pk=f"demo-{n}", is_authenticated=True)


def _seed(survey, page, count, rng, make_items):
    for n in range(count):
        scope = page.pk if page else 0
        key = f"{survey.pk}-{scope}-{n}"
        try:
            services.submit(survey, make_items(rng), user=_person(key),
                            browser_id=f"demo-{key}", addressee=page,
                            now=timezone.now() - timedelta(days=rng.randint(0, 60)))
        except services.AlreadyAnswered:
            pass


def load_demo(site) -> int:
    """Create the demo surveys on ``site``. Returns how many surveys were created."""
    from addons.addressees.models import AddresseePage

    texts = _texts(site)
    rng = random.Random(site.pk)
    categories = {}
    for order, (slug, name) in enumerate(texts["categories"]):
        categories[slug], _created = SurveyCategory.objects.get_or_create(
            site=site, slug=slug, defaults={"name": name, "sort_order": order})
    defaults = {survey.key: survey for survey in services.create_default_surveys(site)}
    quality = defaults["quality"]
    pages = list(AddresseePage.objects.live().descendant_of(site.root_page)
                 .order_by("path")[:RATED_PAGES])
    questions = services.questions_of(quality)
    stars = next(q for q in questions if q.kind == QuestionKind.STARS)
    matrix = next(q for q in questions if q.kind == QuestionKind.MATRIX)
    yes_no = next(q for q in questions if q.kind == QuestionKind.YES_NO)

    def rating(rng_):
        base = rng_.choice([5, 5, 4, 4, 4, 3, 2])
        return {stars.pk: base, yes_no.pk: int(base >= 3),
                matrix.pk: {row.pk: max(1, min(5, base + rng_.randint(-1, 1)))
                            for row in matrix.rows.all()}}

    for index, page in enumerate(pages):
        placed = list(defaults.values()) if index < 2 else [quality]
        for order, survey in enumerate(placed):
            if not SurveyPlacement.objects.filter(page=page, survey=survey).exists():
                SurveyPlacement.objects.create(page=page, survey=survey, sort_order=order)
        if not Response.objects.filter(survey=quality, scope=page.pk).exists():
            _seed(quality, page, rng.randint(6, 14), rng, rating)

    created = 0
    title, options, question = texts["park"]
    park = Survey.objects.filter(site=site, title=title).first()
    if park is None:
        created += 1
        park = Survey.objects.create(
            site=site, title=title, category=categories["improvement"],
            audience=Audience.ANYONE, closes_at=timezone.now() + timedelta(days=30))
        choice = Question.objects.create(survey=park, sort_order=0, kind=QuestionKind.SINGLE,
                                         text=title, choices=options)
        Question.objects.create(survey=park, sort_order=1, kind=QuestionKind.LONG_TEXT,
                                text=question, required=False)
        ids = [option.pk for option in choice.options.all()]
        _seed(park, None, 23, rng, lambda r: {choice.pk: r.choice(ids)})

    title, options = texts["strategy"]
    strategy = Survey.objects.filter(site=site, title=title).first()
    if strategy is None:
        created += 1
        strategy = Survey.objects.create(site=site, title=title,
                                         category=categories["strategy"],
                                         audience=Audience.CITIZENS)
        choice = Question.objects.create(survey=strategy, sort_order=0,
                                         kind=QuestionKind.MULTIPLE, text=title,
                                         choices=options)
        ids = [option.pk for option in choice.options.all()]
        _seed(strategy, None, 31, rng, lambda r: {choice.pk: r.sample(ids, r.randint(1, 2))})
        Survey.objects.filter(pk=strategy.pk).update(
            closes_at=timezone.now() - timedelta(days=3))

    if not OpinionCenterPage.objects.descendant_of(site.root_page).exists():
        site.root_page.add_child(instance=OpinionCenterPage(
            title=texts["center"], slug="opinion", show_in_menus=True))
    return created
