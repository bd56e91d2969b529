"""Texts of core's public map include (core/templates/core/map.html), translated in this
add-on's catalog so the map speaks the visitor's language whatever core's catalog holds."""

from django.utils.translation import gettext_noop

MAP_STRINGS = (
    gettext_noop("Map"),
    gettext_noop("Map: %(label)s"),
    gettext_noop("Zoom in"),
    gettext_noop("Zoom out"),
    gettext_noop("Open the location in a map application"),
)
