"""Content in the visitor's language.

A city writes its pages, addressees, forms, surveys and categories in its site's language
and may translate them: each translatable model keeps its translations in one
``translations`` field, ``{"en": {"title": "..."}, "hu": {...}}``, edited in the same
admin form ("Translations" tab or panels, a field per language). Records keep pointing at
the one object. The language of a public page is in its URL: ``/en/...``, ``/hu/...``;
the site's own language has no prefix, so addresses that existed keep working.

While a request for a prefixed URL is served, reading a registered field (``page.title``)
gives its translation, or the site-language text when there is none; the templates mark
such text with ``lang`` (see ``templatetags/content_language.py``). Saving an object always
writes the site-language text, never a translation.

Add-ons declare their translatable fields in a ``translation.py`` module with
``register(Model, ["title", "intro"])``.
"""

import contextvars
import functools
from dataclasses import dataclass

from django.conf import settings
from django.conf.locale import LANG_INFO
from django.db import models

#: Models whose fields are translated: {model: (field, ...)}
REGISTRY: dict[type, tuple[str, ...]] = {}


@dataclass(frozen=True)
class ContentLanguage:
    """The languages one request is served in."""

    content: str  # the language of the content the visitor asked for
    site: str  # the site's own language, the one its content is written in
    prefixed: bool  # the language came from the URL prefix


_current: contextvars.ContextVar[ContentLanguage | None] = contextvars.ContextVar(
    "civicdesk_content_language", default=None
)


def interface_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def installation_codes() -> list[str]:
    """Every language content may be written in on this installation (settings
    ``CIVICDESK_CONTENT_LANGUAGES``); the interface languages always are."""
    codes = list(getattr(settings, "CIVICDESK_CONTENT_LANGUAGES", []) or [])
    return list(dict.fromkeys([*interface_codes(), *codes]))


def language_name(code: str) -> str:
    """The language's own name ("Magyar")."""
    names = dict(settings.LANGUAGES)
    if code in names:
        return names[code]
    info = LANG_INFO.get(code, {})
    return (info.get("name_local") or code).capitalize()


def installation_choices() -> list[tuple[str, str]]:
    return [(code, language_name(code)) for code in installation_codes()]


def site_language(profile) -> str:
    if profile is not None and profile.default_language in interface_codes():
        return profile.default_language
    return settings.LANGUAGE_CODE


def site_languages(profile) -> list[str]:
    """The languages a site offers, its own first: those chosen in its profile, else
    the interface languages."""
    own = site_language(profile)
    chosen = [code for code in (getattr(profile, "content_languages", None) or [])
              if code in installation_codes()]
    return list(dict.fromkeys([own, *(chosen or interface_codes())]))


def interface_language(code: str, profile) -> str:
    """The interface language for content language ``code``: itself when the interface is
    translated into it, else the site's own language."""
    return code if code in interface_codes() else site_language(profile)


def activate(value: ContentLanguage | None):
    return _current.set(value)


def reset(token) -> None:
    _current.reset(token)


def current() -> ContentLanguage | None:
    return _current.get()


def wanted_language() -> str | None:
    """The language translations are read in now, or None (the site's own language,
    or outside a public request)."""
    value = _current.get()
    if value is None or value.content == value.site:
        return None
    return value.content


def content_language() -> str | None:
    """The content language of the current request (None outside requests)."""
    value = _current.get()
    return value.content if value else None


def meaningful(value) -> bool:
    """A text with something to read (an empty rich text paragraph is not)."""
    if not isinstance(value, str) or not value.strip():
        return False
    if "<" not in value:
        return True
    from django.utils.html import strip_tags

    return bool(strip_tags(value).strip()) or "<embed" in value or "<img" in value


def translation_of(obj, field: str, lang: str | None = None) -> str:
    """The translation of ``obj.field`` into ``lang`` ("" if none). Objects loaded without
    their translations (``.only("title")``) have none: no query per object."""
    lang = lang or wanted_language()
    if not lang:
        return ""
    translations = obj.__dict__.get("translations") or {}
    entry = translations.get(lang) if isinstance(translations, dict) else None
    value = entry.get(field) if isinstance(entry, dict) else None
    return value if meaningful(value) else ""


def shown_language(obj, field: str) -> str | None:
    """The language the value of ``obj.field`` is shown in now (None outside requests)."""
    value = _current.get()
    if value is None:
        return None
    if value.content == value.site:
        return value.site
    if _registered(obj, field) and translation_of(obj, field, value.content):
        return value.content
    return value.site


def registered_fields(obj) -> tuple[str, ...]:
    """The translated fields of ``obj``'s model (empty if it has none)."""
    return next((fields for model, fields in REGISTRY.items() if isinstance(obj, model)), ())


def _registered(obj, field: str) -> bool:
    return field in registered_fields(obj)


def is_translated(obj, lang: str | None = None) -> bool:
    """True when ``obj`` has its first registered field (its title or name) in ``lang``."""
    lang = lang or wanted_language()
    fields = registered_fields(obj)
    return bool(lang and fields and translation_of(obj, fields[0], lang))


class TranslatedAttribute:
    """Replaces a model field's attribute: gives the translation in the wanted language
    when there is one, the stored (site-language) value otherwise."""

    def __init__(self, name: str, inner):
        self.name = name
        self.inner = inner

    def __get__(self, instance, owner=None):
        if instance is None:
            return self.inner.__get__(None, owner) if hasattr(self.inner, "__get__") else self
        if hasattr(self.inner, "__get__"):
            value = self.inner.__get__(instance, owner)
        else:
            value = instance.__dict__.get(self.name)
        lang = wanted_language()
        if lang and not instance.__dict__.get(RAW):
            translated = translation_of(instance, self.name, lang)
            if translated:
                return translated
        return value

    def __set__(self, instance, value):
        if hasattr(self.inner, "__set__"):
            self.inner.__set__(instance, value)
        else:
            instance.__dict__[self.name] = value


def _inherited_attribute(model, name):
    for klass in model.__mro__:
        if name in klass.__dict__:
            return klass.__dict__[name]
    return None


RAW = "_civicdesk_raw"


def _stored_values(method):
    """Wraps a model method that reads and writes back field values (saving, cleaning):
    inside it, fields give their stored (site-language) values."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        before = self.__dict__.get(RAW)
        self.__dict__[RAW] = True
        try:
            return method(self, *args, **kwargs)
        finally:
            if before is None:
                self.__dict__.pop(RAW, None)

    wrapper._civicdesk_stored_values = True
    return wrapper


def register(model, fields) -> None:
    """Makes ``fields`` of ``model`` (which has a ``translations`` JSON field) read in the
    visitor's language, and adds them to its admin form, a field per language."""
    fields = tuple(fields)
    model._meta.get_field("translations")  # the model must have it
    REGISTRY[model] = fields
    for name in fields:
        model._meta.get_field(name)
        current_attr = _inherited_attribute(model, name)
        if isinstance(current_attr, TranslatedAttribute):
            current_attr = current_attr.inner
        setattr(model, name, TranslatedAttribute(name, current_attr))
    # saving and cleaning use the stored values, never the translation being shown
    for method in ("save", "full_clean", "clean_fields", "serializable_data"):
        original = getattr(model, method, None)
        if original is not None and not getattr(original, "_civicdesk_stored_values", False):
            setattr(model, method, _stored_values(original))
    from .translation_admin import add_translation_panels

    add_translation_panels(model, fields)


def translations_field():
    """The JSON field a translatable model adds: ``translations = translations_field()``."""
    from django.utils.translation import gettext_lazy as _

    return models.JSONField(_("translations"), default=dict, blank=True, editable=False)


def unprefixed_path(path: str, profile) -> str:
    """``path`` without its language prefix ("/en/a/" -> "/a/")."""
    own, offered = site_language(profile), site_languages(profile)
    first, _sep, rest = path.lstrip("/").partition("/")
    if first and first != own and first in offered:
        return "/" + rest
    return path


def localized_path(path: str, lang: str, profile) -> str:
    """``path`` (with or without a language prefix) in ``lang``: no prefix for the site's
    own language."""
    base = unprefixed_path(path, profile)
    if lang == site_language(profile):
        return base
    return f"/{lang}{base}"


def variant() -> str:
    """Tells apart what is rendered differently per content language and language prefix
    (titles, links), for cache keys."""
    value = _current.get()
    return f"{value.content}{'/' if value.prefixed else ''}" if value else ""


def set_language_cookie(response, language: str) -> None:
    """Remember ``language`` as the visitor's choice (the cookie Django's own switch sets)."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE or 365 * 24 * 3600,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
