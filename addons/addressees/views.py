from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django_ratelimit.decorators import ratelimit
from wagtail.models import Page, Site

from addons.core.middleware import site_profile

from . import catalog, fragments, picker
from .forms import FeedbackForm
from .hours import local_now
from .models import AddresseeCatalogPage, AddresseePage
from .services import submit_feedback

FEEDBACK_RATE = "5/10m"


def _addressee_on_site(request, page_id) -> AddresseePage:
    """The live, public addressee ``page_id`` of the request's site, else 404."""
    site = Site.find_for_request(request)
    if site is None or catalog.valid_id(page_id) is None:
        raise Http404
    root_path = Page.objects.filter(pk=site.root_page_id).values_list("path", flat=True).first()
    page = (
        AddresseePage.objects.live().public()
        .filter(pk=page_id, path__startswith=root_path or "-")
        .first()
    )
    if page is None:
        raise Http404
    return page


def subtree(request, page_id):
    """The sub-addressees of one addressee as an HTML fragment, one page at a time: what
    the catalog's script inserts under a card (cached, see ``fragments``)."""
    node = _addressee_on_site(request, page_id)
    fragment = fragments.cached("subtree", node, request, lambda: _subtree(node, request))
    return HttpResponse(fragments.render(fragment, request)["body"])


def _subtree(node, request) -> fragments.Fragment:
    ancestors = [node.path[: Page.steplen * depth] for depth in range(1, node.depth)]
    home_catalog = (
        AddresseeCatalogPage.objects.filter(path__in=ancestors).order_by("-depth").first()
    )
    per_page = home_catalog.per_page if home_catalog else catalog.CHILDREN_PER_PAGE
    catalog_url = home_catalog.get_url(request) if home_catalog else ""
    today = local_now(site_profile(request)).date()
    page_obj, notice = catalog.paginate(
        catalog.card_queryset(today).child_of(node), request.GET.get("page"), per_page
    )
    cards, openings = catalog.cards(page_obj.object_list, catalog.PageUrls(node, request),
                                    catalog_url=catalog_url)
    html = fragments.render_part("addressees/includes/subtree.html", {
        "node": node,
        "addressees": cards,
        "page_obj": page_obj,
        "notices": [notice] if notice else [],
        "catalog_url": catalog_url,
        "heading_level": 3,
    })
    return fragments.Fragment(parts={"body": html}, openings=openings)


def suggest(request):
    """``?q=<part of a name>``: up to ten live, public addressees of the request's site
    whose title holds it (JSON: id, title, parent's title), for the addressee picker."""
    site = Site.find_for_request(request)
    if site is None:
        raise Http404
    response = JsonResponse({"results": picker.suggestions(site, request.GET.get("q", ""))})
    # per visitor's browser only: the answer depends on the site and the language
    response["Cache-Control"] = "private, max-age=60"
    return response


@ratelimit(key="ip", rate=FEEDBACK_RATE, method="POST", block=False)
def feedback(request, page_id):
    """Receive an addressee's feedback form; errors re-render the addressee page."""
    page = _addressee_on_site(request, page_id)
    if not page.feedback_enabled:
        raise Http404
    if request.method != "POST":
        return redirect(page.get_url(request))
    form = FeedbackForm(request.POST)
    if getattr(request, "limited", False):
        form.is_valid()
        form.add_error(None, _("You have sent several messages in a short time. "
                               "Please wait a few minutes and try again."))
        response = page.serve(request, feedback_form=form)
        response.status_code = 429
        return response
    if not form.is_valid():
        return page.serve(request, feedback_form=form)
    if not form.is_spam:
        data = form.cleaned_data
        submit_feedback(
            page, name=data["name"], email=data["email"], phone=data.get("phone", ""),
            message=data["message"], author=request.user, site=Site.find_for_request(request),
        )
    messages.success(request, _("Thank you. Your message has been sent to %(addressee)s.")
                     % {"addressee": page.title})
    return redirect(f"{page.get_url(request)}#feedback")


def old_feedback_url(request, pk=None):
    """An old feedback admin address (in e-mails already sent): the message on the desk."""
    if pk is None:
        return redirect("casework_feedback:index")
    return redirect("casework_feedback:inspect", pk=pk)
