"""The add-on contract, end to end, with the tiny ``notice_addon``: admin inline panel on
host pages, sections on the page, per-site activation, setup on enable, and removal."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.template import Context, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.admin.rich_text import DraftailRichTextArea
from wagtail.test.utils.form_data import rich_text

from addons.addressees.models import AddresseeCatalogPage, AddresseePage, HomePage
from addons.core import activation, registry
from addons.core.models import AddonActivation
from tests.core.notice_addon.apps import NoticeConfig
from tests.core.notice_addon.models import Notice, NoticePlacement

pytestmark = pytest.mark.django_db

PANEL = "notice_addon_noticeplacement_set"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()  # rate limits count in the cache
    yield
    cache.clear()


@pytest.fixture
def addressee(home):
    catalog = home.add_child(instance=AddresseeCatalogPage(title="Catalog", slug="catalog"))
    return catalog.add_child(instance=AddresseePage(title="Water board", slug="water-board"))


@pytest.fixture
def notice(db):
    return Notice.objects.create(title="Water off on Monday", slug="water-off", text="8-12 h")


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def _attach(page, notice, order=0):
    return NoticePlacement.objects.create(page=page, notice=notice, sort_order=order)


def _settings_url(site):
    return reverse("wagtailsettings:edit", args=["core", "addonactivation", site.pk])


def _post_enabled(admin_client, site, labels):
    response = admin_client.post(_settings_url(site), {"enabled_addons": labels})
    assert response.status_code == 302, response.content.decode()[:2000]


def _other_optional_labels():
    return [a.label for a in registry.optional_addons() if a.label != "notice_addon"]


def test_addon_is_registered():
    addon = registry.get_addon("notice_addon")
    assert isinstance(addon, NoticeConfig)
    assert (addon, NoticePlacement) in registry.placement_models()
    assert "notice_published" in registry.notification_events()


@pytest.mark.parametrize("page_fixture", ["home", "addressee"])
def test_host_page_edit_form_has_the_inline_panel(request, admin_client, page_fixture):
    page = request.getfixturevalue(page_fixture)
    response = admin_client.get(reverse("wagtailadmin_pages:edit", args=[page.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'name="{PANEL}-TOTAL_FORMS"' in html


def test_inline_panel_saves_a_placement(admin_client, home, notice):
    edit_url = reverse("wagtailadmin_pages:edit", args=[home.pk])
    form = admin_client.get(edit_url).context["form"]
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if isinstance(field.widget, DraftailRichTextArea):
            data[name] = rich_text(value or "")
        elif value is not None and not hasattr(field, "queryset"):
            data[name] = value
    for formset in form.formsets.values():
        prefix = formset.prefix
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": "0",
                f"{prefix}-INITIAL_FORMS": "0",
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    data.update(
        {
            "title": home.title,
            "slug": home.slug,
            f"{PANEL}-TOTAL_FORMS": "1",
            f"{PANEL}-0-notice": str(notice.pk),
            f"{PANEL}-0-ORDER": "1",
            f"{PANEL}-0-id": "",
            f"{PANEL}-0-DELETE": "",
            "action-publish": "publish",
        }
    )
    response = admin_client.post(edit_url, data)
    if response.status_code != 302:
        bound = response.context["form"]
        pytest.fail(f"{bound.errors} {[fs.errors for fs in bound.formsets.values()]}")
    assert NoticePlacement.objects.filter(page=home, notice=notice).exists()


@pytest.mark.parametrize("page_fixture", ["home", "addressee"])
def test_attached_notice_renders_on_the_page(request, client, notice, page_fixture):
    page = request.getfixturevalue(page_fixture)
    _attach(page, notice)
    response = client.get(page.url)
    assert response.status_code == 200
    assert "Water off on Monday" in response.content.decode()


def test_disable_hides_section_and_urls_keeps_data_and_reenable_runs_setup_once(
    admin_client, client, site, home, notice
):
    _attach(home, notice)
    assert client.get("/notices/").status_code == 200
    assert client.get("/notice-board/").status_code == 200
    NoticeConfig.setup_calls.clear()

    _post_enabled(admin_client, site, _other_optional_labels())
    assert not activation.is_enabled("notice_addon", site)
    assert AddonActivation.for_site(site).states["notice_addon"] is False
    page = client.get(home.url)
    assert page.status_code == 200
    assert "Water off on Monday" not in page.content.decode()
    assert client.get("/notices/").status_code == 404
    assert client.get("/notice-board/").status_code == 404
    assert Notice.objects.filter(pk=notice.pk).exists()
    assert NoticePlacement.objects.filter(page=home).count() == 1
    assert NoticeConfig.setup_calls == []

    _post_enabled(admin_client, site, [*_other_optional_labels(), "notice_addon"])
    assert NoticeConfig.setup_calls == [site.pk]
    assert Notice.objects.filter(slug=f"welcome-{site.pk}").count() == 1
    assert "Water off on Monday" in client.get(home.url).content.decode()
    assert client.get("/notices/").status_code == 200

    # Saving the panel again with the add-on still on does not set it up again.
    _post_enabled(admin_client, site, [*_other_optional_labels(), "notice_addon"])
    assert NoticeConfig.setup_calls == [site.pk]


def test_settings_form_lists_the_addon(admin_client, site):
    response = admin_client.get(_settings_url(site))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="notice_addon"' in html


def test_setup_is_idempotent(site):
    addon = registry.get_addon("notice_addon")
    addon.setup(site)
    addon.setup(site)
    assert Notice.objects.filter(slug=f"welcome-{site.pk}").count() == 1


def test_removed_addon_leaves_pages_and_admin_working(
    monkeypatch, admin_client, client, home, addressee, notice
):
    _attach(home, notice)
    _attach(addressee, notice)
    addons = {label: addon for label, addon in registry._addons.items() if label != "notice_addon"}
    monkeypatch.setattr(registry, "_addons", addons)
    for model in (HomePage, AddresseePage):
        model.get_edit_handler.cache_clear()
    try:
        for page in (home, addressee):
            response = client.get(page.url)
            assert response.status_code == 200
            assert "Water off on Monday" not in response.content.decode()
            edit = admin_client.get(reverse("wagtailadmin_pages:edit", args=[page.pk]))
            assert edit.status_code == 200
            assert PANEL not in edit.content.decode()
        assert not activation.is_enabled("notice_addon", home.get_site())
    finally:
        monkeypatch.undo()
        for model in (HomePage, AddresseePage):
            model.get_edit_handler.cache_clear()


def _render_sections(page, request):
    template = Template("{% load civicdesk %}{% addon_sections page %}")
    return template.render(Context({"page": page, "request": request}))


def test_addon_sections_query_count_does_not_grow_with_placements(site, home):
    notices = [Notice.objects.create(title=f"Notice {i}", slug=f"n-{i}") for i in range(6)]
    _attach(home, notices[0])

    def count():
        from django.core.cache import cache

        cache.clear()  # rendered afresh: the cost of rendering, not of the cache
        request = RequestFactory().get("/", HTTP_HOST="localhost")  # nothing cached on it
        with CaptureQueriesContext(connection) as queries:
            html = _render_sections(home, request)
        return len(queries), html

    count()  # warm up: the activation row is created on first use
    one, html = count()
    assert "Notice 0" in html
    for order, item in enumerate(notices[1:], start=1):
        _attach(home, item, order)
    many, html = count()
    assert all(f"Notice {i}" in html for i in range(6))
    assert html.index("Notice 0") < html.index("Notice 5")
    assert many == one

    def notice_queries(queries):
        return [q for q in queries if "notice_addon" in q["sql"]]

    from django.core.cache import cache

    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        _render_sections(home, RequestFactory().get("/", HTTP_HOST="localhost"))
    assert len(notice_queries(queries.captured_queries)) == 1  # placements + snippets
    with CaptureQueriesContext(connection) as queries:  # then from the cache
        assert "Notice 5" in _render_sections(home, RequestFactory().get("/",
                                                                        HTTP_HOST="localhost"))
    assert not notice_queries(queries.captured_queries)


def test_statistics_blocks_are_cached_per_page_and_language(rf, home, monkeypatch):
    """A statistics block is computed once per page, language and theme, then served from
    the cache until its timeout; a block with cache_timeout=0 is computed every time."""
    from django.core.cache import cache
    from django.template import Context, Template
    from django.utils import translation

    from addons.core import registry
    from addons.core.addon import StatisticsBlock

    calls = []

    def figures(page, request):
        calls.append(page.pk)
        return {"figure": len(calls)}

    cached_block = StatisticsBlock(
        key="test-figures",
        title="Figures",
        template="notice_addon/stats.html",
        get_context=figures,
    )
    live_block = StatisticsBlock(
        key="test-live",
        title="Live",
        template="notice_addon/stats.html",
        get_context=figures,
        cache_timeout=0,
    )
    addon = registry.get_addon("core")
    monkeypatch.setattr(type(addon), "statistics_blocks", (cached_block,))
    cache.clear()
    template = Template("{% load civicdesk %}{% addon_statistics page %}")
    request = rf.get("/", HTTP_HOST="localhost")
    with translation.override("en"):
        first = template.render(Context({"page": home, "request": request}))
        second = template.render(Context({"page": home, "request": request}))
    assert first == second and len(calls) == 1
    with translation.override("uk"):
        template.render(Context({"page": home, "request": request}))
    assert len(calls) == 2
    monkeypatch.setattr(type(addon), "statistics_blocks", (live_block,))
    template.render(Context({"page": home, "request": request}))
    template.render(Context({"page": home, "request": request}))
    assert len(calls) == 4
