"""Admin registrations of the management figures: the screens under /admin/insights/, the
"Figures" menu item and the targets' screens. No logic lives here (see views.py, targets
in ``TargetViewSet``)."""

from django.urls import include, path, reverse_lazy
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.viewsets.model import ModelViewSet

from addons.core.admin_menu import StaffMenuItem

from .forms import TargetForm
from .models import Target
from .views import TargetCreateView, TargetDeleteView, TargetEditView, TargetIndexView


@hooks.register("register_admin_urls")
def register_insights_admin_urls():
    return [path("insights/", include("addons.insights.admin_urls",
                                      namespace="insights-admin"))]


class FiguresMenuItem(StaffMenuItem):
    """Shown to management and to the staff of an addressee of the town worked on."""

    #: seconds the answer is kept per user and town: the menu is drawn on every admin page
    #: and the answer costs three queries; the screens check the rights themselves
    KEEP = 60

    def is_shown(self, request):
        from django.core.cache import cache

        from addons.core.casework.desk import work_site

        from .access import may_open

        if not self.allowed(request.user):
            return False
        # the town worked on follows from the user and the host name
        key = f"insights:menu:{request.user.pk}:{request.get_host()}"
        shown = cache.get(key)
        if shown is None:
            shown = may_open(request.user, work_site(request))
            cache.set(key, shown, self.KEEP)
        return shown


def _staff(user) -> bool:
    return bool(user.is_active and (user.is_superuser
                                    or user.has_perm("wagtailadmin.access_admin")))


@hooks.register("register_admin_menu_item")
def register_figures_menu_item():
    return FiguresMenuItem(_("Figures"), reverse_lazy("insights-admin:dashboard"),
                           allowed=_staff, name="insights-figures", icon_name="table",
                           order=260)


class TargetViewSet(ModelViewSet):
    model = Target
    icon = "tick-inverse"
    add_to_admin_menu = False
    name = "insights-targets"
    list_display = ["figure", "record_type", "addressee", "green", "amber"]
    edit_handler = ObjectList([
        FieldPanel("figure"), FieldPanel("record_type"), FieldPanel("addressee"),
        FieldPanel("green"), FieldPanel("amber"),
    ], base_form_class=TargetForm)
    index_view_class = TargetIndexView
    add_view_class = TargetCreateView
    edit_view_class = TargetEditView
    delete_view_class = TargetDeleteView


@hooks.register("register_admin_viewset")
def register_targets_viewset():
    return TargetViewSet()


@hooks.register("register_admin_viewset")
def register_schedules_viewset():
    from .schedules_admin import ReportScheduleViewSet

    return ReportScheduleViewSet()
