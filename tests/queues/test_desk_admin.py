"""The queue desk in the admin: the ``tickets`` casework declaration, its scope over two
towns, today's figures for the staff home (each equal to the list it links to), the "Desk"
group of specialists and a specialist who sees only the desk."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import get_template, render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from wagtail.admin.menu import admin_menu

from addons.addressees.models import AddresseeCatalogPage, AddresseePage, Specialist
from addons.core import registry
from addons.core.addon import _call
from addons.queues import services, staff
from addons.queues.models import Ticket, TicketFile, TicketStatus
from tests.conftest import add_town

from .conftest import at, make_queue, site_today

pytestmark = pytest.mark.django_db
TOWN2 = "town2.example"


def declaration():
    addon, item = registry.casework_for("tickets")
    assert addon is not None and addon.label == "queues"
    return item


# --- the declaration ----------------------------------------------------------------------


def test_declaration_names_what_exists():
    from django.utils.module_loading import import_string

    item = declaration()
    assert item.model == "queues.Ticket" and item.assignable is False
    model = Ticket
    for name in item.list_display:
        assert hasattr(model, name) or model._meta.get_field(name)
    for name in item.list_filter:
        assert model._meta.get_field(name)
    for name in item.list_export:
        assert hasattr(model, name) or model._meta.get_field(name)
    for lookup in item.search_fields:
        field = model._meta.get_field(lookup.split("__")[0])
        if "__" in lookup:
            assert field.related_model._meta.get_field(lookup.split("__")[1])
    for action in item.actions:
        assert callable(import_string(action.service))
        assert import_string(action.form)
        if action.available:
            assert callable(import_string(action.available))
    for section in item.detail_sections:
        get_template(section.template)
        if section.get_context:
            assert callable(import_string(section.get_context))
    for path in (item.open, item.figures, item.scope):
        assert callable(import_string(path))
    assert {"arrived", "served", "no_show", "comment", "file", "next_visit",
            "cancel_day"} <= {action.key for action in item.actions}
    assert {"ticket", "files", "comments", "history"} == {s.key for s in item.detail_sections}


def test_the_question_is_never_listed_searched_or_exported():
    item = declaration()
    for names in (item.list_display, item.list_filter, item.search_fields, item.list_export):
        assert not any("question" in name for name in names)


def test_export_columns_are_the_desk_export():
    from addons.queues import exports

    assert len(declaration().list_export) == len(exports.columns())


# --- scope over two towns -----------------------------------------------------------------


@pytest.fixture
def town2(site, service, make_citizen):
    site2 = add_town(TOWN2)
    catalog2 = site2.root_page.add_child(instance=AddresseeCatalogPage(title="Addressees",
                                                                         slug="addressees-2"))
    addressee2 = catalog2.add_child(instance=AddresseePage(title="Registry 2", slug="reg2"))
    queue2 = make_queue(site2, title="Town 2 registry", letter="B")
    queue2.addressee = addressee2
    queue2.save()
    specialist2 = make_citizen(full_name="Town 2 Specialist")
    Specialist.objects.create(page=addressee2, name="Bo", user=specialist2)
    return {"site": site2, "queue": queue2, "specialist": specialist2}


def test_scope_two_towns(site, town2, make_ticket, specialist, superuser):
    here = make_ticket()
    there = make_ticket(queue=town2["queue"])
    scope = staff.scope
    assert list(scope(specialist, site)) == [here]
    assert list(scope(town2["specialist"], town2["site"])) == [there]
    assert list(scope(town2["specialist"], site)) == []
    assert list(scope(superuser, site)) == [here]
    assert list(scope(superuser, town2["site"])) == [there]
    assert list(staff.desk_queues(town2["specialist"], site)) == []


def test_filters_offer_this_towns_queues_once(client, site, town2, make_ticket, specialist,
                                              superuser):
    make_ticket()
    make_ticket()
    make_ticket(queue=town2["queue"])
    client.force_login(specialist)
    response = client.get(reverse("casework_tickets:index"), {"status": "booked"})
    queues = list(response.context["filters"].filters["queue"].queryset)
    assert [queue.title for queue in queues] == ["Civil registry"]
    client.force_login(town2["specialist"])
    response = client.get(reverse("casework_tickets:index"), {"status": "booked"},
                          HTTP_HOST=TOWN2)
    queues = list(response.context["filters"].filters["queue"].queryset)
    assert [queue.title for queue in queues] == ["Town 2 registry"]
    assert response.context["paginator"].count == 1
    # an administrator works on the town of the host they are on
    client.force_login(superuser)
    response = client.get(reverse("casework_tickets:index"), {"status": "booked"})
    assert [q.title for q in response.context["filters"].filters["queue"].queryset] == [
        "Civil registry"]


def test_figures_two_towns(site, town2, make_ticket, specialist):
    make_ticket()
    make_ticket(queue=town2["queue"])
    groups = {figure.group for figure in staff.today_figures(town2["specialist"],
                                                             town2["site"])}
    assert groups == {"Town 2 registry"}
    assert staff.today_figures(town2["specialist"], site) == []
    assert {f.group for f in staff.today_figures(specialist, site)} == {"Civil registry"}


# --- today's figures ----------------------------------------------------------------------


def listed(client, url):
    """How many tickets the admin desk's list at ``url`` holds (every page)."""
    response = client.get(url)
    assert response.status_code == 200
    return response.context["paginator"].count


def test_figures_equal_their_lists(client, site, desk_queue, make_ticket, specialist,
                                   make_citizen):
    from addons.queues.models import QueueService

    other_queue = make_queue(site, title="Passports", letter="P", addressee=desk_queue.addressee)
    QueueService.objects.create(queue=other_queue, name="Passport")
    earlier = timezone.now() - timedelta(minutes=10)
    for status, count in ((TicketStatus.BOOKED, 3), (TicketStatus.ARRIVED, 2),
                          (TicketStatus.SERVED, 1), (TicketStatus.NO_SHOW, 1),
                          (TicketStatus.CANCELLED, 1)):
        for _ in range(count):
            make_ticket(start=earlier, status=status, owner=make_citizen())
    make_ticket(status=TicketStatus.ARRIVED, queue=other_queue)
    make_ticket(start=at(site_today() + timedelta(days=1), 10))  # tomorrow: not counted
    make_ticket(start=at(site_today() - timedelta(days=1), 10),
                status=TicketStatus.SERVED)  # yesterday: not counted
    figures = staff.today_figures(specialist, site)
    values = {(f.group, str(f.label)): f.value for f in figures}
    assert values == {
        ("Civil registry", "Waiting"): 3, ("Civil registry", "Arrived"): 2,
        ("Civil registry", "Served"): 1, ("Civil registry", "Did not come"): 1,
        ("Passports", "Waiting"): 0, ("Passports", "Arrived"): 1,
        ("Passports", "Served"): 0, ("Passports", "Did not come"): 0,
    }
    client.force_login(specialist)
    for figure in figures:
        assert figure.url.startswith(reverse("casework_tickets:index") + "?")
        assert listed(client, figure.url) == figure.value, figure
    # the scope's own count agrees too (what the admin list counts)
    for figure in figures:
        queue_pk, status = figure.key.split("-")[1], figure.key.split("-", 2)[2]
        assert staff.scope(specialist, site).filter(
            queue_id=queue_pk, status=status, day=site_today()).count() == figure.value


def test_no_figures_for_outsiders(site, make_ticket, other_moderator, citizen):
    make_ticket()
    assert staff.today_figures(other_moderator, site) == []
    assert staff.today_figures(citizen, site) == []


# --- the "Desk" group ---------------------------------------------------------------------


def test_specialists_join_and_leave_the_desk_group(addressee, make_citizen):
    first, second = make_citizen(), make_citizen()
    row = Specialist.objects.create(page=addressee, name="Ana", user=first)
    group = Group.objects.get(name=staff.DESK_GROUP)
    assert group.permissions.filter(codename="access_admin").exists()
    assert first.groups.filter(pk=group.pk).exists()
    first = type(first).objects.get(pk=first.pk)
    assert first.has_perm("wagtailadmin.access_admin")
    row.user = second
    row.save()
    assert not first.groups.filter(pk=group.pk).exists()
    assert second.groups.filter(pk=group.pk).exists()
    row.delete()
    assert not second.groups.filter(pk=group.pk).exists()


def test_setup_makes_the_group_once_and_adds_every_specialist(site, addressee, make_citizen):
    from django.apps import apps

    user = make_citizen()
    Specialist.objects.bulk_create([Specialist(page=addressee, name="Ana", user=user)])
    Group.objects.filter(name=staff.DESK_GROUP).delete()
    config = apps.get_app_config("queues")
    config.setup(site)
    config.setup(site)
    assert Group.objects.filter(name=staff.DESK_GROUP).count() == 1
    assert user.groups.filter(name=staff.DESK_GROUP).exists()


# --- a specialist sees only the desk ------------------------------------------------------


OTHER_SCREENS = ("/admin/pages/", "/admin/api/main/pages/", "/admin/reports/site-history/",
                 "/admin/choose-page/", "/admin/images/", "/admin/documents/",
                 "/admin/snippets/", "/admin/users/", "/admin/workflows/task_chooser/",
                 "/admin/reports/locked/")


def _menu_names(user):
    from wagtail import hooks

    request = RequestFactory().get("/admin/")
    request.user = user
    items = admin_menu.menu_items_for_request(request)
    for fn in hooks.get_hooks("construct_main_menu"):
        fn(request, items)
    return {item.name for item in items}


def test_specialist_sees_only_the_desk(client, specialist, make_ticket):
    assert staff.is_desk_only(specialist)
    assert _menu_names(specialist) <= staff.DESK_MENU_NAMES
    assert "casework" in _menu_names(specialist)
    client.force_login(specialist)
    assert client.get("/admin/").status_code == 200
    assert client.get(reverse("wagtailadmin_account")).status_code == 200
    for url in OTHER_SCREENS:
        assert client.get(url).status_code in (403, 404), url
    assert client.get(reverse("casework_tickets:index"), follow=True).status_code == 200
    assert client.get(reverse("casework_tickets:inspect", args=[make_ticket().pk])
                      ).status_code == 200


def test_moderator_keeps_the_rest_of_the_admin(client, moderator, addressee, superuser):
    Specialist.objects.create(page=addressee, name="Mod", user=moderator)
    assert not staff.is_desk_only(moderator)
    assert len(_menu_names(moderator)) > 1
    client.force_login(moderator)
    assert client.get("/admin/reports/site-history/").status_code == 200
    assert not staff.is_desk_only(superuser)


def test_admin_file_download_for_the_ticket_staff_only(client, specialist, other_moderator,
                                                       citizen, make_ticket):
    ticket = make_ticket()
    services.attach_file(ticket, specialist, file=SimpleUploadedFile("scan.pdf", b"%PDF-1.4"))
    item = TicketFile.objects.get()
    url = reverse("queues_desk_file", args=[ticket.code, item.pk])
    client.force_login(specialist)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4"
    assert "attachment" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    client.force_login(other_moderator)
    assert client.get(url).status_code == 404
    client.force_login(citizen)  # no admin access at all: sent to the admin's login
    assert client.get(url).status_code == 302


# --- the detail sections ------------------------------------------------------------------


def _section(key, ticket, user):
    item = declaration()
    section = next(s for s in item.detail_sections if s.key == key)
    request = RequestFactory().get("/admin/")
    request.user = user
    context = {"record": ticket}
    if section.get_context:
        context.update(_call(section.get_context, ticket, request))
    return render_to_string(section.template, context, request=request)


def test_detail_sections(make_ticket, specialist, other_moderator, citizen):
    ticket = make_ticket()
    Ticket.objects.filter(pk=ticket.pk).update(question="Street lights on Shevchenko St.")
    ticket.refresh_from_db()
    services.mark_arrived(ticket, specialist)
    services.add_comment(ticket, specialist, text="Bring the original")
    services.attach_file(ticket, specialist, file=SimpleUploadedFile("scan.pdf", b"%PDF"))
    html = _section("ticket", ticket, specialist)
    assert "Street lights on Shevchenko St." in html and citizen.email in html
    assert "Birth of a child" in html
    # someone who does not handle the ticket never reads the question or the citizen's data
    html = _section("ticket", ticket, other_moderator)
    assert "Street lights" not in html and citizen.email not in html
    assert "scan.pdf" in _section("files", ticket, specialist)
    assert "Bring the original" in _section("comments", ticket, specialist)
    history = _section("history", ticket, specialist)
    assert "Mark ticket arrived" in history and "Comment on ticket" in history
    assert "Attach file to ticket" in history and "Ana Specialist" in history


def test_list_export_has_the_desk_columns_and_no_question(client, specialist, make_ticket,
                                                         citizen):
    ticket = make_ticket()
    Ticket.objects.filter(pk=ticket.pk).update(question="Confidential street lights")
    client.force_login(specialist)
    day = site_today().isoformat()
    response = client.get(reverse("casework_tickets:index"),
                          {"day_from": day, "day_to": day, "export": "csv"})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig") \
        if response.streaming else response.content.decode("utf-8-sig")
    assert ticket.number in text and citizen.email in text and "Birth of a child" in text
    assert "Confidential street lights" not in text
