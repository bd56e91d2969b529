"""Mounts core's public URLs and the public and API URLs every installed add-on declares."""

from django.urls import include, path

from . import registry, views

#: core's own public URLs, namespace "core" (always on).
core_patterns = [
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("theme/", views.set_theme, name="set_theme"),
    path("brand.css", views.brand_css, name="brand_css"),
    path("language/", views.switch_language, name="switch_language"),
]


def addon_urlpatterns():
    patterns = [path("", include((core_patterns, "core"), namespace="core"))]
    for addon in registry.addons():
        if addon.urls:
            prefix = addon.url_prefix if addon.url_prefix is not None else f"{addon.label}/"
            patterns.append(path(prefix, include((addon.urls, addon.label), namespace=addon.label)))
        for prefix, module, name in addon.root_urls:
            namespace = f"{addon.label}-{name}"
            patterns.append(path(prefix, include((module, namespace), namespace=namespace)))
    return patterns


def addon_api_urlpatterns():
    return [
        path("", include((addon.api_urls, addon.label), namespace=f"{addon.label}-api"))
        for addon in registry.addons()
        if addon.api_urls
    ]
