"""Translatable fields of bulletin streams (see addons.core.content_languages)."""

from addons.core.content_languages import register

from .models import BulletinStream

register(BulletinStream, ["title"])
