"""Themes: ``themes/<name>/templates`` and ``themes/<name>/static/<name>/``.

Each site picks its theme in the "Site profile" setting. The middleware puts the theme of
the current request in a context variable; :class:`ThemeLoader` looks there first (then in
the theme's parent), and the add-ons' own templates come after it.
A theme may name a parent in ``themes/<name>/theme.json``: ``{"label": "...", "parent": "civic"}``.
"""

from __future__ import annotations

import contextvars
import json
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.template import Origin, TemplateDoesNotExist
from django.template.loaders.base import Loader as BaseLoader
from django.template.loaders.cached import Loader as CachedLoader
from django.utils._os import safe_join

_current_theme: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "civicdesk_theme", default=None
)


def themes_dir() -> Path:
    return Path(settings.CIVICDESK_THEMES_DIR)


@cache
def available_themes() -> dict[str, dict]:
    """name -> {"label", "parent"} for every folder in themes/ that has templates."""
    found = {}
    for path in sorted(themes_dir().iterdir()):
        if not (path / "templates").is_dir():
            continue
        meta = {"label": path.name, "parent": None}
        manifest = path / "theme.json"
        if manifest.exists():
            meta.update(json.loads(manifest.read_text(encoding="utf-8")))
        found[path.name] = meta
    return found


def theme_chain(name: str | None) -> list[str]:
    """The theme and its ancestors, ending with the default theme."""
    themes = available_themes()
    chain = []
    current = name if name in themes else settings.CIVICDESK_DEFAULT_THEME
    while current and current in themes and current not in chain:
        chain.append(current)
        current = themes[current].get("parent")
    if settings.CIVICDESK_DEFAULT_THEME not in chain:
        chain.append(settings.CIVICDESK_DEFAULT_THEME)
    return chain


#: the cookie of a visitor's own choice of theme (e.g. high contrast on any town's site)
THEME_COOKIE = "civicdesk_theme"
#: the theme one click away on every page, for those who need it
ACCESSIBLE_THEME = "contrast"


def visitor_theme(request) -> str | None:
    """The theme the visitor chose with the switch on every page, or None (the site's)."""
    name = request.COOKIES.get(THEME_COOKIE, "") if request is not None else ""
    return name if name in available_themes() else None


def get_current_theme() -> str:
    return _current_theme.get() or settings.CIVICDESK_DEFAULT_THEME


def set_current_theme(name: str | None):
    return _current_theme.set(name)


def reset_current_theme(token) -> None:
    _current_theme.reset(token)


class _ThemeDirsLoader(BaseLoader):
    """Filesystem loader over one fixed chain of theme template folders."""

    def __init__(self, engine, dirs):
        super().__init__(engine)
        self.dirs = dirs

    def get_contents(self, origin):
        try:
            with open(origin.name, encoding=self.engine.file_charset) as fp:
                return fp.read()
        except FileNotFoundError:
            raise TemplateDoesNotExist(origin)

    def get_template_sources(self, template_name):
        for directory in self.dirs:
            try:
                path = safe_join(directory, template_name)
            except SuspiciousFileOperation:
                continue  # ../ escapes are never served
            yield Origin(name=path, template_name=template_name, loader=self)


class ThemeLoader(BaseLoader):
    """Looks up templates in the current site's theme chain.

    One compiled-template cache per theme chain, so two sites with different themes never
    see each other's templates.
    """

    def __init__(self, engine):
        super().__init__(engine)
        self._loaders: dict[tuple[str, ...], BaseLoader] = {}

    def _loader(self):
        chain = tuple(theme_chain(get_current_theme()))
        loader = self._loaders.get(chain)
        if loader is None:
            dirs = [str(themes_dir() / name / "templates") for name in chain]
            base = _ThemeDirsLoader(self.engine, dirs)
            if settings.DEBUG:
                loader = base
            else:
                loader = CachedLoader(self.engine, [])
                loader.loaders = [base]
            self._loaders[chain] = loader
        return loader

    def get_template(self, template_name, skip=None):
        return self._loader().get_template(template_name, skip=skip)

    def get_template_sources(self, template_name):
        yield from self._loader().get_template_sources(template_name)

    def reset(self):
        for loader in self._loaders.values():
            if hasattr(loader, "reset"):
                loader.reset()
