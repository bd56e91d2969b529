from django.db import models
from wagtail.models import Page


class BarePage(Page):
    """A minimal page: a title rendered with a tiny template (``themed`` False) or the
    same title inside the site theme's ``base.html`` (``themed`` True)."""

    themed = models.BooleanField(default=False)

    def get_template(self, request, *args, **kwargs):
        return "bareapp/themed_bare_page.html" if self.themed else "bareapp/bare_page.html"
