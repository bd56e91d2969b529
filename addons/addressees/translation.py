"""Translatable fields of the addressees' pages (see addons.core.content_languages)."""

from addons.core.content_languages import register

from .models import AddresseeCatalogPage, AddresseeGroupPage, AddresseePage, HomePage

register(HomePage, ["title", "seo_title", "search_description", "intro"])
register(AddresseeCatalogPage, ["title", "seo_title", "search_description", "intro"])
register(AddresseeGroupPage, ["title", "seo_title", "search_description", "intro"])
register(AddresseePage, [
    "title", "seo_title", "search_description", "position", "summary", "description",
])
