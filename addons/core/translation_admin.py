"""The admin side of content translations: in the editor of a translatable object, a
group of fields per language the site offers ("English", "Magyar"), on a "Translations"
tab for pages. The values are kept in the object's ``translations`` field."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel, ObjectList, TabbedInterface


def form_field_name(field: str, lang: str) -> str:
    return f"{field}__{lang}"


class TranslationFieldPanel(FieldPanel):
    """A translation's field: a field of the form (see ``translated_form_class``), not of
    the model."""

    def get_comparison(self):
        return []


def _site_of(instance, form, request):
    from wagtail.models import Page, Site

    site = getattr(instance, "site", None) if hasattr(instance, "site_id") else None
    if site is None and isinstance(instance, Page):
        if instance.pk:
            site = instance.get_site()
        elif getattr(form, "parent_page", None) is not None:
            site = form.parent_page.get_site()
    if site is None and request is not None:
        site = Site.find_for_request(request)
    return site


def offered_translations(instance, form=None, request=None) -> list[str] | None:
    """The languages the object's site translates into (not its own), None if unknown."""
    from .content_languages import site_language, site_languages
    from .models import SiteProfile

    site = _site_of(instance, form, request)
    if site is None:
        return None
    profile = SiteProfile.for_site(site)
    own = site_language(profile)
    return [code for code in site_languages(profile) if code != own]


class TranslationPanel(MultiFieldPanel):
    """The fields of one language; shown only on sites offering that language."""

    def __init__(self, children=(), *args, language=None, **kwargs):
        self.language = language
        super().__init__(children, *args, **kwargs)

    def clone_kwargs(self):
        kwargs = super().clone_kwargs()
        kwargs["language"] = self.language
        return kwargs

    class BoundPanel(MultiFieldPanel.BoundPanel):
        def is_shown(self):
            offered = offered_translations(self.instance, self.form, self.request)
            if offered is not None and self.panel.language not in offered:
                return False
            return super().is_shown()


def translation_panels(model, fields) -> list:
    from .content_languages import installation_codes, language_name

    return [
        TranslationPanel(
            [TranslationFieldPanel(form_field_name(name, lang)) for name in fields],
            heading=language_name(lang),
            language=lang,
            classname="collapsed",
            attrs={"lang": lang},
        )
        for lang in installation_codes()
    ]


class TranslationFormMixin:
    """Fills the translation fields from the object and saves the languages posted."""

    translated_fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        translations = self.instance.translations or {}
        for name, field in self.fields.items():
            base, sep, lang = name.rpartition("__")
            if sep and base in self.translated_fields:
                field.initial = (translations.get(lang) or {}).get(base, "")

    def _post_clean(self):
        super()._post_clean()
        from .content_languages import installation_codes, meaningful

        translations = dict(self.instance.translations or {})
        for lang in installation_codes():
            entry = dict(translations.get(lang) or {})
            for name in self.translated_fields:
                key = form_field_name(name, lang)
                # a language whose panel was not shown keeps what it had
                if key not in self.fields or self.add_prefix(key) not in self.data:
                    continue
                value = self.cleaned_data.get(key)
                if meaningful(value):
                    entry[name] = value.strip()
                else:
                    entry.pop(name, None)
            if entry:
                translations[lang] = entry
            else:
                translations.pop(lang, None)
        self.instance.translations = translations


_FORM_CLASSES: dict = {}


def translated_form_class(model, base):
    """``base`` with a field per translated field and installation language (built when
    the admin first asks for it: rich text widgets need the admin ready)."""
    from .content_languages import REGISTRY, installation_codes, language_name

    fields = REGISTRY.get(model, ())
    if not fields or issubclass(base, TranslationFormMixin):
        return base
    key = (model, base, tuple(installation_codes()))
    if key not in _FORM_CLASSES:
        attrs = {"translated_fields": fields, "__module__": base.__module__}
        for lang in installation_codes():
            for name in fields:
                form_field = model._meta.get_field(name).formfield(required=False)
                form_field.label = f"{form_field.label} ({language_name(lang)})"
                form_field.help_text = ""
                attrs[form_field_name(name, lang)] = form_field
        _FORM_CLASSES[key] = type(f"{base.__name__}WithTranslations",
                                  (TranslationFormMixin, base), attrs)
    return _FORM_CLASSES[key]


class TranslatedFormPanelMixin:
    """For the top panel of a translatable model: its form has the translation fields."""

    def get_form_class(self):
        from wagtail.admin.panels.base import get_form_for_model

        base = self.base_form_class or _base_form(self.model)
        return get_form_for_model(
            self.model, form_class=translated_form_class(self.model, base),
            **self.get_form_options(),
        )


class TranslatedTabbedInterface(TranslatedFormPanelMixin, TabbedInterface):
    pass


class TranslatedObjectList(TranslatedFormPanelMixin, ObjectList):
    pass


def _base_form(model):
    from wagtail.models import Page

    base = getattr(model, "base_form_class", None)
    if base is None:
        if issubclass(model, Page):
            from wagtail.admin.forms.pages import WagtailAdminPageForm as base
        else:
            from wagtail.admin.forms import WagtailAdminModelForm as base
    return base


def add_translation_panels(model, fields) -> None:
    """Gives ``model`` an editor with its translations: a "Translations" tab for pages,
    a group per language at the end of ``panels`` for other models."""
    from wagtail.models import Page

    from .placements import HostPageMixin

    if "edit_handler" in model.__dict__ or issubclass(model, HostPageMixin):
        return  # a host page adds the tab itself (HostPageMixin.get_edit_handler)
    panels = translation_panels(model, fields)
    if issubclass(model, Page):
        tabs = [ObjectList(model.content_panels, heading=_("Content"))]
        if model.promote_panels:
            tabs.append(ObjectList(model.promote_panels, heading=_("Promote")))
        if model.settings_panels:
            tabs.append(ObjectList(model.settings_panels, heading=_("Settings")))
        tabs.append(ObjectList(panels, heading=_("Translations")))
        model.edit_handler = TranslatedTabbedInterface(tabs)
    elif hasattr(model, "panels"):
        model.edit_handler = TranslatedObjectList([*model.panels, *panels])
