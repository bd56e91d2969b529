"""The chooser of a specialist's user account in the page editor: a search among the staff
accounts the editor may choose (``services.specialist_candidates``), never a list of every
registered account."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.admin.views.generic import chooser as chooser_views
from wagtail.admin.viewsets.chooser import ChooserViewSet

#: at most this many characters of a search are used
MAX_SEARCH = 100


class StaffSearchForm(BaseFilterForm):
    q = forms.CharField(label=_("Name, username or email"), required=False,
                        max_length=MAX_SEARCH,
                        widget=forms.TextInput(attrs={"placeholder": _("Search")}))

    def filter(self, objects):
        objects = super().filter(objects)
        words = (self.cleaned_data.get("q") or "").split()[:5]
        for word in words:
            objects = objects.filter(Q(full_name__icontains=word)
                                     | Q(username__icontains=word)
                                     | Q(email__icontains=word))
        if words:
            self.is_searching = True
            self.search_query = " ".join(words)
        return objects


class _Scoped:
    def get_object_list(self):
        from .services import specialist_candidates

        return specialist_candidates(self.request.user).order_by("full_name", "username")


class StaffChooseView(_Scoped, chooser_views.ChooseView):
    filter_form_class = StaffSearchForm


class StaffChooseResultsView(_Scoped, chooser_views.ChooseResultsView):
    filter_form_class = StaffSearchForm


class StaffChosenView(chooser_views.ChosenView):
    def get_object(self, pk):
        from addons.core.validation import parse_pk

        from .services import specialist_candidates

        user = specialist_candidates(self.request.user).filter(pk=parse_pk(pk)).first()
        if user is None:
            raise Http404
        return user


class StaffChooserViewSet(ChooserViewSet):
    model = settings.AUTH_USER_MODEL
    icon = "user"
    choose_one_text = _("Choose a staff account")
    choose_another_text = _("Choose another staff account")
    edit_item_text = _("Edit this account")
    page_title = _("Choose a staff account")
    choose_view_class = StaffChooseView
    choose_results_view_class = StaffChooseResultsView
    chosen_view_class = StaffChosenView
    per_page = 20


staff_chooser_viewset = StaffChooserViewSet("specialist_accounts",
                                            url_prefix="specialist-accounts")
#: the page editor's widget: a button that opens the search; no link to the account's
#: settings (a moderator does not manage accounts)
StaffChooserWidget = type("StaffChooserWidget", (staff_chooser_viewset.widget_class,),
                          {"show_edit_link": False})
