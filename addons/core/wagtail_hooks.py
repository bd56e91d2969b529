from django.http import Http404
from wagtail import hooks

from . import registry
from .activation import is_enabled


@hooks.register("before_serve_page")
def hide_pages_of_disabled_addons(page, request, serve_args, serve_kwargs):
    addon = registry.addon_for_model(page.specific_class)
    if addon is not None and not is_enabled(addon.label, request=request):
        raise Http404("This service is not available on this site.")
