from django.conf import settings
from django.conf.urls.static import static
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from addons.core.urls import addon_api_urlpatterns, addon_urlpatterns


def api_schema(request, *args, **kwargs):
    """The OpenAPI schema; its generator is imported on the first request for it, not in
    every worker at start (addons/core/README.md, "Memory")."""
    from drf_spectacular.views import SpectacularAPIView

    return SpectacularAPIView.as_view()(request, *args, **kwargs)


urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/schema/", api_schema, name="api-schema"),
    path("api/v1/", include(addon_api_urlpatterns())),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

#: The public pages: served in the site's language without a prefix and in the other
#: languages it offers under /<language>/ (addons.core.language_urls).
public_urlpatterns = [*addon_urlpatterns(), path("", include(wagtail_urls))]
urlpatterns += public_urlpatterns
