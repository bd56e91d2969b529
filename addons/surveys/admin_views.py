"""Staff side of surveys in the Wagtail admin: the results with charts and free text,
filters by date range and addressee, CSV/XLSX of the answers, the PDF report, publishing
selected free-text answers and issuing one-time links.

Who sees what: superusers and holders of ``surveys.view_results`` see every answer of
their site's surveys; an addressee's moderators see the answers given on the addressees
they moderate, nothing else.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import include, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from addons.core.admin_menu import staff_menu_item
from addons.core.permissions import moderated_addressee_ids
from addons.core.validation import parse_pk

from . import reports, services
from . import results as stats
from .forms import InvitationIssueForm, ResultsFilterForm
from .models import TEXT_KINDS, Survey

sees_everything = services.sees_all_results
is_results_staff = services.is_results_staff


def scoped_responses(user, survey):
    """The answers of ``survey`` ``user`` may read; PermissionDenied for anyone else."""
    if not is_results_staff(user):
        raise PermissionDenied
    return services.readable_responses(user).filter(survey=survey)


def _addressees(user, survey):
    from addons.addressees.models import AddresseePage

    pages = AddresseePage.objects.filter(path__startswith=survey.site.root_page.path) \
        .only("pk", "title").order_by("title")
    if not sees_everything(user):
        pages = pages.filter(pk__in=moderated_addressee_ids(user))
    return pages


def _answered_addressees(user, survey):
    """The filter's addressees, as on the answers desk: those of the answers ``user`` reads
    (this survey's town only), each once."""
    from addons.addressees.models import AddresseePage

    present = (services.readable_responses(user, survey.site).filter(survey=survey)
               .order_by().values("addressee_id").distinct())
    return AddresseePage.objects.filter(pk__in=present).only("pk", "title").order_by("title")


def _filtered(request, survey):
    responses = scoped_responses(request.user, survey)
    addressees = list(_answered_addressees(request.user, survey))
    form = ResultsFilterForm(request.GET or None, addressees=addressees)
    start = end = addressee = None
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        if form.cleaned_data["addressee"]:
            addressee = next((p for p in addressees if p.pk == form.cleaned_data["addressee"]),
                             None)
    responses = reports.period_responses(survey, start, end, addressee).filter(
        pk__in=responses.values("pk"))
    return form, responses, start, end, addressee


def _figures(request, survey, responses, filtered):
    """Staff see every figure, however few answered (min_group=0). Unfiltered, for those
    who see every answer, the counters serve; otherwise the answers are aggregated. Answers
    held as suspicious are counted in neither."""
    questions = services.questions_of(survey)
    if not filtered and sees_everything(request.user):
        counts = stats.tally_counts(survey, 0)
    else:  # suspicious answers are left out, as from the counters
        counts = stats.answer_counts(responses.filter(suspicious=False))
    return questions, stats.build(survey, questions, counts, min_group=0)


@never_cache
def results_index(request):
    if not is_results_staff(request.user):
        raise PermissionDenied
    answers = Count("responses")
    if not sees_everything(request.user):  # a moderator counts their addressees' answers
        answers = Count("responses", filter=Q(
            responses__addressee_id__in=moderated_addressee_ids(request.user)))
    surveys = Survey.objects.select_related("site").annotate(answers=answers)
    return render(request, "surveys/admin/index.html", {"surveys": surveys.order_by("title")})


def desk_query(survey, start=None, end=None, addressee=None) -> str:
    """The answers desk's list of this survey with the same filters (its written answers
    are read, published and downloaded there)."""
    from django.utils.http import urlencode

    query = {"survey": survey.pk}
    if addressee is not None:
        query["addressee"] = addressee.pk
    if start:
        query["submitted_on_from"] = start.isoformat()
    if end:
        query["submitted_on_to"] = end.isoformat()
    return f"{reverse('casework_survey_answers:index')}?{urlencode(query)}"


@never_cache
def results(request, pk):
    """The figures of one survey (charts, the PDF report): a results screen, not a list of
    records; the answers themselves are on the answers desk."""
    survey = get_object_or_404(Survey.objects.select_related("site"), pk=parse_pk(pk))
    form, responses, start, end, addressee = _filtered(request, survey)
    filtered = bool(start or end or addressee)
    _questions, figures = _figures(request, survey, responses, filtered)
    suspicious = responses.filter(suspicious=True).count()
    written = responses.filter(answers__question__kind__in=TEXT_KINDS,
                               answers__text__gt="").values("pk").distinct().count()
    return render(request, "surveys/admin/results.html", {
        "survey": survey, "form": form, "results": figures,
        "query_string": request.GET.urlencode(), "can_issue": sees_everything(request.user),
        "suspicious": suspicious, "written": written,
        "desk_url": desk_query(survey, start, end, addressee),
    })


def old_export(request, pk, fmt):
    """The old download address: the answers desk's download of this survey."""
    survey = get_object_or_404(Survey, pk=parse_pk(pk))
    if fmt not in ("csv", "xlsx"):
        raise Http404
    _form, _responses, start, end, addressee = _filtered(request, survey)
    return redirect(f"{desk_query(survey, start, end, addressee)}&export={fmt}")


@never_cache
def report(request, pk):
    survey = get_object_or_404(Survey.objects.select_related("site"), pk=parse_pk(pk))
    _form, responses, start, end, addressee = _filtered(request, survey)
    _questions, figures = _figures(request, survey, responses, bool(start or end or addressee))
    response = HttpResponse(reports.pdf_bytes(survey, figures, start, end, addressee),
                            content_type="application/pdf")
    name = reports.filename(survey, start, end)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


@never_cache
def invitations(request, pk):
    """Issue one-time links: a CSV of their URLs to print or send."""
    from addons.core.exports import csv_response

    survey = get_object_or_404(Survey.objects.select_related("site"), pk=parse_pk(pk))
    if not sees_everything(request.user):
        raise PermissionDenied
    addressees = list(_addressees(request.user, survey))
    form = InvitationIssueForm(request.POST or None, addressees=addressees)
    if request.method == "POST" and form.is_valid():
        addressee = next((p for p in addressees if p.pk == form.cleaned_data["addressee"]), None)
        links = [services.issue_invitation(survey, addressee=addressee,
                                           note=form.cleaned_data["note"])
                 for _n in range(form.cleaned_data["count"])]
        return csv_response([_("Link"), _("Addressee"), _("Note")],
                            ([services.invitation_url(link, request),
                              addressee.title if addressee else "", link.note]
                             for link in links), f"survey-{survey.pk}-links")
    return render(request, "surveys/admin/invitations.html", {"survey": survey, "form": form},
                  status=400 if form.is_bound else 200)


urlpatterns = [
    path("", results_index, name="index"),
    path("<int:pk>/", results, name="results"),
    path("<int:pk>/export.<str:fmt>", old_export, name="export"),
    path("<int:pk>/report.pdf", report, name="report"),
    path("<int:pk>/links/", invitations, name="invitations"),
]


def admin_urls():
    return [path("survey-results/", include((urlpatterns, "surveys_admin"),
                                            namespace="surveys_admin"))]


def results_menu_item():
    """"Survey results" in the admin menu, for those who may read results."""
    return staff_menu_item(gettext_lazy("Survey results"), "surveys_admin:index",
                           allowed=is_results_staff, name="survey-results", icon_name="table",
                           order=260)


def refuse_deleting_answered(request, instances):
    """A survey with answers is closed, not deleted: its results stay in the archive."""
    answered = [item for item in instances
                if isinstance(item, Survey) and item.responses.exists()]
    if not answered:
        return None
    messages.error(request, _("A survey with answers cannot be deleted: close it instead, "
                              "and its results stay readable in the archive."))
    return redirect(reverse("wagtailsnippets_surveys_survey:edit", args=[answered[0].pk]))
