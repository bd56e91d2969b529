"""Admin registrations of surveys: the Survey and category snippets, the results screens.
No logic lives here."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from addons.core.permissions import AddresseeScopedPermissionPolicy

from .models import Response, Survey, SurveyCategory


class ResultsPermissionPolicy(AddresseeScopedPermissionPolicy):
    """Answers: those who may read every result (``surveys.view_results``) view and publish
    every answer; an addressee's moderators those given on their addressees."""

    def _has_model_permission(self, user, action) -> bool:
        from .services import sees_all_results

        return super()._has_model_permission(user, action) or (
            action in self.moderator_actions and sees_all_results(user))


register_permission_policy(Response, ResultsPermissionPolicy(Response))


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


@hooks.register("register_log_actions")
def register_surveys_log_actions(actions):
    from .services import LOG_ACTIONS

    for action, label in LOG_ACTIONS.items():
        actions.register_action(action, label, label)
