"""A tiny add-on that exercises the whole add-on contract in tests."""

from django.utils.translation import gettext_lazy as _

from addons.core.addon import AddonConfig, CabinetSection, NotificationEvent, ScheduledJob


def _cabinet_context(request):
    from .models import Notice

    return {"notices": list(Notice.objects.order_by("pk")[:5])}


class NoticeConfig(AddonConfig):
    default = True  # AddonConfig is imported here too: name the default
    name = "tests.core.notice_addon"
    label = "notice_addon"
    verbose_name = _("Notices")
    description = _("Short notices attached to pages.")
    urls = "tests.core.notice_addon.urls"
    url_prefix = "notices/"
    root_urls = (("notice-board/", "tests.core.notice_addon.urls", "board"),)
    placements = ("notice_addon.NoticePlacement",)
    cabinet_sections = (
        CabinetSection(
            key="notices",
            title=_("Notices"),
            template="notice_addon/cabinet.html",
            get_context=_cabinet_context,
        ),
    )
    notification_events = (NotificationEvent("notice_published", _("A notice was published")),)
    scheduled_jobs = (
        ScheduledJob(
            name="notice_addon.expire",
            func="tests.core.notice_addon.jobs.expire_notices",
            cron="0 3 * * *",
        ),
    )

    #: sites setup() ran for, in order (the test checks it runs exactly once per enable)
    setup_calls: list = []

    def setup(self, site):
        from .models import Notice

        type(self).setup_calls.append(site.pk)
        Notice.objects.get_or_create(
            slug=f"welcome-{site.pk}",
            defaults={"title": "Welcome", "text": "Our services are open."},
        )
