import itertools

import pytest
from django.core.cache import cache
from django.utils import translation

from addons.addressees.models import AddresseeCatalogPage, AddresseePage
from addons.surveys.models import Audience, Question, QuestionKind, Survey, SurveyPlacement

_counter = itertools.count()


@pytest.fixture(autouse=True)
def _english(client):
    """Messages are checked in English, in requests and in direct service calls; rate
    limits count in the cache, which starts empty."""
    cache.clear()
    client.cookies["civicdesk_language"] = "en"
    with translation.override("en"):
        yield client
    cache.clear()


@pytest.fixture
def catalog(home):
    return home.add_child(instance=AddresseeCatalogPage(title="Addressees", slug="catalog"))


@pytest.fixture
def addressee(catalog):
    return catalog.add_child(instance=AddresseePage(title="Service center", slug="cnap"))


@pytest.fixture
def other_addressee(catalog):
    return catalog.add_child(instance=AddresseePage(title="Social department", slug="social"))


def make_survey(site, *, audience=Audience.CITIZENS, anonymous=True, min_group_size=1,
                **kwargs):
    survey = Survey.objects.create(site=site, title=kwargs.pop("title", "Quality"),
                                   audience=audience, anonymous=anonymous,
                                   min_group_size=min_group_size, **kwargs)
    return survey


def add_question(survey, kind, text=None, *, required=True, choices="", **kwargs):
    order = survey.questions.count()
    return Question.objects.create(survey=survey, sort_order=order, kind=kind,
                                   text=text or f"Question {order}", required=required,
                                   choices=choices, **kwargs)


@pytest.fixture
def survey(site):
    """Every kind of question: stars, single, multiple, scale, yes/no, matrix, texts."""
    survey = make_survey(site)
    add_question(survey, QuestionKind.STARS, "How was the service?")
    add_question(survey, QuestionKind.SINGLE, "Why did you come?",
                 choices="Passport\nCertificate\nOther", required=False)
    add_question(survey, QuestionKind.MULTIPLE, "What was good?",
                 choices="Speed\nPoliteness\nCompetence", required=False)
    add_question(survey, QuestionKind.SCALE, "Would you recommend us?", required=False,
                 scale_min=0, scale_max=10)
    add_question(survey, QuestionKind.YES_NO, "Did you get what you came for?",
                 required=False)
    add_question(survey, QuestionKind.MATRIX, "Rate each aspect", required=False,
                 choices="Waiting time\nPoliteness", scale_min=1, scale_max=5)
    add_question(survey, QuestionKind.LONG_TEXT, "What could we do better?", required=False)
    return survey


@pytest.fixture
def placed(survey, addressee):
    SurveyPlacement.objects.create(page=addressee, survey=survey, sort_order=0)
    return survey


def q(survey, kind):
    return survey.questions.filter(kind=kind).order_by("sort_order").first()


@pytest.fixture
def make_citizen(django_user_model):
    def make(**kwargs):
        n = next(_counter)
        options = {"username": f"citizen{n}", "email": f"citizen{n}@example.org",
                   "full_name": f"Olena Citizen {n}"}
        options.update(kwargs)
        return django_user_model.objects.create_user(password="pw-12345-long", **options)

    return make


@pytest.fixture
def citizen(make_citizen):
    return make_citizen()


def stars_items(survey, value):
    return {q(survey, QuestionKind.STARS).pk: value}
