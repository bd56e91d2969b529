"""Admin screens of the addressee catalog: the moderators' feedback inbox."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.admin.ui.tables import BooleanColumn, DateColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet

from addons.core.permissions import ScopedIndexViewMixin, ScopedObjectViewMixin

from .models import FeedbackMessage


class FeedbackIndexView(ScopedIndexViewMixin, generic.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("addressee")


class FeedbackEditView(ScopedObjectViewMixin, generic.EditView):
    """Only "handled" can change here: through the desk's services (audit log)."""

    object_actions = ("change",)

    def save_instance(self):
        from . import services

        handled = bool(self.form.cleaned_data.get("handled"))
        stored = FeedbackMessage.objects.get(pk=self.object.pk)
        if stored.handled != handled:
            change = services.mark_feedback_handled if handled else services.reopen_feedback
            change(stored, self.request.user)
        return stored  # the service wrote the audit log entry


class FeedbackInspectView(ScopedObjectViewMixin, generic.InspectView):
    object_actions = ("view", "change")


class FeedbackDeleteView(ScopedObjectViewMixin, generic.DeleteView):
    object_actions = ("delete",)


class FeedbackViewSet(ModelViewSet):
    """Feedback messages, each moderator seeing only their addressees' ones; "edit" is where
    a message is read and marked handled."""

    model = FeedbackMessage
    name = "addressee_feedback"
    url_prefix = "addressee-feedback"
    icon = "mail"
    menu_label = _("Feedback")
    menu_order = 250
    add_to_admin_menu = True
    copy_view_enabled = False
    inspect_view_enabled = True
    index_view_class = FeedbackIndexView
    edit_view_class = FeedbackEditView
    inspect_view_class = FeedbackInspectView
    delete_view_class = FeedbackDeleteView
    list_display = [
        "name", "addressee",
        DateColumn("created_at", label=_("sent at")),
        BooleanColumn("handled", label=_("handled")),
    ]
    list_filter = ["handled"]
    search_fields = ["name", "email", "message"]
    search_backend_name = None
    ordering = ["handled", "-created_at"]
    panels = [
        MultiFieldPanel(
            [FieldPanel("addressee", read_only=True), FieldPanel("name", read_only=True),
             FieldPanel("email", read_only=True), FieldPanel("phone", read_only=True),
             FieldPanel("created_at", read_only=True)],
            heading=_("From"),
        ),
        FieldPanel("message", read_only=True),
        FieldPanel("handled"),
    ]


feedback_viewset = FeedbackViewSet()
