"""Translatable fields of appeal forms (see addons.core.content_languages)."""

from addons.core.content_languages import register

from .models import AppealForm

register(AppealForm, ["title", "intro", "button_label"])
