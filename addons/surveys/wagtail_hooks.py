"""Admin registrations of surveys: the Survey and category snippets, the results screens.
No logic lives here."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .models import Survey, SurveyCategory


class SurveyViewSet(SnippetViewSet):
    model = Survey
    icon = "form"
    menu_label = _("Surveys")
    list_display = ["title", "category", "audience", "closes_at", "closed"]
    list_filter = ["audience", "closed", "category"]
    search_fields = ["title"]


class SurveyCategoryViewSet(SnippetViewSet):
    model = SurveyCategory
    icon = "folder-open-inverse"
    menu_label = _("Survey categories")
    list_display = ["name", "slug", "site"]


class SurveysGroup(SnippetViewSetGroup):
    menu_label = _("Surveys")
    menu_icon = "form"
    menu_order = 250
    items = (SurveyViewSet, SurveyCategoryViewSet)


register_snippet(SurveysGroup)


@hooks.register("register_admin_urls")
def register_survey_results_urls():
    from .admin_views import admin_urls

    return admin_urls()


@hooks.register("register_admin_menu_item")
def register_survey_results_menu():
    from .admin_views import results_menu_item

    return results_menu_item()


@hooks.register("before_delete_snippet")
def keep_answered_surveys(request, instances):
    from .admin_views import refuse_deleting_answered

    return refuse_deleting_answered(request, instances)
