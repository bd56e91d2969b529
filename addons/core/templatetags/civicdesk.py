"""Template tags host pages and themes use: one call renders every enabled add-on."""

from django import template
from django.core.cache import cache
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils import translation
from django.utils.safestring import mark_safe

from .. import registry
from ..activation import enabled_labels_for_request
from ..content_languages import variant
from ..themes import get_current_theme

register = template.Library()


@register.simple_tag
def theme_static(path):
    """URL of a static file of the current theme: ``{% theme_static "css/site.css" %}``."""
    return static(f"{get_current_theme()}/{path}")


def _enabled(request):
    if request is None:
        return {addon.label for addon in registry.addons()}
    return enabled_labels_for_request(request)


@register.simple_tag(takes_context=True)
def addon_sections(context, page):
    """Render the attached sections of every enabled add-on on ``page`` (for anonymous
    visitors from the cache, see ``public_cache``)."""
    from ..public_cache import render_sections

    request = context.get("request")
    enabled = _enabled(request)
    models = [(addon, model) for addon, model in registry.placement_models()
              if addon.label in enabled]

    def render(addon, model):
        placements = list(
            model.objects.filter(page_id=page.pk)
            .select_related(model.snippet_field)
            .prefetch_related(*model.section_prefetch)
            .order_by("sort_order")
        )
        if not placements:
            return None
        return render_to_string(
            model.section_template,
            {"page": page, "placements": placements, "addon": addon},
            request=request,
        )

    return mark_safe(render_sections(page, request, models, render))


@register.simple_tag(takes_context=True)
def page_parts(context, slot):
    """The pieces enabled add-ons put in ``slot`` of every public page
    (``AddonConfig.page_parts``): ``{% page_parts "body_end" %}``."""
    from django.utils.module_loading import import_string

    enabled = _enabled(context.get("request"))
    return mark_safe("".join(
        str(import_string(path)(context) or "")
        for addon, path in registry.page_parts(slot) if addon.label in enabled))


@register.simple_tag(takes_context=True)
def addon_statistics(context, page):
    """Render the statistics blocks that enabled add-ons contribute to ``page``."""
    request = context.get("request")
    enabled = _enabled(request)
    html = []
    for addon, block in registry.statistics_blocks():
        if addon.label not in enabled:
            continue
        key = None
        if block.cache_timeout:
            language, theme = translation.get_language(), get_current_theme()
            key = f"civicdesk:stats:{block.key}:{page.pk}:{language}:{variant()}:{theme}"
            cached = cache.get(key)
            if cached is not None:
                html.append(cached)
                continue
        block_context = block.context(page, request)
        rendered = ""
        if block_context is not None:
            rendered = render_to_string(
                block.template, {"page": page, "block": block, **block_context}
            )
        if key:
            cache.set(key, rendered, block.cache_timeout)
        html.append(rendered)
    return mark_safe("".join(html))


@register.simple_tag(takes_context=True)
def cabinet_sections(context):
    """Render the cabinet sections of the enabled add-ons for the logged-in citizen."""
    request = context["request"]
    enabled = _enabled(request)
    html = []
    for addon, section in registry.cabinet_sections():
        if addon.label not in enabled:
            continue
        html.append(
            render_to_string(
                section.template,
                {"section": section, **section.context(request)},
                request=request,
            )
        )
    return mark_safe("".join(html))


def _bound_forms(value, depth=0):
    from django.forms import BaseForm, BaseFormSet

    if isinstance(value, (BaseForm, BaseFormSet)):
        yield value
    elif depth < 1 and isinstance(value, dict):
        for item in value.values():
            yield from _bound_forms(item, depth + 1)


@register.simple_tag(takes_context=True)
def page_has_form_errors(context) -> bool:
    """Whether a form on the page was sent back with errors: any bound form in the
    template's context (or one level inside a dict of forms), or ``form_has_errors``.
    The base template starts the page's title with "Error:" then."""
    if context.get("form_has_errors"):
        return True
    for value in context.flatten().values():
        for form in _bound_forms(value):
            if not form.is_bound:
                continue
            if form.total_error_count() if hasattr(form, "total_error_count") else form.errors:
                return True
    return False


#: languages that capitalise the names of weekdays and months inside a sentence
_CAPITALISING = {"en", "de"}


def in_sentence(text: str) -> str:
    """A weekday (or a date beginning with one) as it is written inside a sentence: lower
    case in Ukrainian, Romanian and Bulgarian ("відкриється понеділок, 5 січня"), as it is
    in English."""
    text = str(text or "")
    language = (translation.get_language() or "").split("-")[0]
    if not text or language in _CAPITALISING:
        return text
    return text[0].lower() + text[1:]


@register.filter(name="in_sentence")
def in_sentence_filter(value):
    """``{{ day|date:"l"|in_sentence }}``: see :func:`in_sentence`."""
    return in_sentence(value)


@register.simple_tag(takes_context=True)
def site_branding(context):
    """``{% site_branding as brand %}``: the city's name, coat of arms (a Wagtail image or
    None), colour and address (see ``addons.core.sites.branding``), from the site profile
    the page already has (no further query unless there is a coat of arms)."""
    profile = context.get("site_profile")
    if profile is None or not getattr(profile, "pk", None):
        return {"name": "", "coat_of_arms": None, "colour": "", "address": ""}
    site = getattr(profile, "site", None)
    return {
        "name": profile.municipality_name or (site.site_name if site else "") or "",
        "coat_of_arms": profile.coat_of_arms if profile.coat_of_arms_id else None,
        "colour": profile.brand_colour or "",
        "address": profile.postal_address or "",
    }


@register.simple_tag
def arms_image(image, spec="height-96", css_class="site-arms"):
    """``{% arms_image brand.coat_of_arms %}``: the coat of arms' ``<img>`` on every page,
    from the cache until a setting or an image changes (Wagtail looks the rendition up in
    the cache and writes it back on every view)."""
    if image is None:
        return ""
    from django.core.cache import cache
    from django.utils.safestring import mark_safe

    from ..public_cache import SETTINGS_VERSION, TIMEOUT

    key = f"civicdesk:arms:{image.pk}:{spec}:{css_class}:{SETTINGS_VERSION.get()}"
    html = cache.get(key)
    if html is None:
        html = str(image.get_rendition(spec).img_tag({"alt": "", "class": css_class}))
        cache.set(key, html, TIMEOUT)
    return mark_safe(html)  # noqa: S308  (Wagtail's own tag, escaped there)


@register.simple_tag(takes_context=True)
def theme_switch(context):
    """``{% theme_switch as switch %}``: the one-click switch between the site's look and
    the high-contrast theme: ``{"value": theme to post, "active"}`` (None without one)."""
    from ..themes import ACCESSIBLE_THEME, available_themes

    if ACCESSIBLE_THEME not in available_themes():
        return None
    active = get_current_theme() == ACCESSIBLE_THEME
    profile = context.get("site_profile")
    site_theme = getattr(profile, "theme", "") or ""
    if active:
        # back to the site's own look; a site whose own theme is high contrast offers civic
        value = "civic" if site_theme == ACCESSIBLE_THEME else ""
        return {"value": value, "active": True}
    return {"value": ACCESSIBLE_THEME, "active": False}


@register.filter(name="page_links")
def page_links_filter(page):
    """``{% for number in page_obj|page_links %}``: the page numbers to link (``None`` for a
    gap), never every page of a long list; see ``addons.core.pagination.page_links``."""
    from ..pagination import page_links

    return page_links(page)
