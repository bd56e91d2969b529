"""Translatable fields of surveys (see addons.core.content_languages)."""

from addons.core.content_languages import register

from .models import OpinionCenterPage, Survey

register(OpinionCenterPage, ["title", "seo_title", "search_description", "intro"])
register(Survey, ["title", "intro"])
