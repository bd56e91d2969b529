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
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import include, path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from addons.core.admin_menu import staff_menu_item
from addons.core.permissions import moderated_addressee_ids
from addons.core.validation import parse_pk

from . import exports, reports, services
from . import results as stats
from .forms import InvitationIssueForm, ResultsFilterForm
from .models import TEXT_KINDS, Answer, Survey

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


def _filtered(request, survey):
    responses = scoped_responses(request.user, survey)
    addressees = list(_addressees(request.user, survey))
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


@never_cache
def results(request, pk):
    survey = get_object_or_404(Survey.objects.select_related("site"), pk=parse_pk(pk))
    form, responses, start, end, addressee = _filtered(request, survey)
    filtered = bool(start or end or addressee)
    questions, figures = _figures(request, survey, responses, filtered)
    suspicious = responses.filter(suspicious=True).count()
    text_questions = [q for q in questions if q.kind in TEXT_KINDS]
    texts = (Answer.objects.filter(response__in=responses.values("pk"),
                                   question__in=text_questions).exclude(text="")
             .select_related("question", "response__addressee"))
    # anonymous: newest day first, in no order within the day that follows the answers'
    texts = (texts.order_by("-response__submitted_on", "question__sort_order", "text", "pk")
             if survey.anonymous else texts.order_by("-response_id", "pk"))
    page_obj = Paginator(texts, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "surveys/admin/results.html", {
        "survey": survey, "form": form, "results": figures, "texts": page_obj,
        "query_string": query.urlencode(), "can_issue": sees_everything(request.user),
        "suspicious": suspicious,
    })


@never_cache
def export(request, pk, fmt):
    if fmt not in ("csv", "xlsx"):
        raise Http404
    survey = get_object_or_404(Survey, pk=parse_pk(pk))
    _form, responses, _start, _end, _addressee = _filtered(request, survey)
    return exports.response(fmt, survey, services.questions_of(survey), responses)


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


@require_POST
def publish(request, answer_id):
    answer = get_object_or_404(Answer.objects.select_related("question__survey", "response"),
                               pk=parse_pk(answer_id))
    survey = answer.question.survey
    if not scoped_responses(request.user, survey).filter(pk=answer.response_id).exists():
        raise PermissionDenied
    try:
        services.set_published(answer, request.POST.get("published") == "1",
                               user=request.user)
        messages.success(request, _("The answer is published.") if answer.published
                         else _("The answer is no longer published."))
    except services.SurveyError as error:
        messages.error(request, str(error.message))
    return redirect(_back(request, reverse("surveys_admin:results", args=[survey.pk])))


def _back(request, fallback: str) -> str:
    """The ``next`` page posted with a form when it is on this site, else ``fallback``."""
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


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
    path("<int:pk>/export.<str:fmt>", export, name="export"),
    path("<int:pk>/report.pdf", report, name="report"),
    path("<int:pk>/links/", invitations, name="invitations"),
    path("answer/<int:answer_id>/publish/", publish, name="publish"),
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
