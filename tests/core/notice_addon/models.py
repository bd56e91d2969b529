from django.db import models
from wagtail.admin.panels import FieldPanel
from wagtail.snippets.models import register_snippet

from addons.core.placements import Placement


@register_snippet
class Notice(models.Model):
    title = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    text = models.TextField(blank=True)

    panels = [FieldPanel("title"), FieldPanel("slug"), FieldPanel("text")]

    def __str__(self):
        return self.title


class NoticePlacement(Placement):
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="+")

    snippet_field = "notice"
    section_template = "notice_addon/section.html"
    panels = [FieldPanel("notice")]

    class Meta(Placement.Meta):
        verbose_name = "notice"
        verbose_name_plural = "notices"
