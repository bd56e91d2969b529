"""URL configurations with a language prefix: ``/en/...`` serves the root URLconf's
``public_urlpatterns`` under ``en/`` (everything else, such as the admin and the APIs,
stays where it is). The middleware picks one for a request whose path starts with a
language the site offers, so ``reverse()`` and page URLs keep that prefix."""

import sys
import types
from functools import cache
from importlib import import_module

from django.conf import settings
from django.urls import include, path

HANDLERS = ("handler400", "handler403", "handler404", "handler500")


def urlconf_for(lang: str) -> types.ModuleType:
    return _urlconf(settings.ROOT_URLCONF, lang)


@cache
def _urlconf(root_urlconf: str, lang: str) -> types.ModuleType:
    root = import_module(root_urlconf)
    public = list(getattr(root, "public_urlpatterns", []))
    module = types.ModuleType(f"{root_urlconf}__{lang}")
    module.urlpatterns = [
        *(pattern for pattern in root.urlpatterns if pattern not in public),
        path(f"{lang}/", include(public)),
    ]
    for name in HANDLERS:
        if hasattr(root, name):
            setattr(module, name, getattr(root, name))
    sys.modules[module.__name__] = module
    return module
